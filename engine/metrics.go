package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// maxServiceLabels bounds the service label of the decision counters:
// past this many distinct services in one process the rest count under
// otherService, so a flood of services cannot grow the scrape without end.
const (
	maxServiceLabels = 1000
	otherService     = "_other"
)

// metrics are the engine's Prometheus metrics. The counters count what
// this replica decided (sum them over replicas); the release gauges are
// read from the store at scrape time, so every replica reports the same,
// right after a restart too.
type metrics struct {
	decisions     *prometheus.CounterVec // service, action, reason
	interventions *prometheus.CounterVec // service, guard
	mu            sync.Mutex
	services      map[string]bool
}

func newMetrics(reg prometheus.Registerer, st Store, log *slog.Logger) *metrics {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "canaryjudge_decisions_total",
			Help: "Decisions recorded by this replica, by service, action and reason code.",
		}, []string{"service", "action", "reason"}),
		interventions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "canaryjudge_guard_interventions_total",
			Help: "Decisions in which a guard changed what the analysis asked for, by service and guard (the decision's reason: frozen, thrash_protection, migration_incompatible, rollback_cap, baseline_unhealthy).",
		}, []string{"service", "guard"}),
		services: map[string]bool{},
	}
	if reg != nil {
		reg.MustRegister(m.decisions, m.interventions, releaseCollector{st: st, log: log})
	}
	return m
}

// service is the label value for s, bounded (see maxServiceLabels).
func (m *metrics) service(s string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.services[s] && len(m.services) >= maxServiceLabels {
		return otherService
	}
	m.services[s] = true
	return s
}

// decided counts one recorded decision (call it once its unit of work
// has committed); a game day's drill services are not counted.
func (m *metrics) decided(service string, d judge.Decision) {
	if judge.IsGameDay(service) {
		return // a drill: the counters are what real releases decided
	}
	svc := m.service(service)
	m.decisions.WithLabelValues(svc, string(d.Action), string(d.Reason)).Inc()
	if c := d.Evidence.Candidate; c != nil && (c.Action != d.Action || c.Reason != d.Reason) {
		m.interventions.WithLabelValues(svc, string(d.Reason)).Inc()
	}
}

var (
	descReleaseState = prometheus.NewDesc("canaryjudge_release_state",
		"Active releases (baking, rolling_back, halted) by service and target: 1 for the state the release is in, 0 for the other states.",
		[]string{"service", "target", "state"}, nil)
	descLastScore = prometheus.NewDesc("canaryjudge_release_last_score",
		"Score (0-100) of the newest judged window of each active release, by service and target.",
		[]string{"service", "target"}, nil)
)

// collectTimeout bounds the store reads of one scrape.
const collectTimeout = 5 * time.Second

// maxScraped bounds the releases one scrape reports per state;
// scoreLookback is how many of a release's newest windows are searched for
// one with a score (windows whose source failed have none).
const (
	maxScraped    = 2000
	scoreLookback = 10
)

// releaseCollector reads the active releases at scrape time. A store error
// leaves the gauges out of that scrape (and is logged), never failing it.
type releaseCollector struct {
	st  Store
	log *slog.Logger
}

func (c releaseCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descReleaseState
	ch <- descLastScore
}

func (c releaseCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	// A release that changes state between these queries is read twice;
	// reporting it twice would fail the whole scrape (duplicate series),
	// so each service and target keeps the release read last.
	var active []store.Release
	at := map[[2]string]int{}
	for _, s := range judge.States {
		if s.Terminal() {
			continue
		}
		rs, err := c.st.ListReleases(ctx, store.ReleaseQuery{State: s, Limit: maxScraped})
		if err != nil {
			c.log.Warn("metrics: releases not available", "error", err)
			return
		}
		for _, r := range rs {
			if judge.IsGameDay(r.Service) {
				continue // a drill's releases page no one's dashboard
			}
			k := [2]string{r.Service, r.Target}
			if i, seen := at[k]; seen {
				active[i] = r
				continue
			}
			at[k] = len(active)
			active = append(active, r)
		}
	}
	for _, r := range active {
		for _, s := range judge.States {
			v := 0.0
			if s == r.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descReleaseState, prometheus.GaugeValue, v, r.Service, r.Target, string(s))
		}
		as, err := c.st.Analyses(ctx, r.ID, scoreLookback)
		if err != nil {
			c.log.Warn("metrics: last score not available", "release", r.ID, "error", err)
			return
		}
		for _, a := range as { // newest first
			if a.Result != nil {
				ch <- prometheus.MustNewConstMetric(descLastScore, prometheus.GaugeValue, a.Result.Score, r.Service, r.Target)
				break
			}
		}
	}
}
