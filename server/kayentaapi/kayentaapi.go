// Package kayentaapi serves the part of Kayenta's REST API that Argo
// Rollouts' built-in kayenta metric provider, Spinnaker's canary stage
// (orca-kayenta) and Deck's canary screens (through gate) call, so they
// work against canaryjudge unmodified:
//
//	GET  /kayenta/credentials          the metric sources and the store, as accounts
//	GET  /kayenta/judges               canaryjudge's kayenta mode
//	GET  /kayenta/canaryConfig?application=
//	     the canary configs: one per service whose policy is in kayenta mode
//	GET  /kayenta/canaryConfig/{id}    one, as Kayenta's CanaryConfig
//	POST /kayenta/canary/{configId}?application=&metricsAccountName=&...
//	     Kayenta's CanaryExecutionRequest → {canaryExecutionId}
//	GET  /kayenta/canary/{executionId}
//	     {complete, status, result: {judgeResult: {score, results, groupScores}}, config, ...}
//	PUT  /kayenta/pipelines/{executionId}/cancel   202; executions are complete
//	GET  /kayenta/metricSetPairList/{id}           each metric's series, read again
//	*    /kayenta/standalone_canary_analysis...    501, naming the alternatives
//
// A config is a service; an execution judges the service's policy (kayenta
// mode, NetflixACAJudge-v1.0) once over the series a Source fetches for the
// control (baseline) and experiment (canary) scopes, each scope translated
// into label matchers (scope.go), and is kept in the store so any replica
// answers the poll. Executions are judged before the POST answers: the
// first poll finds them complete.
package kayentaapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/wire"
	"github.com/canaryjudge/canaryjudge/store"
)

// Scope is one side's Kayenta scope: what to select (a server group name,
// or label matchers), where, and the time range and step of the series.
type Scope struct {
	Scope    string
	Location string // Kayenta's "location" (older clients, Argo: "region")
	Start    time.Time
	End      time.Time
	Step     time.Duration // 0: the source's default
	Extended map[string]string
	// Labels are the exact label matchers the scope translates into
	// (scopeLabels): what a metric source puts where a query has {{scope}}.
	Labels map[string]string
}

// FetchRequest asks a Source for one execution's series.
type FetchRequest struct {
	// MetricsAccount is the request's metricsAccountName: which metric
	// store to ask (a configured source's name).
	MetricsAccount string
	Service        string
	Policy         judge.Policy
	Control        Scope // the baseline
	Experiment     Scope // the canary
}

// Source fetches the data of every metric of the policy for both scopes
// (plain series, and events/totals of count metrics). An error makes the
// execution terminal, its message kept.
type Source interface {
	Fetch(ctx context.Context, req FetchRequest) (canary, baseline judge.Side, err error)
}

// Store is what the API reads and writes.
type Store interface {
	GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error)
	store.Policies
	store.KayentaExecutions
}

// Handler serves the API. Source may be nil: executions then answer 501.
type Handler struct {
	Store  Store
	Source Source
	Env    wire.Env
	// MetricStores lists the metric sources GET /credentials names; nil:
	// none.
	MetricStores func(ctx context.Context) ([]MetricStore, error)
	// NewID makes execution ids; nil: random "kx_" ids.
	NewID func() string
}

func (h *Handler) newID() string {
	if h.NewID != nil {
		return h.NewID()
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "kx_" + hex.EncodeToString(b[:])
}
