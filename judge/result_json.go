package judge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends r's JSON to b exactly as encoding/json's Encoder with
// HTML escaping off writes it (store.EncodeJSON), trailing newline
// included, without reflection: every decision encodes its result, and
// encoding/json took about 6 % of a decision's CPU on it. Like
// encoding/json it fails on a NaN or infinite number.
// TestResultJSONMatchesEncodingJSON holds the two byte for byte on random
// results with every field set or not (a field added to a result type
// and not written here fails it).
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{b: b}
	w.raw(`{"verdict":`)
	w.str(string(r.Verdict))
	w.raw(`,"score":`)
	w.num(r.Score)
	w.raw(`,"rule":`)
	w.str(string(r.Rule))
	w.raw(`,"reason":`)
	w.str(r.Reason)
	w.raw(`,"mode":`)
	w.str(string(r.Mode))
	w.raw(`,"policy_version":`)
	w.int(r.PolicyVersion)
	w.raw(`,"thresholds":{"pass":`)
	w.num(r.Thresholds.Pass)
	w.raw(`,"marginal":`)
	w.num(r.Thresholds.Marginal)
	w.raw(`},"metrics":`)
	if r.Metrics == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i := range r.Metrics {
			if i > 0 {
				w.raw(",")
			}
			w.metric(&r.Metrics[i])
		}
		w.raw("]")
	}
	w.raw(`,"groups":`)
	w.groups(r.Groups)
	w.raw(`,"ceiling_breaches":`)
	w.strs(r.CeilingBreaches)
	w.raw(`,"baseline_breaches":`)
	w.strs(r.BaselineBreaches)
	w.raw(`,"critical_failures":`)
	w.strs(r.CriticalFailures)
	w.raw("}\n")
	return w.b, w.err
}

func (w *jsonWriter) metric(m *MetricResult) {
	w.raw(`{"name":`)
	w.str(m.Name)
	w.raw(`,"group":`)
	w.str(m.Group)
	if m.Kind != "" {
		w.raw(`,"kind":`)
		w.str(m.Kind)
	}
	w.raw(`,"direction":`)
	w.str(string(m.Direction))
	w.raw(`,"critical":`)
	w.bool(m.Critical)
	w.raw(`,"critical_failure":`)
	w.bool(m.CriticalFailure)
	w.raw(`,"classification":`)
	w.str(string(m.Classification))
	w.raw(`,"rule":`)
	w.str(string(m.Rule))
	w.raw(`,"reason":`)
	w.str(m.Reason)
	w.raw(`,"n":`)
	w.int(m.N)
	w.raw(`,"m":`)
	w.int(m.M)
	w.raw(`,"w":`)
	w.ptr(m.W)
	w.raw(`,"p_value":`)
	w.ptr(m.PValue)
	if m.Method != "" {
		w.raw(`,"method":`)
		w.str(m.Method)
	}
	w.raw(`,"estimate":`)
	w.ptr(m.Estimate)
	w.raw(`,"interval":`)
	if m.Interval == nil {
		w.raw("null")
	} else {
		w.raw(`{"lower":`)
		w.ptr(m.Interval.Lower)
		w.raw(`,"upper":`)
		w.ptr(m.Interval.Upper)
		w.raw(`,"level":`)
		w.num(m.Interval.Level)
		w.raw("}")
	}
	w.raw(`,"effect":`)
	w.effect(&m.Effect)
	w.raw(`,"mean_ratio":`)
	w.ptr(m.MeanRatio)
	if m.Ceiling != nil {
		w.raw(`,"ceiling":`)
		w.ceiling(m.Ceiling)
	}
	w.raw(`,"canary":`)
	w.side(&m.Canary)
	w.raw(`,"baseline":`)
	w.side(&m.Baseline)
	w.raw("}")
}

func (w *jsonWriter) effect(e *Effect) {
	w.raw(`{"measure":`)
	w.str(e.Measure)
	w.raw(`,"value":`)
	w.ptr(e.Value)
	w.optPtr(`,"lower":`, e.Lower)
	w.optPtr(`,"upper":`, e.Upper)
	w.optNum(`,"level":`, e.Level)
	w.raw(`,"allowed_increase":`)
	w.num(e.AllowedIncrease)
	w.raw(`,"allowed_decrease":`)
	w.num(e.AllowedDecrease)
	w.optNum(`,"floor":`, e.Floor)
	w.raw("}")
}

