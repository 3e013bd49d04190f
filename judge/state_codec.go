package judge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// The running state's encoding: a versioned binary form, written and read
// once per decision, so it must cost microseconds (JSON of the same state
// cost a tenth of a decision's CPU). Floats are kept bit for bit (as their
// IEEE bits, or as a varint when they hold a whole number, or as nothing
// when they are +0), so a state read back is exactly the state written;
// maps are written in key order, so the same state always encodes to the
// same bytes (`canaryjudge evidence check` compares bytes).
//
// It comes in two parts (StateBytes), because they change at different
// rates and a store keeps them apart: the sums, which every window
// changes, and the extremes (each metric's highest and lowest window, and
// its first in mode sequential, kept whole: most of a state's bytes),
// which change only when a window sets a new one. A store that rewrites
// the extremes only when their bytes differ writes a few hundred bytes a
// decision instead of a few thousand once a release has some windows.

const stateCodecVersion = 3

// StateBytes is a running state's encoding: Sums and Extremes, both always
// non-nil.
type StateBytes struct {
	Sums     []byte
	Extremes []byte
}

// Equal reports whether both parts are the same bytes.
func (s StateBytes) Equal(o StateBytes) bool {
	return bytes.Equal(s.Sums, o.Sums) && bytes.Equal(s.Extremes, o.Extremes)
}

// MarshalState encodes the state for a store.
func (r Running) MarshalState() (StateBytes, error) {
	e := &enc{b: make([]byte, 0, 2048)}
	e.u(stateCodecVersion)
	e.i(r.PolicyVersion)
	e.i(r.Windows)
	e.t(r.Start)
	e.t(r.LastStart)
	e.t(r.LastEnd)
	for _, n := range []int{r.FailRun, r.BadRun, r.MissRun, r.PassRun, r.DataRun, r.FedRun} {
		e.i(n)
	}
	keys := sortedKeys(r.Streaks)
	e.u(uint64(len(keys)))
	for _, k := range keys {
		e.s(k)
		e.i(r.Streaks[k])
	}
	accKeys := sortedKeys(r.Acc)
	e.u(uint64(len(accKeys)))
	x := &enc{b: make([]byte, 0, 4096)}
	x.u(stateCodecVersion)
	x.u(uint64(len(accKeys)))
	for _, k := range accKeys {
		e.s(k)
		e.metricAcc(r.Acc[k])
		x.s(k)
		x.extremes(r.Acc[k])
	}
	e.u(uint64(len(r.Recent)))
	for _, w := range r.Recent {
		e.summaries(w)
	}
	e.strs(r.NonFiniteFailed)
	e.strs(r.NonFiniteOther)
	return StateBytes{Sums: e.b, Extremes: x.b}, nil
}

// errPartsApart: the extremes given with the sums name other metrics.
var errPartsApart = errors.New("running state: the extremes are not the sums' metrics")

// UnmarshalState decodes a state MarshalState wrote; both parts must come
// from the same MarshalState (the extremes name the sums' metrics).
func UnmarshalState(b StateBytes) (r Running, err error) {
	d, x := &dec{b: b.Sums}, &dec{b: b.Extremes}
	defer func() {
		if p := recover(); p != nil {
			r, err = Running{}, fmt.Errorf("running state: %v", p)
		}
	}()
	for _, part := range []*dec{d, x} {
		if v := part.u(); v != stateCodecVersion {
			return Running{}, fmt.Errorf("running state: encoding version %d, want %d", v, stateCodecVersion)
		}
	}
	r.PolicyVersion, r.Windows = d.i(), d.i()
	r.Start, r.LastStart, r.LastEnd = d.t(), d.t(), d.t()
	r.FailRun, r.BadRun, r.MissRun, r.PassRun, r.DataRun, r.FedRun = d.i(), d.i(), d.i(), d.i(), d.i(), d.i()
	n := d.n()
	r.Streaks = make(map[string]int, n)
	for range n {
		k := d.s()
		r.Streaks[k] = d.i()
	}
	n = d.n()
	if x.n() != n {
		return Running{}, errPartsApart
	}
	r.Acc = make(map[string]*metricAcc, n)
	for range n {
		k := d.s()
		if x.s() != k {
			return Running{}, errPartsApart
		}
		r.Acc[k] = d.metricAcc()
		x.extremes(r.Acc[k])
	}
	if n = d.n(); n > 0 {
		r.Recent = make([][]MetricSummary, n)
		for i := range r.Recent {
			r.Recent[i] = d.summaries()
		}
	}
	r.NonFiniteFailed, r.NonFiniteOther = d.strs(), d.strs()
	if len(d.b) != 0 || len(x.b) != 0 {
		return Running{}, errors.New("running state: trailing bytes")
	}
	return r, nil
}

