package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/query"
	"github.com/canaryjudge/canaryjudge/store"
)

// Pages: limit from 1 to maxPage, defaultPage when absent. A page that
// has more after it says so with next_cursor; the last page has none, so
// nothing is ever dropped silently.
const (
	defaultPage = 50
	maxPage     = 500
)

func pageLimit(r *http.Request, v *judge.ValidationError) int {
	return query.Limit(r.URL.Query(), v, defaultPage, maxPage)
}

func encodeCursor(s string) string { return query.Encode(s) }

func decodeCursor(r *http.Request) (string, bool) { return query.Decode(r.URL.Query()) }

// timeCursor is the cursor of a list ordered by creation time then id,
// newest first (query.TimeCursor; the UI's lists use the same).
func timeCursor(at time.Time, id string) string { return query.TimeCursor(at, id) }

// afterTimeCursor reads a timeCursor from the request (query.AfterTime).
func afterTimeCursor(r *http.Request, v *judge.ValidationError) (*time.Time, string) {
	return query.AfterTime(r.URL.Query(), v)
}

// trimPage cuts rows, read with a limit of limit+1, to one page and starts
// the answer: next_cursor (made from the page's last row) when more follow.
func trimPage[T any](rows []T, limit int, cursor func(last T) string) ([]T, map[string]any) {
	resp := map[string]any{}
	if len(rows) > limit {
		rows = rows[:limit]
		resp["next_cursor"] = cursor(rows[limit-1])
	}
	return rows, resp
}

// getReleases lists releases newest first (GET /v1/releases): on-call's
// "what is halted right now" is ?state=halted.
func (s *Server) getReleases(w http.ResponseWriter, r *http.Request) error {
	v := &judge.ValidationError{}
	qv := r.URL.Query()
	q := store.ReleaseQuery{Service: qv.Get("service"), Target: qv.Get("target"), State: judge.State(qv.Get("state")),
		Services: allowedServices(r)}
	for _, f := range []struct{ name, val string }{{"service", q.Service}, {"target", q.Target}} {
		if f.val != "" && !store.ValidName(f.val) {
			v.Add(f.name, "must be "+store.NameRule)
		}
	}
	if q.State != "" && !slices.Contains(judge.States, q.State) {
		v.Add("state", fmt.Sprintf("must be one of %v", judge.States))
	}
	limit := pageLimit(r, v)
	q.AfterAt, q.AfterID = afterTimeCursor(r, v)
	if err := v.Err(); err != nil {
		return err
	}
	if q.Service != "" {
		if err := allowService(r, q.Service); err != nil {
			return err
		}
	}
	q.Limit = limit + 1
	rows, err := s.store.ListReleases(r.Context(), q)
	if err != nil {
		return err
	}
	rows, resp := trimPage(rows, limit, func(last store.Release) string { return timeCursor(last.CreatedAt, last.ID) })
	resp["releases"] = rows
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// auditPage reads one page of the audit log and writes it: one line per
// entry (auditLines), or whole entries with ?detail=full.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, q store.AuditQuery) error {
	v := &judge.ValidationError{}
	limit := pageLimit(r, v)
	full := wantsDetail(r, v)
	if c, ok := decodeCursor(r); ok || r.URL.Query().Get("cursor") != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if !ok || err != nil || id < 0 {
			v.Add("cursor", "is not a cursor returned by this endpoint")
		}
		q.AfterID = id
	}
	if err := v.Err(); err != nil {
		return err
	}
	q.Limit = limit + 1
	rows, err := s.store.AuditLog(r.Context(), q)
	if err != nil {
		return err
	}
	rows, resp := trimPage(rows, limit, func(last store.AuditEntry) string { return encodeCursor(strconv.FormatInt(last.ID, 10)) })
	resp["entries"] = rows
	if !full {
		resp["entries"] = auditLines(rows) // the detail is one GET away
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// getAudit pages through a release's audit log, oldest first.
func (s *Server) getAudit(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	if _, err := s.store.GetRelease(r.Context(), id); err != nil {
		return err
	}
	return s.auditPage(w, r, store.AuditQuery{ReleaseID: id})
}

// getAuditLog pages through the whole audit log (policy, token and freeze
// changes included), newest first, optionally for one service. A token
// limited to services reads only their entries (none of the entries of no
// service, such as token and global freeze changes).
func (s *Server) getAuditLog(w http.ResponseWriter, r *http.Request) error {
	svc := r.URL.Query().Get("service")
	if svc != "" && !store.ValidName(svc) {
		return badRequest("service", "must be "+store.NameRule)
	}
	if err := allowService(r, svc); svc != "" && err != nil {
		return err
	}
	return s.auditPage(w, r, store.AuditQuery{Service: svc, Services: allowedServices(r), Desc: true})
}
