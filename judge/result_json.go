package judge

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