func (w *jsonWriter) ceiling(c *CeilingCheck) {
	w.raw(`{"ceiling":`)
	w.num(c.Ceiling)
	w.raw(`,"stat":`)
	w.str(c.Stat)
	w.raw(`,"canary":`)
	w.ptr(c.Canary)
	w.raw(`,"baseline":`)
	w.ptr(c.Baseline)
	w.optPtr(`,"canary_lower":`, c.CanaryLower)
	w.optPtr(`,"baseline_lower":`, c.BaselineLower)
	w.optPtr(`,"baseline_upper":`, c.BaselineUpper)
	w.raw(`,"canary_breached":`)
	w.bool(c.CanaryBreached)
	w.raw(`,"baseline_breached":`)
	w.bool(c.BaselineBreached)
	if c.BaselineNear {
		w.raw(`,"baseline_near":true`)
	}
	if c.Note != "" {
		w.raw(`,"note":`)
		w.str(c.Note)
	}
	w.raw("}")
}

func (w *jsonWriter) side(s *SideStats) {
	w.raw(`{"points":`)
	w.int(s.Points)
	w.raw(`,"nan":`)
	w.int(s.NaN)
	w.optInt(`,"non_finite":`, s.NonFinite)
	w.raw(`,"outliers":`)
	w.int(s.Outliers)
	w.raw(`,"mean":`)
	w.ptr(s.Mean)
	w.raw(`,"median":`)
	w.ptr(s.Median)
	w.raw(`,"min":`)
	w.ptr(s.Min)
	w.raw(`,"max":`)
	w.ptr(s.Max)
	w.optPtr(`,"se":`, s.SE)
	w.optPtr(`,"autocorrelation":`, s.Autocorrelation)
	w.optPtr(`,"n_eff":`, s.NEff)
	w.optPtr(`,"events":`, s.Events)
	w.optPtr(`,"total":`, s.Total)
	w.optPtr(`,"rate":`, s.Rate)
	w.optPtr(`,"dispersion":`, s.Dispersion)
	w.optPtr(`,"scale":`, s.Scale)
	w.optInt(`,"instances":`, s.Instances)
	w.optPtr(`,"spread":`, s.Spread)
	if len(s.PerInstance) > 0 { // rare (a side judged by its instances): encoding/json sorts the map
		w.raw(`,"per_instance":`)
		w.value(s.PerInstance)
	}
	w.raw("}")
}

func (w *jsonWriter) groups(gs []GroupResult) {
	if gs == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for i := range gs {
		g := &gs[i]
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"name":`)
		w.str(g.Name)
		w.raw(`,"weight":`)
		w.num(g.Weight)
		w.raw(`,"score":`)
		w.ptr(g.Score)
		w.raw(`,"pass":`)
		w.int(g.Pass)
		w.raw(`,"high":`)
		w.int(g.High)
		w.raw(`,"low":`)
		w.int(g.Low)
		w.raw(`,"nodata":`)
		w.int(g.NoData)
		w.raw(`,"error":`)
		w.int(g.Error)
		w.raw("}")
	}
	w.raw("]")
}

// jsonWriter appends JSON values as encoding/json writes them (HTML
// escaping off); err is the first value it could not write.
type jsonWriter struct {
	b   []byte
	err error
}

func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *jsonWriter) int(n int) { w.b = strconv.AppendInt(w.b, int64(n), 10) }

func (w *jsonWriter) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

func (w *jsonWriter) ptr(x *float64) {
	if x == nil {
		w.raw("null")
		return
	}
	w.num(*x)
}

func (w *jsonWriter) optPtr(key string, x *float64) {
	if x != nil {
		w.raw(key)
		w.num(*x)
	}
}

func (w *jsonWriter) optNum(key string, x float64) {
	if x != 0 {
		w.raw(key)
		w.num(x)
	}
}

func (w *jsonWriter) optInt(key string, n int) {
	if n != 0 {
		w.raw(key)
		w.int(n)
	}
}

// num is encoding/json's float64: the shortest form that reads back, in
// exponent form below 1e-6 and from 1e21, the exponent without a leading
// zero; NaN and infinities are errors.
func (w *jsonWriter) num(x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		if w.err == nil {
			w.err = fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(x, 'g', -1, 64))
		}
		w.raw("null")
		return
	}
	format := byte('f')
	if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, x, format, -1, 64)
	if n := len(w.b); format == 'e' && n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
		w.b[n-2] = w.b[n-1] // e-07 -> e-7
		w.b = w.b[:n-1]
	}
}

func (w *jsonWriter) strs(ss []string) {
	if ss == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for i, s := range ss {
		if i > 0 {
			w.raw(",")
		}
		w.str(s)
	}
	w.raw("]")
}

// str is encoding/json's string with HTML escaping off: quotes, backslashes
// and control characters escaped, invalid UTF-8 as U+FFFD, U+2028 and
// U+2029 escaped.
func (w *jsonWriter) str(s string) {
	const hex = "0123456789abcdef"
	b := append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	w.b = append(append(b, s[start:]...), '"')
}

// value writes v with encoding/json itself, for the rare parts (maps).
func (w *jsonWriter) value(v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil && w.err == nil {
		w.err = err
	}
	w.b = append(w.b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
