package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"testing"
)

// rnum is a number from testdata/wilcox_r.json: a JSON number, or one of the
// strings "NaN", "Inf", "-Inf" that gen.R writes for non-finite values.
type rnum float64

func (r *rnum) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "NaN":
			*r = rnum(math.NaN())
		case "Inf":
			*r = rnum(math.Inf(1))
		case "-Inf":
			*r = rnum(math.Inf(-1))
		default:
			return fmt.Errorf("bad number %q", s)
		}
		return nil
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*r = rnum(f)
	return err
}

type refCase struct {
	Dataset     string      `json:"dataset"`
	Alternative Alternative `json:"alternative"`
	Mu          rnum        `json:"mu"`
	ConfLevel   rnum        `json:"conf_level"`
	Exact       ExactMode   `json:"exact"`
	Correct     bool        `json:"correct"`
	W           rnum        `json:"W"`
	PValue      rnum        `json:"p_value"`
	Estimate    *rnum       `json:"estimate"`
	ConfInt     []rnum      `json:"conf_int"`
	Achieved    *rnum       `json:"achieved_conf_level"`
	Method      Method      `json:"method"`
	RError      string      `json:"r_error"`
}

type refFile struct {
	RVersion string `json:"r_version"`
	Datasets map[string]struct {
		X []rnum `json:"x"`
		Y []rnum `json:"y"`
	} `json:"datasets"`
	Cases []refCase `json:"cases"`
}

