package runner

import "github.com/prometheus/client_golang/prometheus"

// metrics are the runner's own, on the injected registry.
type metrics struct {
	windows      *prometheus.CounterVec
	lag          prometheus.Histogram
	takeovers    prometheus.Counter
	fetchSeconds *prometheus.HistogramVec
	queries      *prometheus.CounterVec
	sourceErrors *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) metrics {
	m := metrics{
		windows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canaryjudge_run_windows_total",
			Help: "Scheduled windows run, by outcome: judged, source_error, adopted (judged by an earlier attempt), ended (the release took no more), retry (runs again), lost (another worker holds the run)."},
			[]string{"outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "canaryjudge_run_lag_seconds",
			Help:    "How late a scheduled window started: claim time minus the window's due time (its end plus the source delay).",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300}}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{Name: "canaryjudge_run_lease_takeovers_total",
			Help: "Runs claimed after another worker's lease expired without completing the window."}),
		fetchSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "canaryjudge_source_fetch_duration_seconds",
			Help:    "Time to fetch one window (every query of both sides, retries included), by source.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"source"}),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canaryjudge_source_requests_total",
			Help: "Requests sent to a source (retries included), by source and outcome: ok, rate_limited, server_error, client_error, auth_failed, timeout, unreachable, canceled."}, []string{"source", "outcome"}),
		sourceErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canaryjudge_source_errors_total",
			Help: "Windows a source could not fetch (down, too slow, or answering an error), by source."}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.windows, m.lag, m.takeovers, m.fetchSeconds, m.queries, m.sourceErrors)
	}
	return m
}
