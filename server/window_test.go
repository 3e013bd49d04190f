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

// Mode sequential over HTTP, with per-instance data: every decision
// carries each metric's confidence sequence, the instances' spread is
// reported, and the same window rules (window times) apply.
func TestSequentialWithInstancesOverHTTP(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "seq", `{"mode":"sequential","metrics":[{"name":"latency","kind":"latency","group":"l","direction":"increase",
			"effect_size":{"allowed_increase":1.2}}],"windows":{"interval":"1m","min_windows":2,"min_bake":"2m","max_windows":30}}`)
		rel := createRelease(t, s, "seq", "eu", "")
		t1 := s.clock.Now().Add(-time.Hour)
		pods := func(seed uint64, level float64) map[string]any {
			out := map[string][]float64{}
			for i, l := range []float64{1, 1.03, 0.98} {
				xs := make([]float64, 12)
				for j := range xs {
					xs[j] = 0.2 * level * l * (1 + 0.01*float64((int(seed)+i*7+j*3)%5-2))
				}
				out[fmt.Sprintf("pod-%d", i)] = xs
			}
			return map[string]any{"latency": map[string]any{"instances": out}}
		}
		var o outcome
		for w := 0; w < 10; w++ {
			body, _ := json.Marshal(map[string]any{"canary": pods(uint64(w), 1), "baseline": pods(uint64(w+3), 1),
				"window": map[string]string{"start": t1.Add(time.Duration(w) * time.Minute).Format(time.RFC3339), "end": t1.Add(time.Duration(w+1) * time.Minute).Format(time.RFC3339)}})
			o = analyze(t, s, rel.ID, string(body))
			if o.Decision.Action != "wait" {
				break
			}
		}
		seq, _ := o.Decision.Evidence["sequence"].([]any)
		if o.Decision.Action != "promote" || o.Decision.Reason != "sequential_settled" || len(seq) != 1 {
			t.Fatalf("%s/%s %s %v", o.Decision.Action, o.Decision.Reason, o.Decision.Message, o.Decision.Evidence)
		}
		m := seq[0].(map[string]any)
		if m["name"] != "latency" || m["lower"] == nil || m["upper"] == nil || m["spread"] == nil {
			t.Errorf("sequence %v", m)
		}
	})
}