func loadRef(t testing.TB) refFile {
	t.Helper()
	b, err := os.ReadFile("testdata/wilcox_r.json")
	if err != nil {
		t.Fatal(err)
	}
	var f refFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func floats(r []rnum) []float64 {
	out := make([]float64, len(r))
	for i, v := range r {
		out[i] = float64(v)
	}
	return out
}

func (c refCase) name(i int) string {
	return fmt.Sprintf("%03d_%s_%s_mu%g_cl%g_%s_c%v", i, c.Dataset, c.Alternative, c.Mu, c.ConfLevel, c.Exact, c.Correct)
}

func (c refCase) options() Options {
	return Options{Alternative: c.Alternative, Mu: float64(c.Mu), ConfLevel: float64(c.ConfLevel),
		Exact: c.Exact, Correct: c.Correct, ConfInt: true}
}

// Tolerances against R.
//
// p-values: 1e-9 relative (R's pnorm and gonum's erfc-based normal agree to
// ~1e-13 in the tails; exact p-values are sums of the same probabilities).
// Below 1e-300 only the absolute difference is checked.
//
// Exact method: interval ends and estimate are order statistics of the same
// float64 differences R sorts, so they must agree to the last bit (the even
// median is a rounded mean; allow 1e-15 relative).
//
// Normal method: R solves W(d) = zq with uniroot(tol = 1e-4). Brent's method
// (R_zeroin2) stops when half its bracket [b, c] is within
// tol_act = 2·DBL_EPSILON·|b| + tol/2 and returns b, and the jump of the step
// function W, which is our exact answer, lies inside that bracket. So
// |R - ours| <= 2·tol_act = 1e-4 + 4·DBL_EPSILON·|b|. That is the tolerance
// for interval ends. For the estimate, W(d) is exactly 0 between the two
// middle differences when n·m is even, and uniroot stops at whatever point of
// that flat stretch it first evaluates; so R's estimate must lie within the
// same tolerance of [D(lo), D(hi)], the two middle differences, whose midpoint
// is ours.
const (
	pRel     = 1e-9
	exactRel = 1e-15
	rootTol  = 1e-4
	dblEps   = 2.220446049250313e-16
)

func rootSlack(v float64) float64 { return rootTol + 4*dblEps*math.Abs(v) + 1e-12 }

func closeRel(a, b, rel float64) bool {
	if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
		return true
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

func closeP(a, b float64) bool {
	if math.Max(math.Abs(a), math.Abs(b)) < 1e-300 {
		return true
	}
	return closeRel(a, b, pRel)
}

// diffsOf gives the pairwise differences of a dataset through pairs, whose
// order statistics TestKthMatchesSortedDifferences and TestKthLarge check
// against sorting all of them.
func diffsOf(x, y []float64) *pairs { return newPairs(sortedCopy(x), sortedCopy(y)) }

func TestMannWhitneyMatchesR(t *testing.T) {
	ref := loadRef(t)
	if len(ref.Cases) < 300 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	for i, c := range ref.Cases {
		t.Run(c.name(i), func(t *testing.T) {
			ds := ref.Datasets[c.Dataset]
			x, y := floats(ds.X), floats(ds.Y)
			got, err := MannWhitney(x, y, c.options())
			checkAgainstR(t, c, diffsOf(x, y), got, err)
		})
	}
}

func checkAgainstR(t *testing.T, c refCase, diffs *pairs, got Result, err error) {
	t.Helper()
	if got.W != float64(c.W) {
		t.Errorf("W = %v, R %v", got.W, c.W)
	}
	if got.Method != c.Method {
		t.Errorf("method = %v, R %v", got.Method, c.Method)
	}
	if c.RError != "" {
		checkRErrorCase(t, c, diffs, got, err)
		return
	}
	if err != nil {
		t.Fatalf("error %v; R gave a result", err)
	}
	if !closeP(got.PValue, float64(c.PValue)) {
		t.Errorf("p = %.17g, R %.17g", got.PValue, float64(c.PValue))
	}
	rlo, rhi, rest := float64(c.ConfInt[0]), float64(c.ConfInt[1]), float64(*c.Estimate)
	if c.Method == MethodExact {
		if !closeRel(got.ConfInt[0], rlo, exactRel) || !closeRel(got.ConfInt[1], rhi, exactRel) {
			t.Errorf("interval = %.17g, R [%.17g %.17g]", got.ConfInt, rlo, rhi)
		}
		if !closeRel(got.Estimate, rest, exactRel) {
			t.Errorf("estimate = %.17g, R %.17g", got.Estimate, rest)
		}
		if !closeRel(got.AchievedConfLevel, float64(*c.Achieved), 1e-12) {
			t.Errorf("achieved level = %v, R %v", got.AchievedConfLevel, *c.Achieved)
		}
		return
	}
	for k, r := range []float64{rlo, rhi} {
		g := got.ConfInt[k]
		if math.IsInf(r, 0) || math.IsInf(g, 0) {
			if g != r {
				t.Errorf("interval[%d] = %v, R %v", k, g, r)
			}
			continue
		}
		if math.Abs(g-r) > rootSlack(r) && !inFlat(diffs, g, r) {
			t.Errorf("interval[%d] = %.17g, R %.17g (off %.3g)", k, g, r, g-r)
		}
	}
	size := diffs.size()
	mlo, mhi := diffs.kth((size+1)/2), diffs.kth(size/2+1)
	if rest < mlo-rootSlack(mlo) || rest > mhi+rootSlack(mhi) {
		t.Errorf("R's estimate %.17g outside middle differences [%.17g, %.17g]", rest, mlo, mhi)
	}
	if got.AchievedConfLevel != got.ConfLevel {
		t.Errorf("achieved level = %v, want requested %v", got.AchievedConfLevel, got.ConfLevel)
	}
}

// inFlat reports whether g is the middle of a stretch between two adjacent
// differences a < g < b (where W equals the quantile, see normalConfInt) and
// R's root r lies on that stretch, within uniroot's tolerance.
func inFlat(diffs *pairs, g, r float64) bool {
	c, a, b := diffs.sweep(g)
	if c == 0 || c == diffs.size() || a == g {
		return false
	}
	return r >= a-rootSlack(a) && r <= b+rootSlack(b)
}

// checkRErrorCase covers the inputs where R's wilcox.test stops while
// computing the interval: every pairwise difference is the same value, so
// R's W(d) is 0/0 at the only candidate shift. The statistic is still R's;
// we return that single difference as a degenerate interval and estimate,
// except when x - mu and y are all one value, where the statistic itself is
// 0/0 and MannWhitney reports ErrAllTied with p = 1 (R: NaN two-sided, 1
// one-sided).
func checkRErrorCase(t *testing.T, c refCase, diffs *pairs, got Result, err error) {
	t.Helper()
	first, last := diffs.kth(1), diffs.kth(diffs.size())
	allTied := first == last && first == float64(c.Mu)
	if allTied {
		if !errors.Is(err, ErrAllTied) {
			t.Fatalf("err = %v, want ErrAllTied", err)
		}
		if got.PValue != 1 || got.HasEstimate {
			t.Errorf("p = %v HasEstimate = %v, want 1 and false", got.PValue, got.HasEstimate)
		}
		return
	}
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	if !closeP(got.PValue, float64(c.PValue)) {
		t.Errorf("p = %.17g, R %.17g", got.PValue, float64(c.PValue))
	}
	d := first
	if !got.HasEstimate || got.Estimate != d {
		t.Errorf("estimate = %v (%v), want the single difference %v", got.Estimate, got.HasEstimate, d)
	}
}
