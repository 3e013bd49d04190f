package judge

import (
	"fmt"
	"strings"
	"time"
)

// proposeSequential decides in mode sequential, after the missing-data and
// ceiling rules: roll back as soon as the confidence sequences lying
// entirely beyond their allowance in a bad direction fail the release as
// the policy weighs them (a critical or rollback_trigger metric, or a score
// below pass, as a window is scored; a metric of small weight beyond its
// allowance alone keeps the release from an early promote); promote early once
// min_windows and min_bake are done and every metric's sequence lies within
// its allowance (unless sequential.no_early_promote); otherwise wait until
// the lifetime ends, and then promote when no sequence shows a regression
// (escalate when a metric never had data).
func (lk look) proposeSequential(d Decision) Decision {
	p, accs, elapsed, n := lk.p, lk.accs, lk.elapsed, lk.run.Windows
	w := p.Windows
	seqs := sequencesFrom(p, accs)
	d.Evidence.Sequence = seqs
	var beyond, unsettled, empty []string
	res := pooledSkeleton(p)
	for i, s := range seqs {
		mr := newMetricResult(p.Metrics[i])
		mr.Classification = ClassPass
		switch {
		case s.Beyond != "":
			beyond = append(beyond, s.String()+" beyond the allowed "+s.Beyond)
			mr.Classification, mr.CriticalFailure = ClassHigh, p.Metrics[i].Critical
			if s.Beyond == string(DirDecrease) {
				mr.Classification = ClassLow
			}
		case s.Windows == 0:
			empty = append(empty, s.Name)
		case !s.Within:
			unsettled = append(unsettled, s.String())
		}
		addPooled(&res, mr)
	}
	verdictDefault(&res, p)
	bakeDone := w.baked(n, elapsed)
	span := fmt.Sprintf("%d windows over %s", n, elapsed.Round(time.Second))
	switch {
	case len(beyond) > 0 && finalFailure(p, &res) != "":
		return d.with(ActionRollback, ReasonSequentialRegression, fmt.Sprintf("after %s the confidence sequence of %s (each metric's sequence wrong at some look with probability <= %.3g)",
			span, strings.Join(beyond, "; "), seqs[0].Alpha))
	case bakeDone && len(beyond)+len(unsettled)+len(empty) == 0 && !p.Sequential.NoEarlyPromote:
		return d.with(ActionPromote, ReasonSequentialSettled, "every metric's confidence sequence lies within its allowance after "+span)
	case d.Evidence.LifetimeOver && len(empty) > 0:
		return d.with(ActionEscalate, ReasonNoData, fmt.Sprintf("the release's lifetime ended (%s) and %s never had data; a human must decide", span, names(empty)))
	case d.Evidence.LifetimeOver:
		// The end of the lifetime is one last look, made once: it is
		// judged as the default mode judges it (pool.go's Final), on the
		// same trimmed pool and point estimates.
		pooled := pooledFrom(p, accs, true)
		d.Evidence.Pooled = pooledEvidence(pooled)
		var final *Result
		if pooled != nil {
			final = pooled.Final
		}
		if failure := finalFailure(p, final); failure != "" {
			return d.with(ActionRollback, ReasonLifetimeExhausted, fmt.Sprintf("the release's lifetime ended (%s) without settling: %s", span, failure))
		}
		return d.with(ActionPromote, ReasonLifetimeComplete, fmt.Sprintf("the release's lifetime ended (%s); no confidence sequence shows a regression and every metric settled or is estimated within its allowance%s", span, finalText(final)))
	case !bakeDone:
		return d.with(ActionWait, ReasonBakeIncomplete, fmt.Sprintf("no regression so far; bake incomplete: %d of %d windows, %s of %s",
			n, w.MinWindows, elapsed.Round(time.Second), w.MinBake.Duration))
	}
	return d.with(ActionWait, ReasonSequentialWait, fmt.Sprintf("no regression so far; not yet within the allowance: %s", strings.Join(append(append(beyond, unsettled...), empty...), "; ")))
}
