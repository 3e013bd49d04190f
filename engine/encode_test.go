package engine

import (
	"reflect"
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

// jsonFields lists a struct type's encoded fields as "Name tag".
func jsonFields(v any) (out []string) {
	ty := reflect.TypeOf(v)
	for i := range ty.NumField() {
		if f := ty.Field(i); f.Tag.Get("json") != "-" {
			out = append(out, f.Name+" "+string(f.Tag))
		}
	}
	return out
}

// TestAnalysisPartsMirrorAnalysis: analysisHead, the result and
// analysisTail are store.Analysis's encoded fields, in order, with the
// same keys: a field added to Analysis fails here until the splice
// encodes it.
func TestAnalysisPartsMirrorAnalysis(t *testing.T) {
	var parts []string
	parts = append(parts, jsonFields(analysisHead{})...)
	parts = append(parts, `Result json:"result,omitempty"`)
	parts = append(parts, jsonFields(analysisTail{})...)
	if want := jsonFields(store.Analysis{}); !reflect.DeepEqual(parts, want) {
		t.Fatalf("the spliced analysis encodes\n%q\nstore.Analysis encodes\n%q", parts, want)
	}
}

// TestOutcomeFields: the fields encodeOutcome writes, in its order.
func TestOutcomeFields(t *testing.T) {
	want := []string{`Release json:"release"`, `Analysis json:"analysis,omitempty"`, `Decision json:"decision"`, `Duplicate json:"duplicate,omitempty"`}
	if got := jsonFields(Outcome{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("Outcome encodes\n%q\nencodeOutcome writes\n%q", got, want)
	}
}
