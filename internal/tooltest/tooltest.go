// Package tooltest holds the fixtures that the deploy tools' tests share
// (Flagger's and Spinnaker's handlers, the Kayenta-compatible API, and the
// real Argo Rollouts and Flagger client code in integrations/clienttest):
// the policies they judge under and the windows they post.
package tooltest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/judge"
)

// Policy judges one critical error_ratio metric (ceiling 0.05) over 1m
// windows: promote after 2 windows and 2m of bake, roll back after 2
// failing windows.
const Policy = `{"metrics":[{"name":"error_ratio","group":"errors","direction":"increase","critical":true,"ceiling":0.05,
  "effect_size":{"measure":"mean_diff","allowed_increase":0.005}}],
 "windows":{"interval":"1m","min_windows":2,"min_bake":"2m","consecutive_failures":2,"consecutive_nodata":3},
 "guards":{"rollback_cap":{"per_service":5,"fleet":10,"window":"1h"},"rollback_timeout":"10m","migrations":"expand_only"}}`

// Window posts one analysis to release id: 20 error ratios around canary
// and 20 around baseline (Policy's metric).
func Window(t testing.TB, cj *canaryjudgetest.Server, id string, canary, baseline float64) {
	t.Helper()
	series := func(level float64) []float64 {
		out := make([]float64, 20)
		for i := range out {
			out[i] = level * (1 + 0.1*float64(i%5-2))
		}
		return out
	}
	cj.MustDo(t, 200, "POST", "/v1/releases/"+id+"/analyses", map[string]any{
		"canary": map[string][]float64{"error_ratio": series(canary)}, "baseline": map[string][]float64{"error_ratio": series(baseline)}})
}

// KayentaPolicy is a kayenta-mode policy over KayentaSide's two metrics.
const KayentaPolicy = `{"mode":"kayenta","thresholds":{"pass":90,"marginal":75},
 "groups":{"latency":60,"errors":40},
 "metrics":[{"name":"latency_p99","group":"latency","direction":"increase"},
            {"name":"error_ratio","group":"errors","direction":"increase","nan_strategy":"replace"}]}`

// KayentaSide is 60 points of lognormal latency around 120 ms times lat,
// and an error ratio around errs, drawn from seed.
func KayentaSide(seed uint64, lat, errs float64) judge.Side {
	r := rand.New(rand.NewPCG(seed, 11))
	l, e := make([]float64, 60), make([]float64, 60)
	for i := range l {
		l[i] = math.Round(120*lat*math.Exp(0.15*r.NormFloat64())*100) / 100
		e[i] = math.Max(0, errs*(1+0.3*r.NormFloat64()))
	}
	return judge.Side{Series: judge.Samples{"latency_p99": l, "error_ratio": e}}
}
