package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// TestBackgroundStopJoinsWorkers: stop returns only after the dispatcher has
// given back the delivery it had in flight (so serve can close the store
// next): the interrupted message is immediately claimable again.
func TestBackgroundStopJoinsWorkers(t *testing.T) {
	entered, unblock := make(chan struct{}), make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select {
		case <-r.Context().Done():
		case <-unblock:
		}
	}))
	defer hung.Close()
	defer close(unblock)
	ctx := context.Background()
	st := memory.New()
	sink := judge.Sink{Kind: "webhook", URL: hung.URL}
	if _, err := st.PutPolicy(ctx, "svc", judge.Policy{Notify: []judge.Sink{sink}}, 0, "t", time.Now()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, _, err := st.CreateRelease(ctx, store.Release{ID: "r1", Service: "svc", Target: "x", State: judge.StateBaking,
		CreatedAt: now, UpdatedAt: now}, nil, nil, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	m := outbox.Message{Kind: outbox.KindPage, Sink: outbox.RefOf(1, 0, sink), CreatedAt: now}
	if err := st.InRelease(ctx, "r1", func(tx store.ReleaseTx) error { return tx.Enqueue(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Config{}, server.Deps{Store: st})
	stop := background(h, notify.New(st, notify.Options{PollInterval: 10 * time.Millisecond}), time.Hour)
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the dispatcher never sent")
	}
	stop()
	got, err := st.Claim(ctx, time.Now(), 10, time.Minute)
	if err != nil || len(got) != 1 || got[0].Attempts != 0 {
		t.Fatalf("after stop, Claim = %+v, %v; want the interrupted message back, no attempt counted", got, err)
	}
}
