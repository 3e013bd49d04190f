package gameday

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// cleanupReason is the override reason of the clean-up.
const cleanupReason = "game day over: the release is a drill"

// cleanup leaves every release of the scenario in a terminal state and
// lifts its freeze, as the humans and the deploy tool would, so a game day
// against staging leaves nothing halted, baking or rolling back (nothing
// for the sweeper to page about later). A halted release is resolved, so
// its page is resolved too. It reports only what failed.
func (r *run) cleanup(ctx context.Context) []Check {
	var out []Check
	if r.frozen {
		if err := r.t.Client.Unfreeze(ctx, "service:"+r.service); err != nil {
			out = append(out, fail("clean-up: lift the freeze", "lifted", err))
		}
	}
	for _, id := range r.releases {
		if err := r.finish(ctx, id); err != nil {
			out = append(out, fail("clean-up: end release "+id, "promoted or rolled_back", err))
		}
	}
	return out
}

func (r *run) finish(ctx context.Context, id string) error {
	rel, _, err := r.t.Client.Release(ctx, id)
	if err != nil {
		return err
	}
	c := r.t.Client
	completed := engine.EventRequest{Type: judge.EventRollbackCompleted, Detail: "game day clean-up"}
	switch {
	case rel.State == judge.StateRollingBack:
		_, err = c.Event(ctx, id, completed)
	case rel.State == judge.StateHalted && rel.RollbackAttempted:
		_, err = c.Override(ctx, id, engine.OverrideRequest{Action: "resolve", Reason: cleanupReason})
	case rel.State == judge.StateHalted || rel.State == judge.StateBaking:
		if _, err = c.Override(ctx, id, engine.OverrideRequest{Action: "rollback", Reason: cleanupReason}); err == nil {
			_, err = c.Event(ctx, id, completed)
		}
	}
	return err
}

// notifications waits until the server has nothing left to deliver for
// the scenario's service, then compares what the sink received with the
// scenario's expectation and with the server's own outbox.
func (r *run) notifications(ctx context.Context) Check {
	c := Check{Step: "the notifications reach the game day's sink (counted once per message)", Expected: r.sc.Notes.String()}
	entries, err := r.settled(ctx)
	if err != nil {
		c.Actual, c.Detail = "error", err.Error()
		return c
	}
	got := r.t.Sink.Received(r.releases)
	var n Notes
	for _, p := range got {
		switch p.Kind {
		case outbox.KindPage:
			n.Page++
		case outbox.KindResolve:
			n.Resolve++
		default:
			n.Info++
		}
	}
	c.Actual = n.String()
	problems := outboxProblems(entries, got)
	if refused := r.t.Sink.Refused(); len(refused) > 0 {
		problems = append(problems, "the sink refused: "+strings.Join(refused, "; "))
	}
	c.Detail = strings.Join(problems, "; ")
	c.OK = n == r.sc.Notes && len(problems) == 0
	return c
}

// settled polls the outbox until no message of the service is pending,
// for at most the clock's bound.
func (r *run) settled(ctx context.Context) ([]outbox.Entry, error) {
	deadline := time.Now().Add(r.t.Clock.Bound())
	for {
		entries, err := r.t.Client.Outbox(ctx, r.service)
		if err != nil {
			return nil, err
		}
		pending := 0
		for _, e := range entries {
			if e.State == outbox.StatePending {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			return entries, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// outboxProblems lists messages that were not delivered to the sink.
func outboxProblems[P any](entries []outbox.Entry, got map[int64]P) []string {
	var out []string
	for _, e := range entries {
		switch {
		case e.State == outbox.StatePending:
			out = append(out, fmt.Sprintf("%s message %d still pending after %d attempt(s) (last error: %s)", e.Kind, e.ID, e.Attempts, orNone(e.LastError)))
		case e.State == outbox.StateDead:
			out = append(out, fmt.Sprintf("%s message %d is dead: %s", e.Kind, e.ID, orNone(e.LastError)))
		default:
			if _, ok := got[e.ID]; !ok {
				out = append(out, fmt.Sprintf("%s message %d is delivered per the outbox but the sink never got it", e.Kind, e.ID))
			}
		}
	}
	sort.Strings(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