type enc struct{ b []byte }

func (e *enc) u(x uint64)  { e.b = binary.AppendUvarint(e.b, x) }
func (e *enc) i(x int)     { e.b = binary.AppendVarint(e.b, int64(x)) }
func (e *enc) f(x float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(x)) }
func (e *enc) s(x string)  { e.u(uint64(len(x))); e.b = append(e.b, x...) }

// Float kinds in fs's mask, two bits each.
const (
	floatZero  = 0 // +0: nothing follows
	floatWhole = 1 // a whole number below 2^53 in magnitude: its varint
	floatBits  = 2 // anything else (-0, NaN, fractions): its IEEE bits
)

// fs writes up to 32 floats behind a mask of their kinds: most of a
// state's floats are +0 (the counts' sums of a plain series) or whole
// (effective sizes, counts), and only the rest need eight bytes.
func (e *enc) fs(xs ...float64) {
	var mask uint64
	for i, x := range xs {
		mask |= uint64(floatKind(x)) << (2 * i)
	}
	e.u(mask)
	for i, x := range xs {
		switch mask >> (2 * i) & 3 {
		case floatWhole:
			e.b = binary.AppendVarint(e.b, int64(x))
		case floatBits:
			e.f(x)
		}
	}
}

func floatKind(x float64) int {
	switch {
	case x == 0 && !math.Signbit(x):
		return floatZero
	case x == math.Trunc(x) && math.Abs(x) < 1<<53 && x != 0:
		return floatWhole
	}
	return floatBits
}

func (e *enc) t(x time.Time) {
	if x.IsZero() {
		e.i(0)
		e.i(0)
		return
	}
	e.i(int(x.Unix()))
	e.i(x.Nanosecond() + 1)
}

func (e *enc) bools(xs ...bool) {
	var bits uint64
	for i, x := range xs {
		if x {
			bits |= 1 << i
		}
	}
	e.u(bits)
}

func (e *enc) strs(xs []string) {
	e.u(uint64(len(xs)))
	for _, x := range xs {
		e.s(x)
	}
}

func (e *enc) side(s SideSummary) {
	e.i(s.N)
	e.fs(s.Mean, s.SE, s.NEff, s.Events, s.Total, s.Scale, s.SS, s.Lags[0], s.Lags[1], s.Lags[2])
	e.i(s.Above)
	names := sortedKeys(s.Instances)
	e.u(uint64(len(names)))
	for _, k := range names {
		e.s(k)
		e.side(s.Instances[k])
	}
}

func (e *enc) summary(s MetricSummary) {
	e.s(s.Name)
	e.s(string(s.Class))
	e.i(s.NonFinite)
	e.bools(s.NoCanary, s.Thin)
	e.side(s.Canary)
	e.side(s.Baseline)
}

func (e *enc) summaries(ss []MetricSummary) {
	e.u(uint64(len(ss)))
	for _, s := range ss {
		e.summary(s)
	}
}

func (e *enc) acc(a *sideAcc) {
	e.i(a.Windows)
	e.i(a.N)
	e.i(a.Dof)
	e.fs(a.SumNM, a.SumN2V, a.NEff, a.SS, a.Lags[0], a.Lags[1], a.Lags[2], a.Events, a.Total, a.RawE, a.RawT)
	e.i(a.Above)
	names := sortedKeys(a.Inst)
	e.u(uint64(len(names)))
	for _, k := range names {
		e.s(k)
		e.acc(a.Inst[k])
	}
}

// metricAcc writes a's sums; extremes writes the rest.
func (e *enc) metricAcc(a *metricAcc) {
	e.acc(&a.C)
	e.acc(&a.B)
	e.i(a.Windows)
	e.fs(a.S, a.Q, a.SE2)
	e.i(a.Finite)
}

func (e *enc) extremes(a *metricAcc) {
	e.bools(a.First != nil, a.Hi != nil, a.Lo != nil)
	if a.First != nil {
		e.summary(*a.First)
	}
	for _, x := range []*extreme{a.Hi, a.Lo} {
		if x != nil {
			e.fs(x.D, x.SE)
			e.summary(x.Sum)
		}
	}
}

