package judge

import "fmt"

// State is where a release is in the canary and rollback state machine.
type State string

const (
	StateBaking      State = "baking"       // canary under analysis
	StatePromoted    State = "promoted"     // terminal: the canary won
	StateRollingBack State = "rolling_back" // rollback ordered, not yet confirmed
	StateRolledBack  State = "rolled_back"  // terminal: back on the baseline
	StateHalted      State = "halted"       // automation stopped; a human must act
)

// States lists every state in a stable order.
var States = []State{StateBaking, StatePromoted, StateRollingBack, StateRolledBack, StateHalted}

// Terminal reports whether automation may never change s.
func (s State) Terminal() bool { return s == StatePromoted || s == StateRolledBack }

// Active reports whether the release still occupies its service and target.
func (s State) Active() bool { return !s.Terminal() }

// Event is something that happens to a release.
type Event string

const (
	EventAnalysis          Event = "analysis"           // a window was judged
	EventRollbackStarted   Event = "rollback_started"   // deploy tool began the rollback
	EventRollbackCompleted Event = "rollback_completed" // deploy tool finished it
	EventRollbackFailed    Event = "rollback_failed"    // deploy tool gave up
	EventPromoted          Event = "promoted"           // deploy tool promoted the canary
	EventRollbackTimeout   Event = "rollback_timeout"   // the sweeper found no completion in time
	EventNoAnalysis        Event = "no_analysis"        // the sweeper found no analysis within stale_after
	OverridePromote        Event = "override:promote"
	OverrideRollback       Event = "override:rollback"
	OverrideHalt           Event = "override:halt"
	OverrideResolve        Event = "override:resolve"
)

// Events lists every event in a stable order.
var Events = []Event{EventAnalysis, EventRollbackStarted, EventRollbackCompleted, EventRollbackFailed,
	EventPromoted, EventRollbackTimeout, EventNoAnalysis, OverridePromote, OverrideRollback, OverrideHalt, OverrideResolve}

// Transition is the outcome of an event in a state.
type Transition struct {
	To State
	// Duplicate: the event repeats the one that led to the current state
	// (a deploy tool retrying); it is acknowledged and changes nothing.
	Duplicate bool
	// Page: the transition needs a human now.
	Page bool
}

// ErrTransition says an event is not allowed in the current state.
type ErrTransition struct {
	From  State
	Event Event
}

func (e *ErrTransition) Error() string {
	return fmt.Sprintf("event %s is not allowed while the release is %s", e.Event, e.From)
}

// transitions is the whole state machine. Analyses are only accepted while
// baking (their decision picks the next state, see Decide); everything not
// listed is refused with ErrTransition.
var transitions = map[State]map[Event]Transition{
	StateBaking: {
		EventAnalysis: {To: StateBaking},
		EventPromoted: {To: StatePromoted},
		// The deploy tool rolled back on its own (Flagger's own analysis,
		// a Spinnaker failure): accepted, recorded; the rollback's
		// deadline then applies as to any other.
		EventRollbackStarted:   {To: StateRollingBack},
		EventRollbackCompleted: {To: StateRolledBack},
		EventNoAnalysis:        {To: StateHalted, Page: true},
		OverridePromote:        {To: StatePromoted},
		OverrideRollback:       {To: StateRollingBack},
		OverrideHalt:           {To: StateHalted, Page: true},
	},
	StateRollingBack: {
		EventRollbackStarted:   {To: StateRollingBack, Duplicate: true},
		EventRollbackCompleted: {To: StateRolledBack},
		EventRollbackFailed:    {To: StateHalted, Page: true},
		EventRollbackTimeout:   {To: StateHalted, Page: true},
		OverrideHalt:           {To: StateHalted, Page: true},
	},
	StateRolledBack: {
		EventRollbackCompleted: {To: StateRolledBack, Duplicate: true},
	},
	StatePromoted: {
		EventPromoted: {To: StatePromoted, Duplicate: true},
	},
	StateHalted: {
		OverridePromote:  {To: StatePromoted},
		OverrideRollback: {To: StateRollingBack},
		// OverrideResolve's target depends on why the release halted; see Resolve.
		OverrideResolve: {To: StateBaking},
	},
}

// Next returns the transition for ev in state from, or *ErrTransition.
// rollbackStarted tells Resolve where a halted release goes back to: a
// release halted during a rollback is taken to be rolled back by the human
// who resolves it; any other halted release resumes baking.
func Next(from State, ev Event, rollbackStarted bool) (Transition, error) {
	tr, ok := transitions[from][ev]
	if !ok {
		return Transition{}, &ErrTransition{From: from, Event: ev}
	}
	if ev == OverrideResolve && rollbackStarted {
		tr.To = StateRolledBack
	}
	return tr, nil
}
