package stats

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

type dependentRef struct {
	RVersion string `json:"r_version"`
	Series   map[string]struct {
		X                                        []rnum
		Lag1, Rho, Inflation, Mean, SD, NEff, SE rnum
	}
	Pairs []struct {
		C, B                               string
		K, Alpha, Estimate, SE, DF, Lo, Hi rnum
		PValue                             rnum `json:"p_value"`
		FiellerBounded                     bool `json:"fieller_bounded"`
		FiellerLo                          rnum `json:"fieller_lo"`
		FiellerHi                          rnum `json:"fieller_hi"`
	}
	Rates []struct {
		XC, XB, TC, TB, Alpha, Ratio rnum
		RatioLo                      rnum   `json:"ratio_lo"`
		RatioHi                      rnum   `json:"ratio_hi"`
		PGreater                     rnum   `json:"p_greater"`
		PLess                        rnum   `json:"p_less"`
		CPC                          []rnum `json:"cp_c"`
		CPB                          []rnum `json:"cp_b"`
	}
	RealCP []struct{ X, N, Lo, Hi rnum } `json:"real_cp"`
	Counts map[string]struct {
		Events, Total          []rnum
		Dispersion, Rho, Scale rnum
	}
}

func loadDependentRef(t *testing.T) dependentRef {
	t.Helper()
	b, err := os.ReadFile("testdata/dependent_r.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref dependentRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// near compares with a relative tolerance (absolute near zero); equal
// infinities and NaNs match.
func near(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return got == want || (math.IsNaN(got) && math.IsNaN(want))
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func TestMomentsMatchR(t *testing.T) {
	ref := loadDependentRef(t)
	t.Logf("reference: %s, %d series", ref.RVersion, len(ref.Series))
	for name, s := range ref.Series {
		x := floats(s.X)
		m := MomentsOf(x)
		checks := []struct {
			what      string
			got, want float64
		}{
			{"lag1", Lag1(x), float64(s.Lag1)},
			{"rho", m.Rho, float64(s.Rho)},
			{"inflation", Inflation(x), float64(s.Inflation)},
			{"mean", m.Mean, float64(s.Mean)},
			{"sd", m.SD, float64(s.SD)},
			{"neff", m.NEff, float64(s.NEff)},
			{"se", m.SE, float64(s.SE)},
		}
		for _, c := range checks {
			if !near(c.got, c.want, 1e-9) {
				t.Errorf("%s %s = %.17g, R %.17g", name, c.what, c.got, c.want)
			}
		}
	}
}

func TestContrastAndFiellerMatchR(t *testing.T) {
	ref := loadDependentRef(t)
	series := map[string]Moments{}
	for name, s := range ref.Series {
		series[name] = MomentsOf(floats(s.X))
	}
	for _, p := range ref.Pairs {
		c, b := series[p.C], series[p.B]
		k, alpha := float64(p.K), float64(p.Alpha)
		ct := NewContrast(c, b, k)
		lo, hi := ct.Interval(alpha)
		name := p.C + "/" + p.B
		for _, x := range []struct {
			what      string
			got, want float64
		}{
			{"estimate", ct.Estimate, float64(p.Estimate)}, {"se", ct.SE, float64(p.SE)}, {"df", ct.DF, float64(p.DF)},
			{"lo", lo, float64(p.Lo)}, {"hi", hi, float64(p.Hi)}, {"p", ct.PValue(), float64(p.PValue)},
		} {
			if !near(x.got, x.want, 1e-8) {
				t.Errorf("%s k=%g alpha=%g %s = %.17g, R %.17g", name, k, alpha, x.what, x.got, x.want)
			}
		}
		if k != 1 {
			continue // Fieller does not depend on k; check it once per alpha
		}
		flo, fhi, bounded := RatioInterval(c, b, alpha)
		if bounded != p.FiellerBounded {
			t.Errorf("%s alpha=%g bounded = %v, R %v", name, alpha, bounded, p.FiellerBounded)
			continue
		}
		// uniroot's tolerance is 1e-13 absolute on theta.
		if bounded && (!near(flo, float64(p.FiellerLo), 1e-9) || !near(fhi, float64(p.FiellerHi), 1e-9)) {
			t.Errorf("%s alpha=%g Fieller [%.15g, %.15g], R [%.15g, %.15g]", name, alpha, flo, fhi, p.FiellerLo, p.FiellerHi)
		}
		// The duality the judge relies on: A outside the interval on the
		// low side exactly when the contrast at A is significantly above 0.
		if bounded && flo > 0 {
			for _, a := range []float64{flo * 0.99, flo * 1.01} {
				inside := a >= flo
				above := NewContrast(c, b, a).Above(alpha / 2)
				dfShift := math.Abs(NewContrast(c, b, a).DF - NewContrast(c, b, c.Mean/b.Mean).DF)
				if above == inside && dfShift < 0.5 {
					t.Errorf("%s: ratio %g vs Fieller lower %g: contrast above = %v", name, a, flo, above)
				}
			}
		}
	}
}

func TestRatesMatchR(t *testing.T) {
	ref := loadDependentRef(t)
	one := func(x, n float64) Counts { return Counts{Events: x, Total: n, Dispersion: 1, Scale: 1} }
	for _, r := range ref.Rates {
		c, b := one(float64(r.XC), float64(r.TC)), one(float64(r.XB), float64(r.TB))
		alpha := float64(r.Alpha)
		got := CompareRates(c, b, alpha)
		name := strconv.Quote(strconv.FormatFloat(float64(r.XC), 'g', -1, 64) + "/" + strconv.FormatFloat(float64(r.TC), 'g', -1, 64) +
			" vs " + strconv.FormatFloat(float64(r.XB), 'g', -1, 64) + "/" + strconv.FormatFloat(float64(r.TB), 'g', -1, 64))
		if !near(got.Ratio, float64(r.Ratio), 1e-12) && !(math.IsNaN(got.Ratio) && math.IsNaN(float64(r.Ratio))) {
			t.Errorf("%s ratio %g, R %g", name, got.Ratio, r.Ratio)
		}
		// R's binom.test interval comes from qbeta too; agreement is to
		// the beta quantile's accuracy.
		if !near(got.RatioLo, float64(r.RatioLo), 1e-9) || !near(got.RatioHi, float64(r.RatioHi), 1e-9) {
			t.Errorf("%s alpha %g ratio interval [%.15g, %.15g], R [%.15g, %.15g]", name, alpha, got.RatioLo, got.RatioHi, r.RatioLo, r.RatioHi)
		}
		if r.XC+r.XB > 0 {
			want := math.Min(1, 2*math.Min(float64(r.PGreater), float64(r.PLess)))
			if !near(got.PValue, want, 1e-9) {
				t.Errorf("%s p %.15g, R 2*min(greater, less) = %.15g", name, got.PValue, want)
			}
		}
		for _, side := range []struct {
			x, n float64
			want []rnum
		}{{float64(r.XC), float64(r.TC), r.CPC}, {float64(r.XB), float64(r.TB), r.CPB}} {
			lo, hi := CPInterval(side.x, side.n, alpha)
			if !near(lo, float64(side.want[0]), 1e-9) || !near(hi, float64(side.want[1]), 1e-9) {
				t.Errorf("CP(%g, %g, %g) = [%.15g, %.15g], R binom.test [%.15g, %.15g]", side.x, side.n, alpha, lo, hi, side.want[0], side.want[1])
			}
		}
	}
	for _, r := range ref.RealCP {
		lo, hi := CPInterval(float64(r.X), float64(r.N), 0.05)
		if !near(lo, float64(r.Lo), 1e-9) || !near(hi, float64(r.Hi), 1e-9) {
			t.Errorf("CP(%g, %g) = [%.15g, %.15g], R qbeta [%.15g, %.15g]", r.X, r.N, lo, hi, r.Lo, r.Hi)
		}
	}
}

func TestCountsOfMatchesR(t *testing.T) {
	ref := loadDependentRef(t)
	for name, s := range ref.Counts {
		c := CountsOf(floats(s.Events), floats(s.Total))
		if !near(c.Dispersion, float64(s.Dispersion), 1e-9) || !near(c.Rho, float64(s.Rho), 1e-9) || !near(c.Scale, float64(s.Scale), 1e-9) {
			t.Errorf("%s: dispersion %g rho %g scale %g; R %g %g %g", name, c.Dispersion, c.Rho, c.Scale, s.Dispersion, s.Rho, s.Scale)
		}
	}
	if b, ok := ref.Counts["bursty"]; !ok || float64(b.Dispersion) < 2 {
		t.Fatalf("the bursty set should be overdispersed (R says %v); the test would not show the scale at work", b.Dispersion)
	}
}

// TestTQuantileAtLeastNormal: the bound exceeds relies on. For p above
// 1/2, TQuantile(p, df) never falls below z(p) * (1 - zMargin), over df
// from 0.2 to past tNormalDF (non-integer ones included) and p from just
// above 1/2 to 1 - 1e-12.
func TestTQuantileAtLeastNormal(t *testing.T) {
	var ps []float64
	for e := -12.0; e <= -0.31; e += 0.05 { // 1 - p from 1e-12 to about 1/2
		ps = append(ps, 1-math.Pow(10, e))
	}
	for _, d := range []float64{1e-12, 1e-9, 1e-6, 1e-3} {
		ps = append(ps, 0.5+d)
	}
	checked := 0
	for e := -0.7; e <= 21; e += 0.01 { // df from tCheckedDF to 1e21
		df := max(tCheckedDF, math.Pow(10, e))
		for _, p := range ps {
			tq, z := TQuantile(p, df), mathext.NormalQuantile(p)
			if !(tq >= z*(1-zMargin)) {
				t.Fatalf("TQuantile(%v, %v) = %v below z = %v beyond the margin", p, df, tq, z)
			}
			checked++
		}
	}
	t.Logf("%d pairs of (p, df)", checked)
}

// TestExceedsIsTheQuantileRule: exceeds, with its shortcut, answers
// exactly what est - t(1-alpha, df) * se > 0 answers, on random contrasts
// and on ones a rounding away from the boundary.
func TestExceedsIsTheQuantileRule(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	rule := func(est, se, alpha, df float64) bool { return est-TQuantile(1-alpha, df)*se > 0 }
	alphas := []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4999, 0.5, 0.7, 0, 1, math.NaN()}
	odd := []float64{0, math.Inf(1), math.Inf(-1), math.NaN(), -1, 5e-324}
	var settled, shortcut int
	for i := range 200000 {
		alpha := alphas[i%len(alphas)]
		df := math.Pow(10, r.Float64()*7-0.5)
		if i%17 == 0 {
			df = odd[i%len(odd)]
		}
		se := math.Pow(10, r.Float64()*8-4)
		if i%13 == 0 {
			se = odd[(i/13)%len(odd)]
		}
		est := r.NormFloat64() * 3 * se
		if i%3 == 0 && alpha > 0 && alpha < 1 { // on the boundary, give or take an ulp or two
			est = TQuantile(1-alpha, df) * se
			for range r.IntN(5) {
				est = math.Nextafter(est, math.Inf(2*r.IntN(2)-1))
			}
		}
		if i%29 == 0 {
			est = odd[(i/29)%len(odd)]
		}
		for _, e := range []float64{est, -est} {
			want := rule(e, se, alpha, df)
			if got := exceeds(e, se, alpha, df); got != want {
				t.Fatalf("exceeds(%v, %v, %v, %v) = %v, the quantile rule says %v", e, se, alpha, df, got, want)
			}
			if want {
				settled++
			} else if se > 0 && alpha > 0 && alpha < 0.5 && df >= tCheckedDF && !(e-mathext.NormalQuantile(1-alpha)*(1-zMargin)*se > 0) {
				shortcut++
			}
		}
	}
	if settled == 0 || shortcut == 0 {
		t.Fatalf("the cases never exceeded (%d) or never took the shortcut (%d)", settled, shortcut)
	}
	t.Logf("%d exceeded, %d answered by the shortcut", settled, shortcut)
}
