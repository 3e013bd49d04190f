package judge

// AppendSummariesJSON appends ms's JSON to b as encoding/json (HTML
// escaping off) writes it, without reflection: each analysis stores its
// window's summaries. TestSummariesJSONMatchesEncodingJSON holds the two
// byte for byte on random summaries.
func AppendSummariesJSON(b []byte, ms []MetricSummary) ([]byte, error) {
	w := jsonWriter{b: b}
	if ms == nil {
		w.raw("null")
		return w.b, nil
	}
	w.raw("[")
	for i := range ms {
		m := &ms[i]
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"name":`)
		w.str(m.Name)
		w.raw(`,"class":`)
		w.str(string(m.Class))
		w.raw(`,"canary":`)
		w.sideSummary(&m.Canary)
		w.raw(`,"baseline":`)
		w.sideSummary(&m.Baseline)
		w.optInt(`,"non_finite":`, m.NonFinite)
		if m.NoCanary {
			w.raw(`,"no_canary":true`)
		}
		if m.Thin {
			w.raw(`,"thin":true`)
		}
		w.raw("}")
	}
	w.raw("]")
	return w.b, w.err
}

func (w *jsonWriter) sideSummary(s *SideSummary) {
	w.raw(`{"n":`)
	w.int(s.N)
	w.optNum(`,"mean":`, s.Mean)
	w.optNum(`,"se":`, s.SE)
	w.optNum(`,"n_eff":`, s.NEff)
	w.optNum(`,"events":`, s.Events)
	w.optNum(`,"total":`, s.Total)
	w.optNum(`,"scale":`, s.Scale)
	if len(s.Instances) > 0 { // rare (a side judged by its instances): encoding/json sorts the map
		w.raw(`,"instances":`)
		w.value(s.Instances)
	}
	w.optNum(`,"ss":`, s.SS)
	if s.Lags != [3]float64{} {
		w.raw(`,"lags":[`)
		w.num(s.Lags[0])
		w.raw(",")
		w.num(s.Lags[1])
		w.raw(",")
		w.num(s.Lags[2])
		w.raw("]")
	}
	w.optInt(`,"above":`, s.Above)
	w.raw("}")
}
