package judge

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// effectiveWeights gives every present group (duplicates allowed) its weight: the configured one,
// or an equal share of what the configured weights leave of 100 (Kayenta's
// rule; configured groups that are absent still count in the sum).
func effectiveWeights(configured map[string]float64, present []string) map[string]float64 {
	sum := 0.0
	for _, g := range sortedKeys(configured) { // a fixed order keeps Judge deterministic
		sum += configured[g]
	}
	unweighted := map[string]bool{}
	for _, g := range present {
		if _, ok := configured[g]; !ok {
			unweighted[g] = true
		}
	}
	share := 0.0
	if len(unweighted) > 0 {
		share = (100 - sum) / float64(len(unweighted))
	}
	out := make(map[string]float64, len(present))
	for _, g := range present {
		if w, ok := configured[g]; ok {
			out[g] = w
		} else {
			out[g] = share
		}
	}
	return out
}

// groupResults counts classifications per group, groups sorted by name.
// Kayenta's denominator is pass + high + low + NodataFailMetric.
func groupResults(ms []MetricResult, configured map[string]float64) ([]GroupResult, []int) {
	idx := map[string]int{}
	var names []string
	for _, m := range ms {
		if _, ok := idx[m.Group]; !ok {
			idx[m.Group] = 0
			names = append(names, m.Group)
		}
	}
	sort.Strings(names)
	weights := effectiveWeights(configured, names)
	gs := make([]GroupResult, len(names))
	counted := make([]int, len(names))
	for i, n := range names {
		idx[n] = i
		gs[i] = GroupResult{Name: n, Weight: weights[n]}
	}
	for _, m := range ms {
		i := idx[m.Group]
		g := &gs[i]
		switch m.Classification {
		case ClassPass:
			g.Pass++
			counted[i]++
		case ClassHigh:
			g.High++
			counted[i]++
		case ClassLow:
			g.Low++
			counted[i]++
		case ClassNoData:
			g.NoData++
			if m.Rule == RuleNoDataFail {
				counted[i]++
			}
		default:
			g.Error++
		}
	}
	return gs, counted
}

// scoreKayenta is WeightedSumScorer: a critical failure or >= 50 % Nodata
// scores 0; otherwise group scores are 100·pass/counted, a group with
// nothing counted reports 0 but contributes 100, and the weighted sum is
// rounded half-up to two decimals.
func scoreKayenta(ms []MetricResult, configured map[string]float64) (float64, []GroupResult, Rule) {
	gs, counted := groupResults(ms, configured)
	summary := 0.0
	for i := range gs {
		score, eff := 0.0, 100.0
		if counted[i] > 0 {
			score = float64(gs[i].Pass) / float64(counted[i]) * 100
			eff = score
		}
		gs[i].Score = &score
		summary += eff * (gs[i].Weight / 100)
	}
	nodata := 0
	for _, m := range ms {
		if m.CriticalFailure && m.Classification != ClassPass {
			return 0, gs, RuleCriticalFailure
		}
		if m.Classification == ClassNoData && m.Rule != RuleNoDataFail {
			nodata++
		}
	}
	if len(ms) > 0 && float64(nodata)/float64(len(ms))*100 >= 50 {
		return 0, gs, RuleTooMuchNoData
	}
	return roundHalfUp2(summary), gs, RuleScore
}

// scoreDefault scores only what was judged: a group with no judged metric
// has no score and its weight is shared out among the others (Kayenta
// would count it as 100). ok is false when nothing judged carries weight.
func scoreDefault(ms []MetricResult, configured map[string]float64) (score float64, gs []GroupResult, ok bool) {
	gs, counted := groupResults(ms, configured)
	sum, wsum := 0.0, 0.0
	for i := range gs {
		if counted[i] == 0 {
			continue
		}
		s := float64(gs[i].Pass) / float64(counted[i]) * 100
		gs[i].Score = &s
		sum += s * gs[i].Weight
		wsum += gs[i].Weight
	}
	if !(wsum > 0) {
		return 0, gs, false
	}
	return roundHalfUp2(sum / wsum), gs, true
}

// roundHalfUp2 rounds to two decimals half-up on the shortest decimal form
// of x, as Commons Math's Precision.round(x, 2) does (33.335 -> 33.34).
func roundHalfUp2(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) <= 2 {
		return x
	}
	up := frac[2] >= '5'
	n, err := strconv.ParseUint(intPart+frac[:2], 10, 64)
	if err != nil {
		return math.Round(x*100) / 100
	}
	if up {
		n++
	}
	r, _ := strconv.ParseFloat(strconv.FormatUint(n/100, 10)+"."+pad2(n%100), 64)
	return math.Copysign(r, x)
}

func pad2(n uint64) string {
	if n < 10 {
		return "0" + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}
