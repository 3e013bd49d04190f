package cloudwatch

import (
	"io"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

// The fixture is a local CloudWatch endpoint for the real aws-sdk-go-v2
// client (service/cloudwatch v1.76.0), speaking its protocol, Smithy RPC
// v2 CBOR: POST /service/GraniteServiceVersion20100801/operation/GetMetricData
// with a CBOR GetMetricDataInput, answered with a CBOR GetMetricDataOutput
// as CloudWatch's API reference documents it (GetMetricData: StartTime,
// EndTime, MetricDataQueries of Id, Expression or MetricStat {Metric
// {Namespace, MetricName, Dimensions}, Period, Stat}, ReturnData,
// NextToken; results MetricDataResults of Id, Label, Timestamps, Values,
// StatusCode, and Messages). It answers at most pageSize datapoints per
// result and page, with a NextToken, so the SDK's paginator runs. It
// understands the Metrics Insights subset the tests write —
// SELECT SUM|AVG|MAX(metric) FROM SCHEMA(...) WHERE "dim" = 'value' AND ...
// [GROUP BY dim] — and metric stats on the dataset's metric names.
const pageSize = 8

var (
	insightsRE = regexp.MustCompile(`^SELECT (SUM|AVG|MAX)\(([a-z_]+)\) FROM SCHEMA\([^)]*\) WHERE (.*?)(?: GROUP BY ([a-z_]+))?$`)
	condRE     = regexp.MustCompile(`^"?([A-Za-z_][A-Za-z0-9_]*)"? = '([^']*)'$`)
)

type result struct {
	id, label string
	t         []time.Time
	v         []float64
}

func fixture(t testing.TB, d promtest.Data) string {
	flat := sourcetest.Flat(d)
	return sourcetest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/operation/GetMetricData") || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
			cborError(w, http.StatusBadRequest, "UnknownOperationException", "only GetMetricData over rpc-v2-cbor")
			return
		}
		body, _ := io.ReadAll(r.Body)
		v, err := cbor.Decode(body)
		in, ok := v.(cbor.Map)
		if err != nil || !ok {
			cborError(w, http.StatusBadRequest, "SerializationException", "bad CBOR")
			return
		}
		results, msg := evaluate(flat, in)
		if msg != "" {
			cborError(w, http.StatusBadRequest, "InvalidParameterValue", msg)
			return
		}
		page := 0
		if tok, ok := in["NextToken"].(cbor.String); ok {
			page = int(tok[0] - '0')
		}
		writeCBOR(w, http.StatusOK, pageOf(results, page))
	}))
}

// evaluate answers every returning query of a GetMetricDataInput.
func evaluate(flat []sourcetest.Base, in cbor.Map) ([]result, string) {
	from, to := when(in["StartTime"]), when(in["EndTime"])
	qs, _ := in["MetricDataQueries"].(cbor.List)
	var out []result
	for _, qv := range qs {
		q := qv.(cbor.Map)
		id := str(q["Id"])
		if rd, ok := q["ReturnData"].(cbor.Bool); ok && !bool(rd) {
			continue
		}
		sel, period, msg := selectOf(q)
		if msg != "" {
			return nil, msg
		}
		for _, o := range sourcetest.Eval(flat, sel, from, to, period) {
			label := sel.Name
			if sel.GroupBy != "" {
				label = o.Labels[sel.GroupBy]
			}
			out = append(out, result{id: id, label: label, t: o.T, v: o.V})
		}
	}
	return out, ""
}

// selectOf reads a query's Metrics Insights expression or metric stat.
func selectOf(q cbor.Map) (sourcetest.Select, time.Duration, string) {
	if e, ok := q["Expression"].(cbor.String); ok {
		m := insightsRE.FindStringSubmatch(string(e))
		if m == nil {
			return sourcetest.Select{}, 0, "cannot read expression " + string(e)
		}
		sel := sourcetest.Select{Name: m[2], Agg: map[string]string{"SUM": "sum", "AVG": "avg", "MAX": "max"}[m[1]], GroupBy: m[4], Filters: map[string]string{}}
		for _, c := range strings.Split(m[3], " AND ") {
			cm := condRE.FindStringSubmatch(c)
			if cm == nil {
				return sel, 0, "cannot read condition " + c
			}
			sel.Filters[cm[1]] = cm[2]
		}
		return sel, time.Duration(num(q["Period"])) * time.Second, ""
	}
	ms, _ := q["MetricStat"].(cbor.Map)
	metric, _ := ms["Metric"].(cbor.Map)
	sel := sourcetest.Select{Name: str(metric["MetricName"]), Filters: map[string]string{}, Exact: true,
		Agg: map[string]string{"Sum": "sum", "Average": "avg", "Maximum": "max"}[str(ms["Stat"])]}
	dims, _ := metric["Dimensions"].(cbor.List)
	for _, dv := range dims {
		d := dv.(cbor.Map)
		sel.Filters[str(d["Name"])] = str(d["Value"])
	}
	return sel, time.Duration(num(ms["Period"])) * time.Second, ""
}

// pageOf is page p of the results: at most pageSize datapoints of each.
func pageOf(rs []result, p int) cbor.Map {
	list := cbor.List{}
	more := false
	for _, r := range rs {
		lo, hi := min(p*pageSize, len(r.t)), min((p+1)*pageSize, len(r.t))
		more = more || hi < len(r.t)
		ts, vs := cbor.List{}, cbor.List{}
		for i := lo; i < hi; i++ {
			ts = append(ts, &cbor.Tag{ID: 1, Value: cbor.Float64(float64(r.t[i].Unix()))})
			vs = append(vs, cbor.Float64(r.v[i]))
		}
		list = append(list, cbor.Map{"Id": cbor.String(r.id), "Label": cbor.String(r.label), "Timestamps": ts, "Values": vs, "StatusCode": cbor.String("Complete")})
	}
	out := cbor.Map{"MetricDataResults": list, "Messages": cbor.List{}}
	if more {
		out["NextToken"] = cbor.String(string(rune('0' + p + 1)))
	}
	return out
}

func writeCBOR(w http.ResponseWriter, status int, v cbor.Value) {
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(v))
}

// cborError answers an error as the protocol does: the code in __type
// (and, for this query-compatible service, in X-Amzn-Query-Error).
func cborError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-Query-Error", code+";Sender")
	writeCBOR(w, status, cbor.Map{"__type": cbor.String("com.amazonaws.cloudwatch#" + code), "message": cbor.String(msg)})
}

func str(v cbor.Value) string {
	s, _ := v.(cbor.String)
	return string(s)
}

func num(v cbor.Value) float64 {
	switch x := v.(type) {
	case cbor.Uint:
		return float64(x)
	case cbor.Float64:
		return float64(x)
	case cbor.Float32:
		return float64(x)
	case cbor.NegInt:
		return -float64(x)
	}
	return math.NaN()
}

func when(v cbor.Value) time.Time {
	if t, ok := v.(*cbor.Tag); ok {
		return time.Unix(0, int64(num(t.Value)*1e9))
	}
	return time.Time{}
}
