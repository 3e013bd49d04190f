package judge

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Limits that keep one policy (and one judge call) bounded.
const (
	MaxMetrics = 500
	MaxPoints  = 100_000 // per series
	MaxSinks   = 10      // notify sinks per policy: one decision writes one outbox row per sink
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$`)

const nameRule = "must be 1-128 characters of letters, digits, _ . : - (not starting with . : -)"

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate reports every problem of p (after metric defaults are applied)
// as a *ValidationError, or nil.
func (p Policy) Validate() error {
	v := &ValidationError{}
	p.validate(v, "")
	return v.Err()
}

// validate appends p's problems to v, each field prefixed with prefix.
func (p Policy) validate(v *ValidationError, prefix string) {
	p = p.withDefaults()
	f := func(field string) string { return prefix + field }
	if p.Version < 0 {
		v.Add(f("version"), "must not be negative")
	}
	if p.Mode != ModeDefault && p.Mode != ModeKayenta && p.Mode != ModeSequential {
		v.Add(f("mode"), "must be one of default, kayenta, sequential")
	}
	if p.Mode != ModeSequential && p.Sequential != (SequentialOptions{}) {
		v.Add(f("sequential"), "is only used by mode sequential")
	}
	checkRange(v, f("thresholds.pass"), p.Thresholds.Pass, 0, 100)
	checkRange(v, f("thresholds.marginal"), p.Thresholds.Marginal, 0, 100)
	if p.Thresholds.Pass < p.Thresholds.Marginal {
		v.Add(f("thresholds.pass"), fmt.Sprintf("must be at least thresholds.marginal (%g)", p.Thresholds.Marginal))
	}
	if !finite(p.Alpha) || p.Alpha <= 0 || p.Alpha > 0.5 {
		v.Add(f("alpha"), "must be a significance level in (0, 0.5]")
	}
	if !finite(p.Kayenta.Tolerance) || p.Kayenta.Tolerance < 0 || p.Kayenta.Tolerance > 10 {
		v.Add(f("kayenta.tolerance"), "must be between 0 and 10")
	}
	if !finite(p.Kayenta.ConfLevel) || p.Kayenta.ConfLevel <= 0 || p.Kayenta.ConfLevel >= 1 {
		v.Add(f("kayenta.conf_level"), "must be in (0, 1)")
	}
	p.validateMetrics(v, prefix)
	p.validateGroups(v, prefix)
	p.Windows.validate(v, prefix+"windows.")
	p.Guards.validate(v, prefix+"guards.")
	if len(p.Notify) > MaxSinks {
		v.Add(prefix+"notify", fmt.Sprintf("must list at most %d sinks", MaxSinks))
	}
	for i, s := range p.Notify {
		s.validate(v, fmt.Sprintf("%snotify[%d].", prefix, i))
	}
}

func checkRange(v *ValidationError, field string, x, lo, hi float64) {
	if !finite(x) || x < lo || x > hi {
		v.Add(field, fmt.Sprintf("must be a number between %g and %g", lo, hi))
	}
}

func checkDuration(v *ValidationError, field string, d Duration, lo, hi time.Duration) {
	if d.Duration < lo || d.Duration > hi {
		v.Add(field, fmt.Sprintf("must be between %s and %s", FormatDuration(lo), FormatDuration(hi)))
	}
}

func checkInt(v *ValidationError, field string, n, lo, hi int) {
	if n < lo || n > hi {
		v.Add(field, fmt.Sprintf("must be an integer between %d and %d", lo, hi))
	}
}

func (p Policy) validateMetrics(v *ValidationError, prefix string) {
	if len(p.Metrics) == 0 {
		v.Add(prefix+"metrics", "must list at least one metric")
	}
	if len(p.Metrics) > MaxMetrics {
		v.Add(prefix+"metrics", fmt.Sprintf("must list at most %d metrics", MaxMetrics))
	}
	seen := map[string]int{}
	for i, m := range p.Metrics {
		path := fmt.Sprintf("%smetrics[%d].", prefix, i)
		if j, dup := seen[m.Name]; dup && m.Name != "" {
			v.Add(path+"name", fmt.Sprintf("duplicate of metrics[%d].name %q", j, m.Name))
		} else {
			seen[m.Name] = i
		}
		m.validate(v, path, p.Mode, p.Alpha)
	}
}

// validateGroups checks weights: each in [0, 100], together at most 100,
// every listed group used by a metric, and something left for unlisted ones.
func (p Policy) validateGroups(v *ValidationError, prefix string) {
	used := map[string]bool{}
	for _, m := range p.Metrics {
		used[m.Group] = true
	}
	names := make([]string, 0, len(p.Groups))
	for g := range p.Groups {
		names = append(names, g)
	}
	sort.Strings(names)
	sum := 0.0
	for _, g := range names {
		w := p.Groups[g]
		field := prefix + "groups." + g
		if !nameRE.MatchString(g) {
			v.Add(field, "group name "+nameRule)
		}
		checkRange(v, field, w, 0, 100)
		if finite(w) {
			sum += w
		}
		if !used[g] {
			v.Add(field, "unknown group: no metric is in this group")
		}
	}
	if sum > 100+1e-9 {
		v.Add(prefix+"groups", fmt.Sprintf("weights must sum to at most 100 (they sum to %g)", sum))
		return
	}
	var unweighted []string
	for g := range used {
		if _, ok := p.Groups[g]; !ok && g != "" {
			unweighted = append(unweighted, g)
		}
	}
	sort.Strings(unweighted)
	if len(unweighted) > 0 && sum >= 100-1e-9 {
		v.Add(prefix+"groups", fmt.Sprintf("weights sum to 100, leaving weight 0 for unweighted group(s) %s", strings.Join(unweighted, ", ")))
	}
}

func (w Windows) validate(v *ValidationError, prefix string) {
	checkDuration(v, prefix+"interval", w.Interval, 10*time.Second, 24*time.Hour)
	checkInt(v, prefix+"min_windows", w.MinWindows, 1, 1000)
	checkDuration(v, prefix+"min_bake", w.MinBake, 0, 7*24*time.Hour)
	checkInt(v, prefix+"consecutive_failures", w.ConsecutiveFailures, 1, 100)
	checkInt(v, prefix+"consecutive_marginal", w.ConsecutiveMarginal, 1, 100)
	checkInt(v, prefix+"consecutive_nodata", w.ConsecutiveNoData, 1, 100)
	checkInt(v, prefix+"max_windows", w.MaxWindows, 0, 10000)
	checkDuration(v, prefix+"max_bake", w.MaxBake, 0, 30*24*time.Hour)
	switch {
	case w.MaxWindows == 0 && w.MaxBake.Duration == 0:
		v.Add(prefix+"max_windows", "a release needs a lifetime: set max_windows, max_bake or both (a release must end with a decision, never wait forever)")
	case w.MaxWindows > 0 && w.MaxWindows < w.MinWindows:
		v.Add(prefix+"max_windows", fmt.Sprintf("must be at least min_windows (%d)", w.MinWindows))
	case w.MaxBake.Duration > 0 && w.MaxBake.Duration < w.MinBake.Duration:
		v.Add(prefix+"max_bake", fmt.Sprintf("must be at least min_bake (%s)", FormatDuration(w.MinBake.Duration)))
	}
	if w.StaleAfter.Duration != 0 {
		checkDuration(v, prefix+"stale_after", w.StaleAfter, max(w.Interval.Duration, 10*time.Second), 7*24*time.Hour)
	}
}

func (g GuardPolicy) validate(v *ValidationError, prefix string) {
	checkInt(v, prefix+"rollback_cap.per_service", g.RollbackCap.PerService, 0, 1000)
	checkInt(v, prefix+"rollback_cap.fleet", g.RollbackCap.Fleet, 0, 100000)
	checkDuration(v, prefix+"rollback_cap.window", g.RollbackCap.Window, time.Minute, 30*24*time.Hour)
	checkDuration(v, prefix+"rollback_timeout", g.RollbackTimeout, 10*time.Second, 24*time.Hour)
	if g.Migrations != MigrationsExpandOnly {
		v.Add(prefix+"migrations", "must be expand_only")
	}
}

func (s Sink) validate(v *ValidationError, prefix string) {
	switch s.Kind {
	case "webhook", "slack":
		if u, err := url.Parse(s.URL); s.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add(prefix+"url", "must be an absolute http or https URL")
		}
		if s.RoutingKey != "" {
			v.Add(prefix+"routing_key", "is only used by pagerduty sinks")
		}
	case "pagerduty":
		if s.RoutingKey == "" {
			v.Add(prefix+"routing_key", "is required for pagerduty sinks")
		}
		if u, err := url.Parse(s.URL); s.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			v.Add(prefix+"url", "must be an absolute http or https URL")
		}
	default:
		v.Add(prefix+"kind", "must be one of webhook, pagerduty, slack")
	}
	if s.Secret != "" && s.Kind != "webhook" {
		v.Add(prefix+"secret", "is only used by webhook sinks")
	}
	seen := map[string]bool{}
	for i, e := range s.Events {
		field := fmt.Sprintf("%sevents[%d]", prefix, i)
		switch {
		case e != "page" && e != "resolve" && e != "info":
			v.Add(field, "must be one of page, resolve, info (the notifier's message kinds)")
		case seen[e]:
			v.Add(field, fmt.Sprintf("duplicate event %q", e))
		}
		seen[e] = true
	}
}

// fmtDuration prints 5m0s as 5m and 1h0m0s as 1h.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
