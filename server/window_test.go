package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// withWindow adds window times to an analysis body.
func withWindow(body string, start, end time.Time) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	m["window"] = map[string]string{"start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339)}
	b, _ := json.Marshal(m)
	return string(b)
}

// Window times make bake time, min_windows and the lifetime window time: a
// tool can backfill an hour of windows at once (the clock never moves), a
// repeated or overlapping window is refused with 409 naming the earlier
// one, and an Idempotency-Key replay still returns the stored answer.
func TestWindowTimes(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "shop", testPolicy(1000, ""))
		rel := createRelease(t, s, "shop", "eu", "")
		t1 := s.clock.Now().Add(-time.Hour) // backfill: an hour ago
		w := func(i int) (time.Time, time.Time) {
			return t1.Add(time.Duration(i) * 5 * time.Minute), t1.Add(time.Duration(i+1) * 5 * time.Minute)
		}

		a, b := w(0)
		first := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", withWindow(healthy(1), a, b), "Idempotency-Key", "win-0")
		mustStatus(t, first, 200)
		// The same window again: 409 naming analysis #1 and its span.
		r := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", withWindow(healthy(2), a, b))
		p := problemOf(t, r)
		cur, _ := p.Current.(map[string]any)
		if r.StatusCode != 409 || !strings.Contains(p.Type, "window-conflict") || cur["seq"] != float64(1) || !strings.Contains(p.Detail, "overlaps analysis #1") {
			t.Fatalf("repeat: %d %s", r.StatusCode, r.Body)
		}
		// Overlapping, and earlier than the latest: 409 too.
		for _, span := range [][2]time.Time{{a.Add(2 * time.Minute), b.Add(2 * time.Minute)}, {a.Add(-10 * time.Minute), a.Add(-5 * time.Minute)}} {
			if r := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", withWindow(healthy(3), span[0], span[1])); r.StatusCode != 409 {
				t.Errorf("window %v: %d %s", span, r.StatusCode, r.Body)
			}
		}
		// The Idempotency-Key replay is the stored answer, byte for byte.
		replay := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", withWindow(healthy(1), a, b), "Idempotency-Key", "win-0")
		if replay.StatusCode != 200 || string(replay.Body) != string(first.Body) {
			t.Fatalf("replay: %d %s", replay.StatusCode, replay.Body)
		}
		// Two more windows complete min_windows and min_bake (10m) in window
		// time, with the server's clock standing still.
		var last outcome
		for i := 1; i <= 2; i++ {
			a, b := w(i)
			last = analyze(t, s, rel.ID, withWindow(healthy(uint64(10+i)), a, b))
		}
		if last.Decision.Action != "promote" || last.Decision.Evidence["bake_elapsed"] != "15m0s" {
			t.Fatalf("after three backfilled windows: %s/%s (%s) %v", last.Decision.Action, last.Decision.Reason, last.Decision.Message, last.Decision.Evidence)
		}
		win, _ := last.Decision.Evidence["window"].(map[string]any)
		if _, end := w(2); win["end"] != end.UTC().Format(time.RFC3339) {
			t.Errorf("evidence window %v", win)
		}
	})
}

func TestWindowTimesRejected(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "shop", testPolicy(1000, ""))
		rel := createRelease(t, s, "shop", "eu", "")
		now := s.clock.Now()
		for _, c := range []struct{ window, field string }{
			{`{"start":"yesterday","end":"2026-11-26T09:00:00Z"}`, "window.start"},
			{`{"start":"2026-11-26T09:00:00Z","end":"2026-11-26T08:55:00Z"}`, "window.end"},
			{`{"start":"2026-11-26T09:00:00Z"}`, "window.end"},
			{`{"end":"2026-11-26T09:00:00Z"}`, "window.start"},
			{fmt.Sprintf(`{"start":%q,"end":%q}`, now.Add(time.Hour).Format(time.RFC3339), now.Add(2*time.Hour).Format(time.RFC3339)), "window.end"},
			{`{"start":"2026-11-24T09:00:00Z","end":"2026-11-26T09:00:00Z"}`, "window.end"},
			{`{"start":"2026-11-26T08:00:00Z","end":"2026-11-26T08:05:00Z","extra":1}`, "extra"},
		} {
			body := strings.TrimSuffix(healthy(1), "}") + `,"window":` + c.window + `}`
			r := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", body)
			if r.StatusCode != 400 || !hasField(problemOf(t, r).Errors, c.field) {
				t.Errorf("%s: %d %s, want 400 naming %s", c.window, r.StatusCode, r.Body, c.field)
			}
		}
	})
}

// Count metrics travel over HTTP as {events, total}; impossible points
// are refused with a 400 naming them.
func TestCountMetricsOverHTTP(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "pay", `{"metrics":[{"name":"errors","kind":"count","group":"e","direction":"increase","critical":true,
			"effect_size":{"allowed_increase":1.2}}],"windows":{"interval":"5m","min_windows":1,"min_bake":"0s","max_windows":5}}`)
		rel := createRelease(t, s, "pay", "eu", "")
		counts := func(events, total []int) string {
			b, _ := json.Marshal(map[string]any{"events": events, "total": total})
			return string(b)
		}
		bad := fmt.Sprintf(`{"canary":{"errors":%s},"baseline":{"errors":%s}}`, counts([]int{1, 9}, []int{100, 5}), counts([]int{0, 0}, []int{100, 100}))
		r := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", bad)
		if r.StatusCode != 400 || !hasField(problemOf(t, r).Errors, "canary.errors.events[1]") {
			t.Fatalf("events above total: %d %s", r.StatusCode, r.Body)
		}
		ok := fmt.Sprintf(`{"canary":{"errors":%s},"baseline":{"errors":%s}}`,
			counts([]int{3, 2, 4, 3, 2, 3}, []int{500, 510, 490, 505, 495, 500}), counts([]int{3, 3, 2, 3, 4, 2}, []int{500, 500, 500, 500, 500, 500}))
		o := analyze(t, s, rel.ID, ok)
		if o.Decision.Action != "wait" || o.Decision.Reason != "evidence_unsettled" {
			t.Fatalf("one window of counts: %s/%s: %s", o.Decision.Action, o.Decision.Reason, o.Decision.Message)
		}
	})
}
