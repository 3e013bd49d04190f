package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// auditLine is one entry of an audit list page: who did what and a
// one-line summary; the whole entry (the request and the decision, which
// carry every series of a window) is behind Detail.
type auditLine struct {
	ID            int64     `json:"id"`
	At            time.Time `json:"at"`
	Actor         string    `json:"actor"`
	Action        string    `json:"action"`
	Service       string    `json:"service,omitempty"`
	ReleaseID     string    `json:"release_id,omitempty"`
	PolicyVersion int       `json:"policy_version,omitempty"`
	Summary       string    `json:"summary"`
	Detail        string    `json:"detail"` // the path of the whole entry
}

// maxSummary bounds an audit line's summary.
const maxSummary = 300

// auditLines are es without their input and output, each with its summary
// and the path of its detail.
func auditLines(es []store.AuditEntry) []auditLine {
	out := make([]auditLine, 0, len(es))
	for _, e := range es {
		out = append(out, auditLine{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action,
			Service: e.Service, ReleaseID: e.ReleaseID, PolicyVersion: e.PolicyVersion, Summary: auditSummary(e),
			Detail: "/v1/audit/" + strconv.FormatInt(e.ID, 10)})
	}
	return out
}

// auditSummary says an entry in one line: a decision's action, reason and
// message; a freeze's reason; else what was done.
func auditSummary(e store.AuditEntry) string {
	var out struct {
		Decision *judge.Decision `json:"decision"`
	}
	_ = json.Unmarshal(e.Output, &out)
	if d := out.Decision; d != nil {
		return clip(fmt.Sprintf("%s (%s) → %s: %s", d.Action, d.Reason, d.State, d.Message))
	}
	var in struct {
		Reason  string `json:"reason"`
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	_ = json.Unmarshal(e.Input, &in)
	parts := []string{e.Action}
	for _, p := range []string{in.Name, in.Version, in.Reason} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return clip(strings.Join(parts, ": "))
}

func clip(s string) string {
	if len(s) <= maxSummary {
		return s
	}
	cut := maxSummary
	for cut > 0 && (s[cut]&0xC0) == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// wantsDetail reports whether a list asks for whole entries (?detail=full).
func wantsDetail(r *http.Request, v *judge.ValidationError) bool {
	switch r.URL.Query().Get("detail") {
	case "":
		return false
	case "full":
		return true
	}
	v.Add("detail", "must be full, or absent for one-line entries")
	return false
}

// getAuditEntry is one whole audit entry: its input and output.
func (s *Server) getAuditEntry(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "entry"), 10, 64)
	if err != nil || id < 1 {
		return badRequest("entry", "must be an audit entry id (1, 2, ...)")
	}
	es, err := s.store.AuditLog(r.Context(), store.AuditQuery{AfterID: id - 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(es) == 0 || es[0].ID != id {
		return fmt.Errorf("audit entry %d: %w", id, store.ErrNotFound)
	}
	e := es[0]
	if svcs := allowedServices(r); svcs != nil && e.Service == "" {
		return forbidden("this token is limited to services; audit entry " + strconv.FormatInt(id, 10) + " is of none")
	}
	if err := allowService(r, e.Service); e.Service != "" && err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}
