package server

import (
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// otherServices is the label value the per-service counters give the
// services past their cardinality cap (engine's metrics).
const otherServices = "_other"

// metricsHandler serves /metrics. With authentication on it needs a token
// of any scope (scrapers send one: Prometheus' authorization.credentials);
// a token limited to services sees no series of another service: those
// whose "service" label names another one, or the "_other" bucket of
// services past the cardinality cap, are left out.
func (s *Server) metricsHandler() http.HandlerFunc {
	all := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
	return s.require(ScopeRead, func(w http.ResponseWriter, r *http.Request) {
		svcs := allowedServices(r)
		if svcs == nil {
			all.ServeHTTP(w, r)
			return
		}
		g := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
			mfs, err := s.reg.Gather()
			return onlyServices(mfs, svcs), err
		})
		promhttp.HandlerFor(g, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	})
}

// onlyServices drops the series labelled with a service outside svcs,
// and the families left empty.
func onlyServices(mfs []*dto.MetricFamily, svcs []string) []*dto.MetricFamily {
	out := mfs[:0]
	for _, mf := range mfs {
		kept := mf.Metric[:0]
		for _, m := range mf.Metric {
			if visibleSeries(m, svcs) {
				kept = append(kept, m)
			}
		}
		if len(kept) > 0 {
			mf.Metric = kept
			out = append(out, mf)
		}
	}
	return out
}

func visibleSeries(m *dto.Metric, svcs []string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == "service" {
			return l.GetValue() != otherServices && slices.Contains(svcs, l.GetValue())
		}
	}
	return true
}
