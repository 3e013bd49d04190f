package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"unicode"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// readJSON reads the whole (size-limited) body, decodes it strictly into v
// and returns the raw bytes for idempotency hashing.
func readJSON(r *http.Request, v any) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if a, ok := v.(*engine.AnalysisRequest); ok {
		*a, err = parseAnalysis(body)
		return body, err
	}
	return body, decodeStrict(body, v)
}

// readBody checks the content type and reads the size-limited body.
func readBody(r *http.Request) ([]byte, error) {
	if err := checkJSONType(r); err != nil {
		return nil, err
	}
	if cb, ok := r.Body.(checkedBody); ok {
		return cb.b, nil
	}
	body, err := readSized(r.Body, r.ContentLength)
	if err != nil {
		return nil, readErr(err)
	}
	return body, nil
}

// readErr keeps the body-limit error (413) and names the body otherwise.
func readErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return mbe
	}
	return badRequest("body", "could not read the request body: "+err.Error())
}

// idemOf reads the Idempotency-Key header; nil when absent.
func idemOf(r *http.Request, body []byte) (*store.Idem, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return nil, nil
	}
	if len(key) > 255 || !printable(key) {
		return nil, badRequest("Idempotency-Key", "must be 1-255 printable ASCII characters")
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
	return &store.Idem{Scope: r.Method + " " + r.URL.Path + " " + principal(r.Context()), Key: key, Hash: hex.EncodeToString(sum[:])}, nil
}

func printable(s string) bool {
	for _, c := range s {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// writeReplay answers with a stored idempotent response.
func writeReplay(w http.ResponseWriter, sr *store.StoredResponse) {
	w.Header().Set("Idempotent-Replayed", "true")
	writeBody(w, sr.Status, sr.Body)
}

func (s *Server) postRelease(w http.ResponseWriter, r *http.Request) error {
	var req engine.CreateReleaseRequest
	body, err := readJSON(r, &req)
	if err != nil {
		return err
	}
	idem, err := idemOf(r, body)
	if err != nil {
		return err
	}
	if err := allowService(r, req.Service); err != nil {
		return err
	}
	rel, sr, err := s.engine.CreateRelease(r.Context(), req, principal(r.Context()), idem)
	if err != nil {
		return err
	}
	if sr != nil {
		writeReplay(w, sr)
		return nil
	}
	w.Header().Set("Location", absURL(r, "/v1/releases/"+rel.ID))
	writeJSON(w, http.StatusCreated, rel)
	return nil
}

// outcomeHandler runs one state-changing call on a release.
func (s *Server) outcomeHandler(w http.ResponseWriter, r *http.Request, req any, run func(id string, idem *store.Idem) (engine.Outcome, error)) error {
	body, err := readJSON(r, req)
	if err != nil {
		return err
	}
	idem, err := idemOf(r, body)
	if err != nil {
		return err
	}
	out, err := run(chi.URLParam(r, "id"), idem)
	if err != nil {
		return err
	}
	if out.Replayed != nil {
		writeReplay(w, out.Replayed)
		return nil
	}
	if out.Body != nil {
		writeBody(w, http.StatusOK, out.Body)
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) postAnalysis(w http.ResponseWriter, r *http.Request) error {
	var req engine.AnalysisRequest
	return s.outcomeHandler(w, r, &req, func(id string, idem *store.Idem) (engine.Outcome, error) {
		return s.engine.Analyze(r.Context(), id, req, principal(r.Context()), idem)
	})
}

func (s *Server) postEvent(w http.ResponseWriter, r *http.Request) error {
	var req engine.EventRequest
	return s.outcomeHandler(w, r, &req, func(id string, idem *store.Idem) (engine.Outcome, error) {
		return s.engine.Event(r.Context(), id, req, principal(r.Context()), idem)
	})
}

func (s *Server) postOverride(w http.ResponseWriter, r *http.Request) error {
	var req engine.OverrideRequest
	return s.outcomeHandler(w, r, &req, func(id string, idem *store.Idem) (engine.Outcome, error) {
		return s.engine.Override(r.Context(), id, req, principal(r.Context()), idem)
	})
}

// analysisSummary is one line of GET /v1/releases/{id}.
type analysisSummary struct {
	ID          int64         `json:"id"`
	Seq         int           `json:"seq"`
	Verdict     judge.Verdict `json:"verdict,omitempty"`
	Score       *float64      `json:"score,omitempty"`
	SourceError string        `json:"source_error,omitempty"`
	At          string        `json:"at"`
}

func (s *Server) getRelease(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	rel, err := s.store.GetRelease(r.Context(), id)
	if err != nil {
		return err
	}
	dec, err := s.latestDecision(r, rel)
	if err != nil {
		return err
	}
	as, err := s.store.Analyses(r.Context(), id, 100)
	if err != nil {
		return err
	}
	sum := make([]analysisSummary, len(as))
	for i, a := range as {
		sum[i] = analysisSummary{ID: a.ID, Seq: a.Seq, Verdict: a.Window.Verdict, SourceError: a.SourceError, At: a.CreatedAt.Format(timeFormat)}
		if a.Result != nil {
			score := a.Result.Score
			sum[i].Score = &score
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"release": rel, "decision": dec, "analyses": sum})
	return nil
}

const timeFormat = "2006-01-02T15:04:05.999999Z07:00"

// decisionView is the latest decision as GET .../decision shows it.
type decisionView struct {
	judge.Decision
	ReleaseID string `json:"release_id"`
	Trigger   string `json:"trigger,omitempty"`
	DecidedAt string `json:"decided_at,omitempty"`
}

func (s *Server) latestDecision(r *http.Request, rel store.Release) (decisionView, error) {
	rec, err := s.store.LatestDecision(r.Context(), rel.ID)
	if errors.Is(err, store.ErrNotFound) {
		return decisionView{ReleaseID: rel.ID, Decision: judge.Decision{Action: judge.ActionWait, Reason: judge.ReasonBakeIncomplete,
			State: rel.State, Message: "no analysis yet"}}, nil
	}
	if err != nil {
		return decisionView{}, err
	}
	return decisionView{Decision: rec.Decision, ReleaseID: rel.ID, Trigger: rec.Trigger, DecidedAt: rec.CreatedAt.Format(timeFormat)}, nil
}

func (s *Server) getDecision(w http.ResponseWriter, r *http.Request) error {
	rel, err := s.store.GetRelease(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	d, err := s.latestDecision(r, rel)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, d)
	return nil
}
