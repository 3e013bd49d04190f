package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// getOutbox lists outbox messages newest first, keyset-paginated: what is
// dead (given up), pending or delivered, and why. Messages name their sink
// by kind, policy version and index; URLs and secrets stay in the policy.
func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request) error {
	q, err := outboxQuery(r)
	if err != nil {
		return err
	}
	rows, err := s.store.ListOutbox(r.Context(), q)
	if err != nil {
		return err
	}
	resp := map[string]any{"messages": rows}
	if len(rows) == q.Limit {
		resp["next_cursor"] = base64.RawURLEncoding.EncodeToString(strconv.AppendInt(nil, rows[len(rows)-1].ID, 10))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func outboxQuery(r *http.Request) (outbox.Query, error) {
	q := outbox.Query{Services: allowedServices(r)}
	v := &judge.ValidationError{}
	vals := r.URL.Query()
	if st := vals.Get("state"); st != "" && !slices.Contains(outbox.States, st) {
		v.Add("state", "must be one of pending, delivered, dead")
	} else {
		q.State = st
	}
	if svc := vals.Get("service"); svc != "" && !store.ValidName(svc) {
		v.Add("service", "must be "+store.NameRule)
	} else {
		q.Service = svc
	}
	if q.Service != "" {
		if err := allowService(r, q.Service); err != nil {
			return q, err
		}
	}
	q.Limit = pageLimit(r, v)
	if raw := vals.Get("cursor"); raw != "" {
		b, err := base64.RawURLEncoding.DecodeString(raw)
		id, err2 := strconv.ParseInt(string(b), 10, 64)
		if err != nil || err2 != nil || id <= 0 {
			v.Add("cursor", "is not a cursor returned by this endpoint")
		} else {
			q.BeforeID = id
		}
	}
	return q, v.Err()
}

// retryOutbox gives a dead message a fresh retry budget, due now: for after
// the sink is fixed. It is audited with the caller.
func (s *Server) retryOutbox(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return badRequest("id", "must be an outbox message id (a positive integer)")
	}
	if svcs := allowedServices(r); svcs != nil { // a token limited to services retries only theirs
		es, err := s.store.ListOutbox(r.Context(), outbox.Query{BeforeID: id + 1, Limit: 1})
		if err != nil {
			return err
		}
		if len(es) == 0 || es[0].ID != id {
			return fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
		}
		if err := allowService(r, es[0].Service); err != nil {
			return err
		}
	}
	actor := principal(r.Context())
	in, err := json.Marshal(map[string]int64{"id": id})
	if err != nil {
		return err
	}
	e, err := s.store.Redeliver(r.Context(), id, s.now().UTC(), store.AuditEntry{Actor: actor, Action: "outbox:retry", Input: in})
	if err != nil {
		return err
	}
	s.log.Warn("dead outbox message retried", "request_id", requestID(r.Context()), "id", id, "release", e.ReleaseID,
		"kind", e.Kind, "sink", e.Sink.Kind, "by", actor)
	writeJSON(w, http.StatusOK, e)
	return nil
}
