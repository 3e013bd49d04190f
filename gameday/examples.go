package gameday

import (
	"encoding/json"
	"fmt"

	"github.com/canaryjudge/canaryjudge/sim"
)

// Example is a sample analysis request (POST /v1/releases/{id}/analyses).
type Example struct {
	Name string // e.g. healthy-1.json
	Body []byte
}

// Examples are the windows the README's walk-through sends by hand: the
// first min_windows windows of the healthy scenario (enough to promote)
// and the first consecutive_failures windows of errors_x5 (enough to roll
// back), exactly as the game day sends them with this seed.
func Examples(scs []Scenario, seed uint64) ([]Example, error) {
	var out []Example
	for _, x := range []struct{ scenario, prefix string }{{"healthy", "healthy"}, {"errors_x5", "bad"}} {
		i := -1
		for j, sc := range scs {
			if sc.Name == x.scenario && sc.Skip == "" {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("examples: the policy cannot run scenario %s", x.scenario)
		}
		sc := scs[i]
		gen := sc.Steps[0].(NewRelease).Gen
		n := sc.Policy.Windows.MinWindows
		if x.prefix == "bad" {
			n = sc.Policy.Windows.ConsecutiveFailures
		}
		rel := sim.NewRelease(sc.Policy, gen, sim.ReleaseRNG(seed, stream(sc.Name), 0))
		for w := 1; w <= n; w++ {
			b, err := json.Marshal(rel.Window(w))
			if err != nil {
				return nil, err
			}
			out = append(out, Example{Name: fmt.Sprintf("%s-%d.json", x.prefix, w), Body: append(b, '\n')})
		}
	}
	return out, nil
}
