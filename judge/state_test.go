package judge

import (
	"errors"
	"testing"
)

// TestStateMachine covers every (state, event) pair: the allowed ones and
// where they lead, and a typed refusal for the rest.
func TestStateMachine(t *testing.T) {
	type key struct {
		s State
		e Event
	}
	allowed := map[key]State{
		{StateBaking, EventAnalysis}:               StateBaking,
		{StateBaking, EventPromoted}:               StatePromoted,
		{StateBaking, EventNoAnalysis}:             StateHalted,
		{StateBaking, EventRollbackStarted}:        StateRollingBack, // the tool rolled back on its own
		{StateBaking, EventRollbackCompleted}:      StateRolledBack,
		{StateBaking, OverridePromote}:             StatePromoted,
		{StateBaking, OverrideRollback}:            StateRollingBack,
		{StateBaking, OverrideHalt}:                StateHalted,
		{StateRollingBack, EventRollbackStarted}:   StateRollingBack,
		{StateRollingBack, EventRollbackCompleted}: StateRolledBack,
		{StateRollingBack, EventRollbackFailed}:    StateHalted,
		{StateRollingBack, EventRollbackTimeout}:   StateHalted,
		{StateRollingBack, OverrideHalt}:           StateHalted,
		{StateRolledBack, EventRollbackCompleted}:  StateRolledBack,
		{StatePromoted, EventPromoted}:             StatePromoted,
		{StateHalted, OverridePromote}:             StatePromoted,
		{StateHalted, OverrideRollback}:            StateRollingBack,
		{StateHalted, OverrideResolve}:             StateBaking,
	}
	n := 0
	for _, s := range States {
		for _, e := range Events {
			n++
			tr, err := Next(s, e, false)
			want, ok := allowed[key{s, e}]
			if !ok {
				var te *ErrTransition
				if !errors.As(err, &te) || te.From != s || te.Event != e {
					t.Errorf("%s + %s: err = %v, want ErrTransition naming the state", s, e, err)
				}
				continue
			}
			if err != nil || tr.To != want {
				t.Errorf("%s + %s = %+v, %v; want → %s", s, e, tr, err, want)
			}
			if s.Terminal() && tr.To != s {
				t.Errorf("terminal %s changed to %s on %s", s, tr.To, e)
			}
			if wantPage := want == StateHalted && s != StateHalted; tr.Page != wantPage {
				t.Errorf("%s + %s: page = %v, want %v", s, e, tr.Page, wantPage)
			}
		}
	}
	if n != len(States)*len(Events) || n != 55 {
		t.Fatalf("covered %d pairs", n)
	}
	if tr, _ := Next(StateHalted, OverrideResolve, true); tr.To != StateRolledBack {
		t.Errorf("resolving a release halted during its rollback → %s, want rolled_back", tr.To)
	}
}
