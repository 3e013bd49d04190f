package judge

import (
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// Running sums.
//
// Everything a release's windows pool into (pool.go, sequence.go,
// pool_ceiling.go) is a sum over windows: points, point-weighted means,
// variances, lag products, counts. sideAcc and metricAcc keep those sums,
// so that pooling N windows costs one addition per window, and a release's
// running state (Running) can carry them from one decision to the next
// instead of re-reading every earlier window. Pooling a list of windows
// folds them into the same sums in the same order, so the two give
// identical numbers.

// sideAcc is one side's windows of one metric, summed.
type sideAcc struct {
	Windows int        `json:"w,omitempty"`
	N       int        `json:"n,omitempty"`   // points
	Dof     int        `json:"dof,omitempty"` // sum of max(N-1, 0)
	SumNM   float64    `json:"nm,omitempty"`  // sum of N * mean
	SumN2V  float64    `json:"n2v,omitempty"` // sum of N^2 * SE^2 (each window's own standard error)
	NEff    float64    `json:"neff,omitempty"`
	SS      float64    `json:"ss,omitempty"`
	Lags    [3]float64 `json:"lags,omitzero"`
	Events  float64    `json:"e,omitempty"` // sum of events / scale (counts)
	Total   float64    `json:"t,omitempty"` // sum of totals / scale
	RawE    float64    `json:"re,omitempty"`
	RawT    float64    `json:"rt,omitempty"`
	Above   int        `json:"above,omitempty"`
	// Inst sums each instance's windows (metrics judged by instances).
	Inst map[string]*sideAcc `json:"inst,omitempty"`
}

// add adds (sign 1) or removes (sign -1) one window's side.
func (a *sideAcc) add(s SideSummary, sign int) {
	f := float64(sign)
	sc := s.Scale
	if !(sc > 0) {
		sc = 1
	}
	a.Windows += sign
	a.N += sign * s.N
	a.Dof += sign * max(s.N-1, 0)
	a.SumNM += f * float64(s.N) * s.Mean
	a.SumN2V += f * float64(s.N) * float64(s.N) * s.SE * s.SE
	a.NEff += f * s.NEff
	a.SS += f * s.SS
	for k := range a.Lags {
		a.Lags[k] += f * s.Lags[k]
	}
	a.Events += f * s.Events / sc
	a.Total += f * s.Total / sc
	a.RawE += f * s.Events
	a.RawT += f * s.Total
	a.Above += sign * s.Above
	for name, is := range s.Instances {
		if a.Inst == nil {
			a.Inst = map[string]*sideAcc{}
		}
		in := a.Inst[name]
		if in == nil {
			in = &sideAcc{}
			a.Inst[name] = in
		}
		in.add(is, sign)
		if in.Windows == 0 {
			delete(a.Inst, name)
		}
	}
}

// sub is a minus b (b a window or a part of a).
func (a sideAcc) sub(s SideSummary) sideAcc {
	a.Inst = cloneInst(a.Inst)
	a.add(s, -1)
	return a
}

func cloneInst(in map[string]*sideAcc) map[string]*sideAcc {
	if in == nil {
		return nil
	}
	out := make(map[string]*sideAcc, len(in))
	for k, v := range in {
		cp := *v
		cp.Inst = cloneInst(v.Inst)
		out[k] = &cp
	}
	return out
}

// moments weights each window's mean by its points and combines the
// windows' own standard errors.
func (a *sideAcc) moments() stats.Moments {
	n := float64(a.N)
	return stats.Moments{N: a.N, Mean: a.SumNM / n, SE: math.Sqrt(a.SumN2V) / n, NEff: a.NEff}
}

// acf is the pooled variance (or dispersion) and lag-1..3 autocorrelations
// of the windows' lag sums, and the windows' mean length: each window is
// centred on its own mean, so the autocorrelations carry the bias of a
// series that long (corrected by InflationFromACF), not of all the points
// together.
func (a *sideAcc) acf() (v float64, r [3]float64, length int) {
	all := stats.LagSums{SS: a.SS, Lags: a.Lags}
	length = a.N / max(a.Windows, 1)
	if all.SS > 0 {
		acf := all.ACF()
		copy(r[:], acf[1:])
	}
	if a.Dof > 0 {
		v = all.SS / float64(a.Dof)
	}
	// Deviations from each window's own mean understate the variance of
	// autocorrelated points: E[SS] = sigma^2 (n - f(n)), not (n - 1).
	if f := stats.InflationFromACF(r[0], r[1], r[2], length, length); length > 1 && f < float64(length)-1 {
		v *= float64(length-1) / (float64(length) - f)
	}
	return v, r, length
}

// pooled is the windows' point-weighted mean with one variance and
// autocorrelation estimated from all of them together, the windows taken
// as one stream (a deploy tool or a scheduled run cuts them back to back):
// the variance factor is that of all n points, which counts the
// correlation across window edges too. Taking each window alone would hide
// it: at one-minute windows of 6 points and a lag-1 correlation of 0.7, by
// a factor of 1.7 in variance.
func (a *sideAcc) pooled() stats.Moments {
	v, r, length := a.acf()
	n := a.N
	mo := stats.Moments{N: n, Mean: a.SumNM / float64(max(n, 1)), SD: math.Sqrt(v)}
	f := stats.InflationFromACF(r[0], r[1], r[2], length, max(n, 1))
	mo.NEff = float64(n) / f
	if n > 0 {
		mo.SE = math.Sqrt(v * f / float64(n))
	}
	return mo
}

// pooledWith is pooled's moments of a's points with the variance and
// autocorrelation of all (a's windows among them).
func (a *sideAcc) pooledWith(all *sideAcc) stats.Moments {
	v, r, length := all.acf()
	n := a.N
	mo := stats.Moments{N: n, Mean: a.SumNM / float64(max(n, 1)), SD: math.Sqrt(v)}
	f := stats.InflationFromACF(r[0], r[1], r[2], length, max(n, 1))
	mo.NEff = float64(n) / f
	if n > 0 {
		mo.SE = math.Sqrt(v * f / float64(n))
	}
	return mo
}

// counts adds the windows' effective counts: each window keeps its own
// variance scale.
func (a *sideAcc) counts() stats.Counts {
	return stats.Counts{Events: a.Events, Total: a.Total, Points: a.N, Dispersion: 1, Scale: 1}
}

// seqCounts are the counts with one dispersion and autocorrelation
// estimated from all windows together (mode sequential): the raw sums
// scaled by dispersion x the variance factor of a window x (1 - rate).
func (a *sideAcc) seqCounts() stats.Counts {
	v, r, length := a.acf()
	c := stats.Counts{Dispersion: max(1, v), Scale: 1, Points: a.N}
	if a.RawT <= 0 {
		return c
	}
	p := a.RawE / a.RawT
	scale := max(1-p, 0.5/a.RawT)
	if p > 0 && length >= 2 {
		scale *= c.Dispersion * stats.InflationFromACF(r[0], r[1], r[2], length, length)
	}
	c.Events, c.Total = a.RawE/scale, a.RawT/scale
	return c
}

// replicates combines a replicate metric's windows instance by instance
// (an instance's offset persists across windows, so it must not average
// away) into the side's replicate moments.
func (a *sideAcc) replicates(m Metric) (stats.Moments, bool) {
	if len(a.Inst) < 2 {
		return stats.Moments{}, false
	}
	rs := make([]replicate, 0, len(a.Inst))
	for _, n := range sortedKeys(a.Inst) {
		in := a.Inst[n]
		if m.Kind == KindCount {
			if in.Total <= 0 {
				continue
			}
			rs = append(rs, replicate{name: n, est: in.Events / in.Total, v: (in.Events + 0.5) / (in.Total * in.Total)})
			continue
		}
		mo := in.moments()
		rs = append(rs, replicate{name: n, est: mo.Mean, v: mo.SE * mo.SE})
	}
	if len(rs) < 2 {
		return stats.Moments{}, false
	}
	mo, _ := replicateMoments(rs)
	return mo, true
}

// evidenceOf is a metric's two pooled sides as the effect test takes them:
// replicates when both sides were judged by instances, else counts or
// pooled moments.
func evidenceOf(m Metric, c, b *sideAcc) evidence {
	if cm, ok := c.replicates(m); ok {
		if bm, ok := b.replicates(m); ok {
			return evidence{c: cm, b: bm}
		}
	}
	if m.Kind == KindCount {
		return evidence{count: true, cc: c.counts(), bc: b.counts()}
	}
	return evidence{c: c.pooled(), b: b.pooled()}
}

// metricAcc is one metric's windows with data, summed, with what finding a
// spike needs: the sums of the windows' effects and the windows with the
// highest and the lowest effect.
type metricAcc struct {
	C       sideAcc        `json:"c"`
	B       sideAcc        `json:"b"`
	Windows int            `json:"windows,omitempty"`
	First   *MetricSummary `json:"first,omitempty"` // the first window with data (tunes the sequences)
	// S, Q are the sums of the windows' effects and their squares, SE2 of
	// their finite squared standard errors (over Finite windows).
	S      float64  `json:"s"`
	Q      float64  `json:"q"`
	SE2    float64  `json:"se2"`
	Finite int      `json:"finite"`
	Hi     *extreme `json:"hi,omitempty"`
	Lo     *extreme `json:"lo,omitempty"`
}

// extreme is the window with the highest (or lowest) effect; SE < 0 when
// its standard error is unknown.
type extreme struct {
	D   float64       `json:"d"`
	SE  float64       `json:"se"`
	Sum MetricSummary `json:"sum"`
}

func (a *metricAcc) add(m Metric, s MetricSummary) {
	a.C.add(s.Canary, 1)
	a.B.add(s.Baseline, 1)
	a.Windows++
	if a.First == nil {
		f := s
		a.First = &f
	}
	d, se := windowEffect(m, s)
	a.S, a.Q = a.S+d, a.Q+d*d
	if math.IsInf(se, 0) {
		se = -1
	} else {
		a.SE2, a.Finite = a.SE2+se*se, a.Finite+1
	}
	if a.Hi == nil || d > a.Hi.D {
		a.Hi = &extreme{D: d, SE: se, Sum: s}
	}
	if a.Lo == nil || d < a.Lo.D {
		a.Lo = &extreme{D: d, SE: se, Sum: s}
	}
}

// accumulate sums metric m's windows with data.
func accumulate(m Metric, ws []Window) *metricAcc {
	a := &metricAcc{}
	for _, w := range ws {
		for _, s := range w.Metrics {
			if s.Name == m.Name && (s.Class != ClassNoData || s.Thin) {
				a.add(m, s)
			}
		}
	}
	return a
}

// spikeZ is how far a window's effect must lie from the mean of the
// others, in units of their spread, to be left out of a pool as a spike.
const spikeZ = 4

// trimmed is the pool without a spike (pool.go): from three windows on,
// the window whose effect lies farthest from the mean of all (the highest
// or the lowest) is left out when it lies more than spikeZ times their
// spread from the mean of the others: the spread of the others' effects,
// never below their root-mean-square standard error (with fewer than five
// others, that standard error alone: their spread is too noisy to scale
// by). Under a sustained shift every effect moves together, the
// distances do not change, and so neither does the choice: the pool moves
// by exactly the shift. Without a spike nothing is left out and nothing is
// lost.
func (a *metricAcc) trimmed() (c, b sideAcc, spike bool) {
	c, b = a.C, a.B
	if a.Windows < minTrimmed {
		return c, b, false
	}
	mean := a.S / float64(a.Windows)
	best := a.Hi
	if mean-a.Lo.D > a.Hi.D-mean {
		best = a.Lo
	}
	if !(a.distance(best) > spikeZ) {
		return c, b, false
	}
	return c.sub(best.Sum.Canary), b.sub(best.Sum.Baseline), true
}

// distance is how far x lies from the mean of the other windows, in units
// of their spread.
func (a *metricAcc) distance(x *extreme) float64 {
	k := float64(a.Windows - 1)
	s, q := a.S-x.D, a.Q-x.D*x.D
	mean := s / k
	sd := math.Sqrt(max((q-s*s/k)/(k-1), 0))
	rms := 0.0 // of the others' standard errors: a spike's own is often large
	if fin := a.Finite; x.SE >= 0 && fin > 1 {
		rms = math.Sqrt(max(a.SE2-x.SE*x.SE, 0) / float64(fin-1))
	} else if fin > 0 && x.SE < 0 {
		rms = math.Sqrt(a.SE2 / float64(fin))
	}
	// With fewer than five others their spread is too noisy to scale by
	// (it hides a spike as often as it makes one): the windows' own
	// standard errors scale alone.
	scale := rms
	if k >= 5 {
		scale = max(sd, rms)
	}
	if !(scale > 0) {
		return 0
	}
	return math.Abs(x.D-mean) / scale
}
