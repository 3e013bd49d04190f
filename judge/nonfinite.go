package judge

import (
	"fmt"
	"math"
	"strings"
)

// Values the judge cannot represent.
//
// A Prometheus p99 above the top histogram bucket is +Inf; a broken
// exporter sends 1e308. Neither can be judged: an infinite point makes an
// infinite mean and an interval [-inf, +inf], which reads as "no evidence of
// a regression", and 1e308 overflows the sums of squares the same way. Such
// points are never dropped silently and never pass:
//   - a point that is +/-Inf, or whose magnitude exceeds MaxMagnitude (its
//     square, summed over a window, would overflow float64), is
//     unrepresentable; each side counts its own (SideStats.NonFinite);
//   - on the canary, in a direction the policy calls bad (+Inf latency, an
//     infinite error ratio), the metric fails at once (rule non_finite),
//     like a ceiling breach: an unbounded value in the bad direction is a
//     regression whatever the rest of the window says;
//   - anywhere else (the baseline, or the canary's harmless direction, or a
//     count metric's events or totals) the metric is nodata (rule
//     non_finite): the two sides cannot be compared;
//   - the decision engine never promotes a release in which any window had
//     such a point, in every mode (kayenta included, which otherwise keeps
//     Kayenta's classification of the finite points).

// MaxMagnitude is the largest magnitude a point may have and still be
// judged: the sums, squares and lag products of up to MaxPoints such points
// stay finite.
const MaxMagnitude = 1e100

// RuleNonFinite: a point the judge cannot represent (see above).
const RuleNonFinite Rule = "non_finite"

// representable reports whether x can be judged (NaN is a missing point,
// not an unrepresentable one).
func representable(x float64) bool { return math.IsNaN(x) || math.Abs(x) <= MaxMagnitude }

// unrepresentable counts the points of one side's metric that cannot be
// judged, by sign.
type unrepresentable struct{ pos, neg int }

func (u unrepresentable) total() int { return u.pos + u.neg }

func (u *unrepresentable) scan(xs []float64) {
	for _, x := range xs {
		if !representable(x) {
			if x > 0 {
				u.pos++
			} else {
				u.neg++
			}
		}
	}
}

// scanSide counts metric name's unrepresentable points on side s.
func scanSide(s Side, name string) unrepresentable {
	var u unrepresentable
	u.scan(s.Series[name])
	if c, ok := s.Counts[name]; ok {
		u.scan(c.Events)
		u.scan(c.Total)
	}
	if in, ok := s.Instances[name]; ok {
		for _, xs := range in.Series {
			u.scan(xs)
		}
		for _, c := range in.Counts {
			u.scan(c.Events)
			u.scan(c.Total)
		}
	}
	return u
}

// scrubbed returns s with metric name's unrepresentable points turned into
// missing ones (NaN), copying only what changes.
func scrubbed(s Side, name string) Side {
	clean := func(xs []float64) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			if !representable(x) {
				x = math.NaN()
			}
			out[i] = x
		}
		return out
	}
	cleanCount := func(c Count) Count { return Count{Events: clean(c.Events), Total: clean(c.Total)} }
	out := Side{Series: Samples{}, Counts: map[string]Count{}, Instances: map[string]Instances{}}
	for k, v := range s.Series {
		out.Series[k] = v
	}
	for k, v := range s.Counts {
		out.Counts[k] = v
	}
	for k, v := range s.Instances {
		out.Instances[k] = v
	}
	if xs, ok := s.Series[name]; ok {
		out.Series[name] = clean(xs)
	}
	if c, ok := s.Counts[name]; ok {
		out.Counts[name] = cleanCount(c)
	}
	if in, ok := s.Instances[name]; ok {
		cp := Instances{}
		if in.Series != nil {
			cp.Series = map[string][]float64{}
			for k, xs := range in.Series {
				cp.Series[k] = clean(xs)
			}
		}
		if in.Counts != nil {
			cp.Counts = map[string]Count{}
			for k, c := range in.Counts {
				cp.Counts[k] = cleanCount(c)
			}
		}
		out.Instances[name] = cp
	}
	return out
}

// badNonFinite reports whether the canary's unrepresentable points lie in
// a direction m calls bad (a plain series only: counts cannot say).
func badNonFinite(m Metric, c unrepresentable) bool {
	if m.Kind == KindCount {
		return false
	}
	return (c.pos > 0 && m.Direction != DirDecrease) || (c.neg > 0 && m.Direction != DirIncrease)
}

// applyNonFinite overrides a default-mode result for unrepresentable
// points (see above); kayenta mode keeps its classification and only
// counts them.
func applyNonFinite(mr MetricResult, m Metric, mode Mode, c, b unrepresentable) MetricResult {
	mr.Canary.NonFinite, mr.Baseline.NonFinite = c.total(), b.total()
	if c.total()+b.total() == 0 || mode == ModeKayenta {
		return mr
	}
	what := fmt.Sprintf("%d canary and %d baseline point(s) are infinite or beyond +/-%g, which the judge cannot represent", c.total(), b.total(), MaxMagnitude)
	if badNonFinite(m, c) && b.total() == 0 {
		mr.Classification, mr.Rule, mr.CriticalFailure = ClassHigh, RuleNonFinite, m.Critical
		if c.pos == 0 {
			mr.Classification = ClassLow
		}
		mr.Reason = what + ": unbounded in the direction the policy calls bad, the metric fails (the other points alone are not judged)"
		return mr
	}
	mr.Classification, mr.Rule, mr.CriticalFailure = ClassNoData, RuleNonFinite, false
	mr.Reason = what + ": the sides cannot be compared, nodata (a release with such points is never promoted)"
	return mr
}

// ReasonNonFinite: a release with points the judge cannot represent is
// never promoted.
const ReasonNonFinite Reason = "non_finite"

// floorUnjudgeable keeps a candidate promote from a release that sent
// unrepresentable points in any window (rule 8 of propose.go): roll back
// when the canary's lay in a direction the policy calls bad (default and
// sequential modes, where such a metric failed), else escalate; kayenta
// mode, whose classification did not see them, always escalates.
func floorUnjudgeable(d Decision, run Running) Decision {
	if d.Action != ActionPromote {
		return d
	}
	failed, other := run.NonFiniteFailed, run.NonFiniteOther
	const what = "points the judge cannot represent (infinite, or beyond +/-1e100)"
	switch {
	case len(failed) > 0:
		return d.with(ActionRollback, ReasonNonFinite, fmt.Sprintf("the canary sent %s for %s, in a direction the policy calls bad; never promoted (the candidate was: %s)", what, names(failed), d.Message))
	case len(other) > 0:
		return d.with(ActionEscalate, ReasonNonFinite, fmt.Sprintf("%s carried %s; a release with such data is never promoted, a human must decide (the candidate was: %s)", names(other), what, d.Message))
	}
	return d
}

func appendNew(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// union is a, then the names of b not in a.
func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		out = appendNew(out, x)
	}
	return out
}

// names lists metric names for a message: "errors, latency_p99".
func names(xs []string) string { return strings.Join(xs, ", ") }
