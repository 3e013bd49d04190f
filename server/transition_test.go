package server_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// TestEveryStateEventPairOverHTTP drives each release state through the API
// with every event a client can send: allowed ones answer 200 and move to
// the state machine's target; the rest answer 409 naming the current state
// and change nothing.
func TestEveryStateEventPairOverHTTP(t *testing.T) {
	s := newStack(t, memory.New(), nil)
	setupService(t, s, "sm", testPolicy(1000, ""))
	reach := map[judge.State]func(target string) string{
		judge.StateBaking: func(tg string) string { return createRelease(t, s, "sm", tg, "").ID },
		judge.StateRollingBack: func(tg string) string {
			id := createRelease(t, s, "sm", tg, "").ID
			analyze(t, s, id, erroring(1))
			return id
		},
		judge.StateRolledBack: func(tg string) string {
			id := reachVia(t, s, tg, "rollback")
			mustStatus(t, call(t, s.srv, "POST", "/v1/releases/"+id+"/events", `{"type":"rollback_completed"}`), 200)
			return id
		},
		judge.StatePromoted: func(tg string) string { return reachVia(t, s, tg, "promote") },
		judge.StateHalted:   func(tg string) string { return reachVia(t, s, tg, "halt") },
	}
	n := 0
	for _, st := range judge.States {
		for _, ev := range judge.Events {
			if ev == judge.EventRollbackTimeout || ev == judge.EventNoAnalysis {
				continue // not sent by clients; the sweeper tests cover them
			}
			n++
			target := fmt.Sprintf("t%d", n)
			id := reach[st](target)
			if got := stateOf(t, s, id); got != string(st) {
				t.Fatalf("setup for %s reached %s", st, got)
			}
			r := send(t, s, id, ev)
			tr, err := judge.Next(st, ev, st == judge.StateRollingBack || st == judge.StateRolledBack)
			var te *judge.ErrTransition
			switch {
			case errors.As(err, &te):
				p := problemOf(t, r)
				if r.StatusCode != 409 || p.Current.(map[string]any)["state"] != string(st) {
					t.Errorf("%s + %s: %d %+v, want 409 naming %s", st, ev, r.StatusCode, p, st)
				}
				if got := stateOf(t, s, id); got != string(st) {
					t.Errorf("%s + %s refused but state became %s", st, ev, got)
				}
			case r.StatusCode != 200:
				t.Errorf("%s + %s: %d %s, want 200", st, ev, r.StatusCode, r.Body)
			default:
				if got := stateOf(t, s, id); got != string(tr.To) {
					t.Errorf("%s + %s → %s, want %s", st, ev, got, tr.To)
				}
			}
		}
	}
	if n != 45 {
		t.Fatalf("covered %d pairs, want 45", n)
	}
}

func reachVia(t *testing.T, s stack, target, action string) string {
	id := createRelease(t, s, "sm", target, "").ID
	mustStatus(t, call(t, s.srv, "POST", "/v1/releases/"+id+"/override", fmt.Sprintf(`{"action":%q,"reason":"test setup"}`, action)), 200)
	return id
}

func send(t *testing.T, s stack, id string, ev judge.Event) apiResponse {
	switch {
	case ev == judge.EventAnalysis:
		return call(t, s.srv, "POST", "/v1/releases/"+id+"/analyses", healthy(7))
	case strings.HasPrefix(string(ev), "override:"):
		return call(t, s.srv, "POST", "/v1/releases/"+id+"/override",
			fmt.Sprintf(`{"action":%q,"reason":"table test"}`, strings.TrimPrefix(string(ev), "override:")))
	}
	return call(t, s.srv, "POST", "/v1/releases/"+id+"/events", fmt.Sprintf(`{"type":%q}`, ev))
}

func stateOf(t *testing.T, s stack, id string) string {
	r := call(t, s.srv, "GET", "/v1/releases/"+id, nil)
	mustStatus(t, r, 200)
	return decode[map[string]any](t, r)["release"].(map[string]any)["state"].(string)
}
