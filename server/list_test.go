package server_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

type releasePage struct {
	Releases   []store.Release `json:"releases"`
	NextCursor string          `json:"next_cursor"`
}

// TestListReleases: newest first, by keyset pages that cover everything
// exactly once (releases created in the same microsecond included),
// filtered by service, target and state: "what is halted right now".
func TestListReleases(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "shop", testPolicy(1000, ""))
		setupService(t, s, "bank", testPolicy(1000, ""))
		var made []store.Release
		for i := range 7 {
			if i%3 == 0 {
				s.clock.Advance(time.Minute) // others share a creation time
			}
			made = append(made, createRelease(t, s, []string{"shop", "bank"}[i%2], fmt.Sprintf("t%d", i), ""))
		}
		// The documented order: newest first, then id descending (bytes).
		sort.Slice(made, func(i, j int) bool {
			if !made[i].CreatedAt.Equal(made[j].CreatedAt) {
				return made[i].CreatedAt.After(made[j].CreatedAt)
			}
			return made[i].ID > made[j].ID
		})
		var want []string
		for _, r := range made {
			want = append(want, r.ID)
		}
		halted := want[2]
		mustStatus(t, call(t, s.srv, "POST", "/v1/releases/"+halted+"/override", `{"action":"halt","reason":"on-call look"}`), 200)

		var got []string
		path := "/v1/releases?limit=2"
		for pages := 0; path != ""; pages++ {
			p := decode[releasePage](t, call(t, s.srv, "GET", path, nil))
			for i, r := range p.Releases {
				got = append(got, r.ID)
				if i > 0 && r.CreatedAt.After(p.Releases[i-1].CreatedAt) {
					t.Fatalf("page not newest first: %+v", p.Releases)
				}
			}
			path = ""
			if p.NextCursor != "" {
				path = "/v1/releases?limit=2&cursor=" + p.NextCursor
			}
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("paged through %v, want %v", got, want)
		}
		for q, n := range map[string]int{"state=halted": 1, "service=shop": 4, "service=bank&state=baking": bankBaking(made, halted), "target=t3": 1, "state=promoted": 0} {
			p := decode[releasePage](t, call(t, s.srv, "GET", "/v1/releases?"+q, nil))
			if len(p.Releases) != n || p.NextCursor != "" {
				t.Errorf("?%s: %d releases (cursor %q), want %d", q, len(p.Releases), p.NextCursor, n)
			}
			if q == "state=halted" && (len(p.Releases) != 1 || p.Releases[0].ID != halted) {
				t.Errorf("halted = %+v, want %s", p.Releases, halted)
			}
		}
		for _, q := range []string{"state=sleeping", "service=Shop", "limit=0", "cursor=bm9wZQ"} {
			if r := call(t, s.srv, "GET", "/v1/releases?"+q, nil); r.StatusCode != 400 {
				t.Errorf("?%s: %d, want 400", q, r.StatusCode)
			}
		}
	})
}

// TestArrayAndTextLimits: the documented limits on arrays and long text
// hold with a 400 naming the field (limits at the edge are accepted).
func TestArrayAndTextLimits(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "shop", testPolicy(1000, ""))
		migrations := func(n int) string {
			out := "["
			for i := range n {
				if i > 0 {
					out += ","
				}
				out += fmt.Sprintf(`{"id":"m%d","compat":"expand"}`, i)
			}
			return out + "]"
		}
		sinks := func(n int) string {
			out := `,"notify":[`
			for i := range n {
				if i > 0 {
					out += ","
				}
				out += fmt.Sprintf(`{"kind":"webhook","url":"https://h.example/%d"}`, i)
			}
			return out + "]"
		}
		metrics := func(n int) string {
			out := `{"metrics":[`
			for i := range n {
				if i > 0 {
					out += ","
				}
				out += fmt.Sprintf(`{"name":"m%d","group":"g","direction":"increase"}`, i)
			}
			return out + "]}"
		}
		sql := func(n int) string {
			return fmt.Sprintf(`[{"id":"big","compat":"expand","sql":"%s"}]`, repeat("x", n))
		}
		for _, c := range []struct {
			method, path, body, field string
			ok                        bool
		}{
			{"POST", "/v1/releases", release("a", migrations(100)), "", true},
			{"POST", "/v1/releases", release("b", migrations(101)), "migrations", false},
			{"POST", "/v1/releases", release("c", sql(256<<10)), "", true},
			{"PUT", "/v1/services/many/policy", testPolicy(1, sinks(10)), "", true},
			{"PUT", "/v1/services/many/policy", testPolicy(1, sinks(11)), "notify", false},
			{"PUT", "/v1/services/wide/policy", metrics(500), "", true},
			{"PUT", "/v1/services/wide/policy", metrics(501), "metrics", false},
		} {
			r := call(t, s.srv, c.method, c.path, c.body)
			switch {
			case c.ok && r.StatusCode >= 300:
				t.Errorf("%s %s (%s): %d %.200s, want accepted", c.method, c.path, c.field, r.StatusCode, r.Body)
			case !c.ok && (r.StatusCode != 400 || !hasField(problemOf(t, r).Errors, c.field)):
				t.Errorf("%s %s: %d %.300s, want 400 naming %s", c.method, c.path, r.StatusCode, r.Body, c.field)
			}
		}
	})
}

func release(target, migrations string) string {
	return fmt.Sprintf(`{"service":"shop","target":%q,"version":"v2","baseline_version":"v1","migrations":%s}`, target, migrations)
}

func repeat(s string, n int) string {
	b := make([]byte, 0, n*len(s))
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func bankBaking(rs []store.Release, halted string) int {
	n := 0
	for _, r := range rs {
		if r.Service == "bank" && r.ID != halted {
			n++
		}
	}
	return n
}
