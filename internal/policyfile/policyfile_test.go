package policyfile

import (
	"os"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
)

func TestParseYAMLAndJSONAgree(t *testing.T) {
	y, err := os.ReadFile("../../judge/testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	py, err := Parse(y)
	if err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if len(py.Metrics) == 0 {
		t.Fatal("no metrics parsed from YAML")
	}
	js := []byte(`{"metrics":[{"name":"a","group":"g","direction":"increase"}]}`)
	ya := []byte("metrics:\n  - {name: a, group: g, direction: increase}\n")
	pj, err1 := Parse(js)
	pa, err2 := Parse(ya)
	if err1 != nil || err2 != nil || pj.Metrics[0] != pa.Metrics[0] || pj.Windows != pa.Windows {
		t.Fatalf("JSON and YAML differ: %v %v\n%+v\n%+v", err1, err2, pj, pa)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      []string
	}{
		{"NaN and infinity in YAML", "thresholds: {pass: .nan}\nmetrics:\n  - {name: a, group: g, direction: increase, ceiling: -.inf}\n",
			[]string{"thresholds.pass: must be a finite number", "metrics[0].ceiling: must be a finite number"}},
		{"garbage", "{", []string{"policy: is not valid JSON"}},
		{"yaml garbage", "a: [", []string{"policy: is not valid JSON or YAML"}},
		{"unknown field in YAML", "metrics: [{name: a, group: g, direction: increase, colour: red}]", []string{"metrics[0].colour: unknown field"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			v, ok := judge.AsValidation(err)
			if !ok {
				t.Fatalf("err %v is not a validation error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(v.Error(), w) {
					t.Errorf("%q lacks %q", v.Error(), w)
				}
			}
		})
	}
}

// A count metric's total_query may be as long as its query: both are
// PromQL, limited to 8192 bytes by the policy's validation.
func TestTotalQueryAsLongAsQuery(t *testing.T) {
	doc := func(n int) []byte {
		q := "sum(x{ {{scope}} })" + strings.Repeat(" ", n-len("sum(x{ {{scope}} })"))
		return []byte(`{"metrics":[{"name":"e","group":"g","kind":"count","direction":"increase","query":"` + q + `","total_query":"` + q + `"}]}`)
	}
	if _, err := Parse(doc(3000)); err != nil {
		t.Fatalf("3,000-byte query and total_query: %v", err)
	}
	_, err := Parse(doc(9000))
	if v, ok := judge.AsValidation(err); !ok || !strings.Contains(v.Error(), "metrics[0].total_query: must be at most 8192 bytes") ||
		!strings.Contains(v.Error(), "metrics[0].query: must be at most 8192 bytes") {
		t.Fatalf("9,000-byte query and total_query: %v, want both named at 8192 bytes", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "{}", "metrics: [{name: a, group: g, direction: increase}]", "thresholds: {pass: .nan}", "a: &x [*x]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			if _, ok := judge.AsValidation(err); !ok {
				t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed policy does not validate: %v", err)
		}
	})
}
