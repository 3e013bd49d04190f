package judge

import (
	"encoding/json"
	"math"
	"testing"
)

type mwCase struct {
	Name      string          `json:"name"`
	Kind      string          `json:"kind"`
	X         jfs             `json:"x"`
	Y         jfs             `json:"y"`
	ConfLevel float64         `json:"conf_level"`
	P         float64         `json:"p"`
	Expected  json.RawMessage `json:"expected"`
	Tolerance json.RawMessage `json:"tolerance"`
}

func TestKayentaMannWhitneyAcceptance(t *testing.T) {
	var cases []mwCase
	loadAcceptance(t, "mannwhitney_cases.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			x, y := c.X.floats(), c.Y.floats()
			ok := true
			check := func(what string, got, want, tol float64) {
				if !near(got, want, tol) {
					ok = false
					t.Errorf("%s = %.12g, want %.12g (tol %g)", what, got, want, tol)
				}
			}
			switch c.Kind {
			case "confidence_interval":
				var want, tol struct{ Lower, Upper, Estimate float64 }
				mustUnmarshal(t, c.Expected, &want)
				mustUnmarshal(t, c.Tolerance, &tol)
				lo, hi, est, err := kayentaInterval(x, y, c.ConfLevel)
				if err != nil {
					t.Fatal(err)
				}
				check("lower", lo, want.Lower, tol.Lower)
				check("upper", hi, want.Upper, tol.Upper)
				check("estimate", est, want.Estimate, tol.Estimate)
			case "wilcoxon_diff":
				var want []struct{ Mu, Quantile, Value float64 }
				var tol float64
				mustUnmarshal(t, c.Expected, &want)
				mustUnmarshal(t, c.Tolerance, &tol)
				k := newKMW(x, y)
				for _, w := range want {
					got, err := k.f(w.Quantile)(w.Mu)
					if err != nil {
						t.Fatal(err)
					}
					check("f", got, w.Value, tol)
				}
			case "normal_quantile":
				var want, tol float64
				mustUnmarshal(t, c.Expected, &want)
				mustUnmarshal(t, c.Tolerance, &tol)
				check("qnorm", normalQuantile(c.P), want, tol)
			case "intermediate_values":
				checkIntermediate(t, c, x, y, check)
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
			if ok {
				passed("mannwhitney_cases.json")
			}
		})
	}
}

func checkIntermediate(t *testing.T, c mwCase, x, y []float64, check func(string, float64, float64, float64)) {
	var w map[string]float64
	var tol float64
	mustUnmarshal(t, c.Expected, &w)
	mustUnmarshal(t, c.Tolerance, &tol)
	k := newKMW(x, y)
	muMin, muMax := k.x[0]-k.y[len(k.y)-1], k.x[len(k.x)-1]-k.y[0]
	check("mu_min", muMin, w["mu_min"], tol)
	check("mu_max", muMax, w["mu_max"], tol)
	zq := normalQuantile((1 - c.ConfLevel) / 2)
	check("zq_lower", -zq, w["zq_lower"], tol)
	check("zq_upper", zq, w["zq_upper"], tol)
	at := func(mu, q float64) float64 {
		v, err := k.f(q)(mu)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	check("f_at_mu_min_zq_lower", at(muMin, -zq), w["f_at_mu_min_zq_lower"], tol)
	check("f_at_mu_max_zq_lower", at(muMax, -zq), w["f_at_mu_max_zq_lower"], tol)
	check("f_at_mu_min_zq_upper", at(muMin, zq), w["f_at_mu_min_zq_upper"], tol)
	check("f_at_mu_max_zq_upper", at(muMax, zq), w["f_at_mu_max_zq_upper"], tol)
	root := func(q float64) float64 {
		r, err := zeroin(muMin, muMax, at(muMin, q), at(muMax, q), k.f(q))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	check("root_zq_lower", root(-zq), w["root_zq_lower"], tol)
	check("root_zq_upper", root(zq), w["root_zq_upper"], tol)
	check("root_zq_zero_estimate", root(0), w["root_zq_zero_estimate"], tol)
	if math.IsNaN(muMin) {
		t.Fatal("NaN")
	}
}

func mustUnmarshal(t *testing.T, b json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