// dec reads what enc wrote; a short or malformed input panics (recovered
// by UnmarshalState).
type dec struct{ b []byte }

func (d *dec) u() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		panic("truncated")
	}
	d.b = d.b[n:]
	return x
}

// n is a count, bounded by what is left to read.
func (d *dec) n() int {
	x := d.u()
	if x > uint64(len(d.b)) {
		panic("count beyond the input")
	}
	return int(x)
}

func (d *dec) i() int {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		panic("truncated")
	}
	d.b = d.b[n:]
	return int(x)
}

func (d *dec) f() float64 {
	x := math.Float64frombits(binary.LittleEndian.Uint64(d.b[:8]))
	d.b = d.b[8:]
	return x
}

// fs reads what enc.fs wrote into ps. A mask that fs cannot have written
// (a kind it does not use, or beyond len(ps)) is an error: the encoding
// of a state is unique.
func (d *dec) fs(ps ...*float64) {
	mask := d.u()
	if mask>>(2*len(ps)) != 0 {
		panic("float mask beyond its floats")
	}
	for i, p := range ps {
		switch mask >> (2 * i) & 3 {
		case floatZero:
			*p = 0
		case floatWhole:
			x, n := binary.Varint(d.b)
			if n <= 0 || x == 0 || x >= 1<<53 || x <= -(1<<53) {
				panic("malformed whole float")
			}
			d.b = d.b[n:]
			*p = float64(x)
		case floatBits:
			*p = d.f()
			if floatKind(*p) != floatBits {
				panic("float written in the wrong kind")
			}
		default:
			panic("unknown float kind")
		}
	}
}

func (d *dec) s() string {
	n := d.n()
	x := string(d.b[:n])
	d.b = d.b[n:]
	return x
}

func (d *dec) t() time.Time {
	sec, ns := d.i(), d.i()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(int64(sec), int64(ns-1)).UTC()
}

func (d *dec) bools(n int) []bool {
	bits := d.u()
	out := make([]bool, n)
	for i := range out {
		out[i] = bits&(1<<i) != 0
	}
	return out
}

func (d *dec) strs() []string {
	n := d.n()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.s()
	}
	return out
}

func (d *dec) side() SideSummary {
	var s SideSummary
	s.N = d.i()
	d.fs(&s.Mean, &s.SE, &s.NEff, &s.Events, &s.Total, &s.Scale, &s.SS, &s.Lags[0], &s.Lags[1], &s.Lags[2])
	s.Above = d.i()
	if n := d.n(); n > 0 {
		s.Instances = make(map[string]SideSummary, n)
		for range n {
			k := d.s()
			s.Instances[k] = d.side()
		}
	}
	return s
}

func (d *dec) summary() MetricSummary {
	s := MetricSummary{Name: d.s(), Class: Classification(d.s()), NonFinite: d.i()}
	b := d.bools(2)
	s.NoCanary, s.Thin = b[0], b[1]
	s.Canary, s.Baseline = d.side(), d.side()
	return s
}

func (d *dec) summaries() []MetricSummary {
	n := d.n()
	if n == 0 {
		return nil
	}
	out := make([]MetricSummary, n)
	for i := range out {
		out[i] = d.summary()
	}
	return out
}

func (d *dec) acc() sideAcc {
	var a sideAcc
	a.Windows, a.N, a.Dof = d.i(), d.i(), d.i()
	d.fs(&a.SumNM, &a.SumN2V, &a.NEff, &a.SS, &a.Lags[0], &a.Lags[1], &a.Lags[2], &a.Events, &a.Total, &a.RawE, &a.RawT)
	a.Above = d.i()
	if n := d.n(); n > 0 {
		a.Inst = make(map[string]*sideAcc, n)
		for range n {
			k := d.s()
			in := d.acc()
			a.Inst[k] = &in
		}
	}
	return a
}

func (d *dec) metricAcc() *metricAcc {
	a := &metricAcc{C: d.acc(), B: d.acc(), Windows: d.i()}
	d.fs(&a.S, &a.Q, &a.SE2)
	a.Finite = d.i()
	return a
}

// extremes reads into a what enc.extremes wrote.
func (d *dec) extremes(a *metricAcc) {
	has := d.bools(3)
	if has[0] {
		f := d.summary()
		a.First = &f
	}
	for i, p := range []**extreme{&a.Hi, &a.Lo} {
		if has[i+1] {
			x := &extreme{}
			d.fs(&x.D, &x.SE)
			x.Sum = d.summary()
			*p = x
		}
	}
}
