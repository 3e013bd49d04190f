package kayentaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/wire"
	"github.com/canaryjudge/canaryjudge/store"
)

// ExecutionResponse is what POST /kayenta/canary/{configId} answers.
type ExecutionResponse struct {
	CanaryExecutionID string `json:"canaryExecutionId"`
}

// Execute answers POST /kayenta/canary/{configId}: it fetches the series
// of both scopes, judges them with the service's kayenta-mode policy and
// keeps the execution. A source that fails makes a terminal execution
// (its poll says why), not a failed request: Kayenta's clients poll for
// the outcome.
func (h *Handler) Execute(w http.ResponseWriter, r *http.Request) error {
	params, err := queryParams(r)
	if err != nil {
		return err
	}
	service := chi.URLParam(r, "canaryId")
	if err := h.Env.Allow(r, service); err != nil {
		return err
	}
	var req ExecutionRequest
	// Tolerant: Kayenta's request has fields canaryjudge does not read
	// (siteLocal, metadata) and may grow.
	if err := h.Env.Decode(r, &req); err != nil {
		return err
	}
	pol, err := h.policy(r.Context(), service)
	if err != nil {
		return err
	}
	v := &judge.ValidationError{}
	_, control, experiment := req.pair(v)
	p := pol.Policy
	p.Thresholds = req.thresholds(v, p.Thresholds)
	if err := v.Err(); err != nil {
		return err
	}
	if h.Source == nil {
		return noSource()
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode the execution request: %w", err)
	}
	e := store.KayentaExecution{ID: h.newID(), Service: service, PolicyVersion: pol.Version, Params: params, Request: raw,
		CreatedAt: h.Env.Now()}
	e.Result, e.Error = h.judge(r.Context(), FetchRequest{MetricsAccount: params["metricsAccountName"], Service: service, Policy: p,
		Control: control, Experiment: experiment})
	if err := r.Context().Err(); err != nil {
		return err // the request ran out of time: nothing kept, the client retries
	}
	e.Status, e.EndedAt = store.KayentaSucceeded, h.Env.Now()
	if e.Result == nil {
		e.Status, e.Error = store.KayentaTerminal, truncate(e.Error, maxError)
	} else {
		e.Result.PolicyVersion = pol.Version
	}
	audit := store.AuditEntry{Actor: h.Env.Actor(r.Context()), Action: "kayenta:execute", PolicyVersion: pol.Version, Input: raw,
		Output: summary(e)}
	if err := h.Store.SaveKayentaExecution(r.Context(), e, audit); err != nil {
		return err
	}
	return wire.WriteJSON(w, http.StatusOK, ExecutionResponse{CanaryExecutionID: e.ID})
}

// policy is the service's policy, which must be in kayenta mode.
func (h *Handler) policy(ctx context.Context, service string) (store.PolicyRecord, error) {
	pol, err := h.Store.GetPolicy(ctx, service)
	if errors.Is(err, store.ErrNotFound) {
		return pol, fmt.Errorf("canary config %q: no service of that name has a policy: %w", service, store.ErrNotFound)
	}
	if err != nil {
		return pol, err
	}
	if pol.Policy.Mode != judge.ModeKayenta {
		return pol, wire.Errorf(http.StatusConflict, "not-kayenta-mode", "Policy not in kayenta mode",
			fmt.Sprintf("service %q judges in %s mode; the Kayenta-compatible API judges kayenta-mode policies only "+
				"(use GET /v1/releases/{id}/decision for the others)", service, pol.Policy.Mode))
	}
	return pol, nil
}

// judge fetches and judges; a failure is the execution's error text.
func (h *Handler) judge(ctx context.Context, fr FetchRequest) (*judge.Result, string) {
	canary, baseline, err := h.Source.Fetch(ctx, fr)
	if err != nil {
		return nil, "fetching the series failed: " + err.Error()
	}
	res, err := judge.JudgeSides(fr.Policy, canary, baseline)
	if err != nil {
		return nil, "the series could not be judged: " + err.Error()
	}
	return &res, ""
}

// summary is the audit log's output of an execution.
func summary(e store.KayentaExecution) json.RawMessage {
	out := map[string]any{"canaryExecutionId": e.ID, "status": e.Status}
	if e.Result != nil {
		out["score"], out["verdict"] = e.Result.Score, e.Result.Verdict
	} else {
		out["error"] = e.Error
	}
	b, _ := json.Marshal(out)
	return b
}

const maxError = 4096

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
