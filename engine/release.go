package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// CreateReleaseRequest is the body of POST /v1/releases.
type CreateReleaseRequest struct {
	Service         string            `json:"service"`
	Target          string            `json:"target"`
	Version         string            `json:"version"`
	BaselineVersion string            `json:"baseline_version"`
	Migrations      []judge.Migration `json:"migrations"`
}

var validVersion = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+:/@-]{0,127}$`)

// Limits of a release's declared migrations (the HTTP layer enforces the
// string lengths first; these hold for any caller).
const (
	MaxMigrations  = 100
	MaxMigrationID = 256 // SQL per migration: MaxMigrationSQL
)

// Validate checks the request and lists every problem.
func (r *CreateReleaseRequest) Validate() error {
	v := &judge.ValidationError{}
	if r.Target == "" {
		r.Target = "default"
	}
	if !store.ValidName(r.Service) {
		v.Add("service", "required: "+store.NameRule)
	}
	if !store.ValidName(r.Target) {
		v.Add("target", "must be "+store.NameRule+" (default \"default\")")
	}
	if !validVersion.MatchString(r.Version) {
		v.Add("version", "required: 1-128 characters of letters, digits and ._+:/@-")
	}
	if !validVersion.MatchString(r.BaselineVersion) {
		v.Add("baseline_version", "required: the version a rollback returns to")
	} else if r.BaselineVersion == r.Version {
		v.Add("baseline_version", "must differ from version")
	}
	if len(r.Migrations) > MaxMigrations {
		v.Add("migrations", fmt.Sprintf("must list at most %d migrations", MaxMigrations))
	}
	seen := map[string]bool{}
	for i, m := range r.Migrations {
		f := fmt.Sprintf("migrations[%d]", i)
		switch {
		case m.ID == "":
			v.Add(f+".id", "required")
		case len(m.ID) > MaxMigrationID:
			v.Add(f+".id", fmt.Sprintf("must be at most %d bytes", MaxMigrationID))
		case seen[m.ID]:
			v.Add(f+".id", fmt.Sprintf("duplicate migration id %q", m.ID))
		}
		seen[m.ID] = true
		validateMigration(v, f, m)
	}
	return v.Err()
}

// CreateRelease starts a release baking. A repeat with the same
// Idempotency-Key returns the stored response. A service without a policy
// is not found; any other failure to read the policy (an outage) is
// returned as it is, never turned into not found.
func (e *Engine) CreateRelease(ctx context.Context, req CreateReleaseRequest, actor string, idem *store.Idem) (store.Release, *store.StoredResponse, error) {
	if err := req.Validate(); err != nil {
		return store.Release{}, nil, err
	}
	pol, err := e.st.GetPolicy(ctx, req.Service)
	if errors.Is(err, store.ErrNotFound) {
		return store.Release{}, nil, fmt.Errorf("service %q has no policy; PUT /v1/services/%s/policy first: %w", req.Service, req.Service, store.ErrNotFound)
	}
	if err != nil {
		return store.Release{}, nil, err
	}
	now := e.now()
	if req.Migrations == nil {
		req.Migrations = []judge.Migration{}
	}
	migrations, err := e.classifyMigrations(ctx, req.Migrations)
	if err != nil {
		return store.Release{}, nil, err
	}
	deadline := now.Add(pol.Policy.Windows.StaleAfterOrDefault())
	r := store.Release{ID: e.newID(), Service: req.Service, Target: req.Target, Version: req.Version,
		BaselineVersion: req.BaselineVersion, Migrations: migrations, State: judge.StateBaking,
		PolicyVersion: pol.Version, CreatedAt: now, UpdatedAt: now, AnalysisDeadline: &deadline}
	in, err := json.Marshal(req)
	if err != nil {
		return store.Release{}, nil, fmt.Errorf("encode request for the audit log: %w", err)
	}
	body, err := store.EncodeJSON(r) // the 201 body, kept for an Idempotency-Key replay
	if err != nil {
		return store.Release{}, nil, fmt.Errorf("encode release: %w", err)
	}
	audit := store.AuditEntry{At: now, Actor: actor, Action: "release:create", Service: r.Service, ReleaseID: r.ID,
		PolicyVersion: pol.Version, Input: in}
	created, sr, err := e.st.CreateRelease(ctx, r, idem, body, audit)
	if err != nil {
		return store.Release{}, nil, err
	}
	if sr != nil && idem != nil {
		return replayed(sr, *idem)
	}
	e.log.InfoContext(ctx, "release created", "release", created.ID, "service", created.Service, "target", created.Target,
		"version", created.Version, "baseline_version", created.BaselineVersion, "migrations", len(created.Migrations), "actor", actor)
	return created, nil, nil
}

// replayed decodes the release of a stored create response.
func replayed(sr *store.StoredResponse, idem store.Idem) (store.Release, *store.StoredResponse, error) {
	if sr.RequestHash != idem.Hash {
		return store.Release{}, nil, ErrIdempotencyMismatch
	}
	var first store.Release
	if err := json.Unmarshal(sr.Body, &first); err != nil {
		return store.Release{}, nil, fmt.Errorf("decode the stored response of Idempotency-Key %q: %w", idem.Key, err)
	}
	return first, sr, nil
}
