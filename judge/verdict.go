package judge

import "fmt"

// verdictKayenta scores with Kayenta's WeightedSumScorer and labels the
// score with the thresholds. Two additions, both outside Kayenta's
// acceptance cases: a canary past its absolute ceiling fails at once, and a
// window in which no metric has any data is nodata (Kayenta scores it 0 and
// fails it, which would roll back on a monitoring outage).
func verdictKayenta(res *Result, p Policy) {
	score, gs, rule := scoreKayenta(res.Metrics, p.Groups)
	res.Groups = gs
	res.Score = score
	switch {
	case len(res.CeilingBreaches) > 0:
		res.Score = 0
		res.Verdict, res.Rule = VerdictFail, RuleCeilingVerdict
		res.Reason = "canary breached the absolute ceiling of " + joinNames(res.CeilingBreaches)
		return
	case judged(res.Metrics) == 0:
		res.Verdict, res.Rule = VerdictNoData, RuleNoMetricWithData
		res.Reason = "no metric has data on both sides"
		return
	}
	res.Verdict, res.Rule = label(score, p.Thresholds), rule
	switch rule {
	case RuleCriticalFailure:
		res.Reason = "critical metric failed: " + joinNames(failedCritical(res.Metrics)) + "; score 0"
	case RuleTooMuchNoData:
		res.Reason = "50% or more of the metrics returned no data; score 0"
	default:
		res.Reason = scoreText(score, p.Thresholds)
	}
}

// verdictDefault applies, in order: ceilings and critical failures fail at
// once; missing data on a critical or must_have_data metric, on half of the
// metrics or on everything is nodata; otherwise the score decides. Only
// judged metrics are scored, and a nodata verdict scores 0.
func verdictDefault(res *Result, p Policy) {
	score, gs, ok := scoreDefault(res.Metrics, p.Groups)
	res.Groups = gs
	var missing, required []string
	for _, m := range res.Metrics {
		if m.Classification == ClassNoData || m.Classification == ClassError {
			missing = append(missing, m.Name)
			pm := p.metric(m.Name)
			if pm.Critical || pm.MustHaveData {
				required = append(required, m.Name)
			}
		}
	}
	nodata := func(r Rule, reason string) {
		res.Score, res.Verdict, res.Rule, res.Reason = 0, VerdictNoData, r, reason
	}
	switch {
	case len(res.CeilingBreaches) > 0:
		res.Score, res.Verdict, res.Rule = 0, VerdictFail, RuleCeilingVerdict
		res.Reason = "canary breached the absolute ceiling of " + joinNames(res.CeilingBreaches)
	case len(res.CriticalFailures) > 0:
		res.Score, res.Verdict, res.Rule = 0, VerdictFail, RuleCriticalFailure
		res.Reason = "critical metric failed: " + joinNames(res.CriticalFailures)
	case judged(res.Metrics) == 0:
		nodata(RuleNoMetricWithData, "no metric could be judged: "+joinNames(missing))
	case len(required) > 0:
		nodata(RuleRequiredNoData, "critical or must_have_data metric without enough data: "+joinNames(required))
	case 2*len(missing) >= len(res.Metrics):
		nodata(RuleTooMuchNoData, fmt.Sprintf("%d of %d metrics without enough data: %s", len(missing), len(res.Metrics), joinNames(missing)))
	case !ok:
		nodata(RuleTooMuchNoData, "only groups of weight 0 could be judged")
	default:
		res.Score, res.Verdict, res.Rule = score, label(score, p.Thresholds), RuleScore
		res.Reason = scoreText(score, p.Thresholds)
		if len(missing) > 0 {
			res.Reason += "; not judged for lack of data: " + joinNames(missing)
		}
	}
}

// judged counts metrics with a pass, high or low classification.
func judged(ms []MetricResult) int {
	n := 0
	for _, m := range ms {
		if m.Classification == ClassPass || m.Classification == ClassHigh || m.Classification == ClassLow {
			n++
		}
	}
	return n
}

func failedCritical(ms []MetricResult) []string {
	var out []string
	for _, m := range ms {
		if m.CriticalFailure && m.Classification != ClassPass {
			out = append(out, m.Name)
		}
	}
	return out
}

// metric returns the policy's metric called name (zero Metric if none).
func (p Policy) metric(name string) Metric {
	for _, m := range p.Metrics {
		if m.Name == name {
			return m
		}
	}
	return Metric{}
}
