package server

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// getVerdicts pages through a service's verdict history, newest first.
// The cursor is opaque to clients: it encodes the last row's time and id.
func (s *Server) getVerdicts(w http.ResponseWriter, r *http.Request) error {
	svc, err := serviceParam(r)
	if err != nil {
		return err
	}
	q, err := verdictQuery(r, svc)
	if err != nil {
		return err
	}
	if _, err := s.store.GetPolicy(r.Context(), svc); err != nil {
		return err
	}
	rows, err := s.store.Verdicts(r.Context(), q)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []store.Verdict{}
	}
	resp := map[string]any{"verdicts": rows}
	if len(rows) == q.Limit {
		last := rows[len(rows)-1]
		resp["next_cursor"] = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%d", last.At.UnixNano(), last.AnalysisID))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func verdictQuery(r *http.Request, svc string) (store.VerdictQuery, error) {
	q := store.VerdictQuery{Service: svc}
	v := &judge.ValidationError{}
	vals := r.URL.Query()
	for _, name := range []string{"since", "until"} {
		raw := vals.Get(name)
		if raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			v.Add(name, "must be an RFC 3339 time such as 2026-11-26T10:00:00Z")
			continue
		}
		if name == "since" {
			q.Since = &t
		} else {
			q.Until = &t
		}
	}
	q.Limit = pageLimit(r, v)
	if raw := vals.Get("cursor"); raw != "" {
		b, err := base64.RawURLEncoding.DecodeString(raw)
		ns, id, ok := strings.Cut(string(b), ":")
		n, err1 := strconv.ParseInt(ns, 10, 64)
		aid, err2 := strconv.ParseInt(id, 10, 64)
		if err != nil || !ok || err1 != nil || err2 != nil {
			v.Add("cursor", "is not a cursor returned by this endpoint")
		} else {
			at := time.Unix(0, n).UTC()
			q.AfterAt, q.AfterID = &at, aid
		}
	}
	return q, v.Err()
}
