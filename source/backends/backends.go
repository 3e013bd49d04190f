// Package backends lists every metric source backend of this build, by
// the type name /v1/sources and the sources file use.
package backends

import (
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/cloudwatch"
	"github.com/canaryjudge/canaryjudge/source/datadog"
	"github.com/canaryjudge/canaryjudge/source/graphite"
	"github.com/canaryjudge/canaryjudge/source/influxdb"
	"github.com/canaryjudge/canaryjudge/source/newrelic"
	"github.com/canaryjudge/canaryjudge/source/prometheus"
	"github.com/canaryjudge/canaryjudge/source/web"
)

// All returns a new map of every backend: prometheus (also
// VictoriaMetrics, Thanos, Mimir), datadog, cloudwatch, newrelic,
// influxdb, graphite and web (generic JSON).
func All() map[string]source.Backend {
	return map[string]source.Backend{
		"prometheus": prometheus.Backend{},
		"datadog":    datadog.Backend{},
		"cloudwatch": cloudwatch.Backend{},
		"newrelic":   newrelic.Backend{},
		"influxdb":   influxdb.Backend{},
		"graphite":   graphite.Backend{},
		"web":        web.Backend{},
	}
}
