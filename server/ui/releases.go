package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/query"
	"github.com/canaryjudge/canaryjudge/store"
)

// The release list is paged like GET /v1/releases: ?limit= (1 to
// maxReleasePage, releasePage by default) releases a section, newest
// first, and a section with more says so with a link carrying the API's
// cursor (?cursor=), so no page is ever unbounded.
const (
	releasePage    = 50
	maxReleasePage = 500
)

type releasesView struct {
	Service, Target, State string
	States                 []judge.State
	Sections               []releaseSection
}

type releaseSection struct {
	Title, Note string
	Releases    []store.Release
	More        string // the next page of this section, "" when there is none
}

// releases lists halted releases first, then the other active ones, then
// the most recent of any state, a page of each; or, with ?state= or
// ?cursor=, one page of the releases in that state (or of all).
func (u *UI) releases(r *http.Request) (view, error) {
	q := r.URL.Query()
	v := releasesView{Service: q.Get("service"), Target: q.Get("target"), State: q.Get("state"), States: judge.States}
	for _, f := range []struct{ name, val string }{{"service", v.Service}, {"target", v.Target}} {
		if f.val != "" && !store.ValidName(f.val) {
			return view{}, errBadRequest(f.name + " must be " + store.NameRule)
		}
	}
	if v.State != "" && !slices.Contains(judge.States, judge.State(v.State)) {
		return view{}, errBadRequest(fmt.Sprintf("state must be one of %v", judge.States))
	}
	bad := &judge.ValidationError{}
	limit := query.Limit(q, bad, releasePage, maxReleasePage)
	afterAt, afterID := query.AfterTime(q, bad)
	if err := bad.Err(); err != nil {
		return view{}, err
	}
	lister := sectionLister{u: u, r: r, v: v, limit: limit,
		base: store.ReleaseQuery{Service: v.Service, Target: v.Target, Services: services(r)}}
	type spec struct {
		title, note string
		state       judge.State
	}
	specs := []spec{
		{"Halted", "automation stopped: a human must act (override)", judge.StateHalted},
		{"Rolling back", "a rollback was ordered and is not reported done", judge.StateRollingBack},
		{"Baking", "under analysis", judge.StateBaking},
		{"Recent", "the newest releases in any state", ""},
	}
	switch {
	case v.State != "":
		specs = []spec{{"State " + v.State, "newest first", judge.State(v.State)}}
	case afterAt != nil:
		specs = []spec{{"All releases", "newest first", ""}}
	}
	for _, sp := range specs {
		sec, err := lister.section(sp.title, sp.note, sp.state, afterAt, afterID)
		if err != nil {
			return view{}, err
		}
		v.Sections = append(v.Sections, sec)
	}
	return view{Name: "releases", Title: "Releases", Data: v}, nil
}

// sectionLister reads one page of a section of the release list.
type sectionLister struct {
	u     *UI
	r     *http.Request
	v     releasesView
	base  store.ReleaseQuery
	limit int
}

func (l sectionLister) section(title, note string, st judge.State, afterAt *time.Time, afterID string) (releaseSection, error) {
	q := l.base
	q.State, q.Limit, q.AfterAt, q.AfterID = st, l.limit+1, afterAt, afterID
	rs, err := l.u.o.Store.ListReleases(l.r.Context(), q)
	if err != nil {
		return releaseSection{}, err
	}
	sec := releaseSection{Title: title, Note: note, Releases: rs}
	if len(rs) > l.limit {
		sec.Releases = rs[:l.limit]
		last := sec.Releases[l.limit-1]
		next := url.Values{"cursor": {query.TimeCursor(last.CreatedAt, last.ID)}}
		for k, val := range map[string]string{"service": l.v.Service, "target": l.v.Target, "state": string(st)} {
			if val != "" {
				next.Set(k, val)
			}
		}
		if l.limit != releasePage {
			next.Set("limit", strconv.Itoa(l.limit))
		}
		sec.More = "/ui/?" + next.Encode()
	}
	return sec, nil
}
