package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

func testRunListAndSources(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "checkout", "search")
	for i, id := range []string{"rel_ls1", "rel_ls2", "rel_ls3"} {
		svc := map[int]string{0: "checkout", 1: "search", 2: "checkout"}[i]
		create(t, s, release(id, svc, id))
		r := sampleRun("run_"+id, id)
		r.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
		createRun(t, s, r)
	}
	if _, err := s.CancelRun(ctx, "run_rel_ls2", "x", t0, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListRuns(ctx, store.RunQuery{})
	if err != nil || len(all) != 3 || all[0].ID != "run_rel_ls3" || all[2].ID != "run_rel_ls1" {
		t.Fatalf("ListRuns = %v, %v", runIDs(all), err)
	}
	running, _ := s.ListRuns(ctx, store.RunQuery{State: store.RunRunning})
	page, _ := s.ListRuns(ctx, store.RunQuery{Limit: 1, AfterAt: &all[0].CreatedAt, AfterID: all[0].ID})
	bySvc, _ := s.ListRuns(ctx, store.RunQuery{Services: []string{"search"}})
	if len(running) != 2 || len(page) != 1 || page[0].ID != "run_rel_ls2" || len(bySvc) != 1 || bySvc[0].ID != "run_rel_ls2" {
		t.Fatalf("running %v, page %v, search %v", runIDs(running), runIDs(page), runIDs(bySvc))
	}
	if _, err := s.GetSource(ctx, "prom"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSource of none: %v", err)
	}
	for i, url := range []string{"http://a:9090", "http://b:9090"} {
		got, err := s.PutSource(ctx, store.SourceRecord{Name: "prom", Type: "prometheus", Config: []byte(`{"url":"` + url + `"}`), UpdatedAt: odd, UpdatedBy: "admin"},
			store.AuditEntry{Actor: "admin", Action: "source:put"})
		if err != nil || got.Version != i+1 {
			t.Fatalf("PutSource %d = %+v, %v", i, got, err)
		}
	}
	got, err := s.GetSource(ctx, "prom")
	if err != nil || got.Version != 2 || string(got.Config) != `{"url": "http://b:9090"}` && string(got.Config) != `{"url":"http://b:9090"}` || !got.UpdatedAt.Equal(odd.Truncate(µs)) {
		t.Fatalf("GetSource = %+v (%s), %v", got, got.Config, err)
	}
	list, err := s.ListSources(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "prom" {
		t.Fatalf("ListSources = %+v, %v", list, err)
	}
}

func runIDs(rs []store.Run) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
