package judge

import (
	"fmt"
	"strings"
	"time"
)

// proposeSequential decides in mode sequential, after the missing-data and
// ceiling rules: roll back as soon as a metric's confidence sequence lies
// entirely beyond its allowance in a bad direction; promote early once
// min_windows and min_bake are done and every metric's sequence lies within
// its allowance (unless sequential.no_early_promote); otherwise wait until
// the lifetime ends, and then promote when no sequence shows a regression
// (escalate when a metric never had data).
func proposeSequential(d Decision, p Policy, all []Window, accs []*metricAcc, elapsed time.Duration) Decision {
	w := p.Windows
	seqs := sequencesFrom(p, accs)
	d.Evidence.Sequence = seqs
	var beyond, unsettled, empty []string
	for _, s := range seqs {
		switch {
		case s.Beyond != "":
			beyond = append(beyond, s.String()+" beyond the allowed "+s.Beyond)
		case s.Windows == 0:
			empty = append(empty, s.Name)
		case !s.Within:
			unsettled = append(unsettled, s.String())
		}
	}
	bakeDone := w.baked(len(all), elapsed)
	span := fmt.Sprintf("%d windows over %s", len(all), elapsed.Round(time.Second))
	switch {
	case len(beyond) > 0:
		return d.with(ActionRollback, ReasonSequentialRegression, fmt.Sprintf("after %s the confidence sequence of %s (each metric's sequence wrong at some look with probability <= %.3g)",
			span, strings.Join(beyond, "; "), seqs[0].Alpha))
	case bakeDone && len(unsettled) == 0 && len(empty) == 0 && !p.Sequential.NoEarlyPromote:
		return d.with(ActionPromote, ReasonSequentialSettled, "every metric's confidence sequence lies within its allowance after "+span)
	case d.Evidence.LifetimeOver && len(empty) > 0:
		return d.with(ActionEscalate, ReasonNoData, fmt.Sprintf("the release's lifetime ended (%s) and %v never had data; a human must decide", span, empty))
	case d.Evidence.LifetimeOver:
		// The end of the lifetime is one last look, made once: it is
		// judged as the default mode judges it (pool.go's Final), on the
		// same trimmed pool and point estimates.
		pooled := pooledFrom(p, accs)
		d.Evidence.Pooled = pooledEvidence(pooled)
		final := pooled.Final
		if failure := finalFailure(p, final); failure != "" {
			return d.with(ActionRollback, ReasonLifetimeExhausted, fmt.Sprintf("the release's lifetime ended (%s) without settling: %s", span, failure))
		}
		return d.with(ActionPromote, ReasonLifetimeComplete, fmt.Sprintf("the release's lifetime ended (%s); no confidence sequence shows a regression and every metric settled or is estimated within its allowance%s", span, finalText(final)))
	case !bakeDone:
		return d.with(ActionWait, ReasonBakeIncomplete, fmt.Sprintf("no regression so far; bake incomplete: %d of %d windows, %s of %s",
			len(all), w.MinWindows, elapsed.Round(time.Second), w.MinBake.Duration))
	}
	return d.with(ActionWait, ReasonSequentialWait, fmt.Sprintf("no regression so far; not yet within the allowance: %s", strings.Join(append(unsettled, empty...), "; ")))
}
