package prometheus

import (
	"os"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
)

func samplePolicy() judge.Policy {
	b, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		panic(err)
	}
	p, err := policyfile.Parse(b)
	if err != nil {
		panic(err)
	}
	return p
}

func TestSamplePolicyValid(t *testing.T) {
	if _, err := judge.JudgeSides(samplePolicy(), judge.Side{}, judge.Side{}); err != nil {
		t.Fatalf("example policy: %v", err)
	}
}
