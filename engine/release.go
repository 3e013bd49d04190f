package engine

import (
	"context"
	"encoding/json"
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

var (
	validName    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	validVersion = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+:/@-]{0,127}$`)
)

// Validate checks the request and lists every problem.
func (r *CreateReleaseRequest) Validate() error {
	v := &judge.ValidationError{}
	if r.Target == "" {
		r.Target = "default"
	}
	if !validName.MatchString(r.Service) {
		v.Add("service", "required: 1-63 characters of a-z, 0-9, '.', '_' or '-'")
	}
	if !validName.MatchString(r.Target) {
		v.Add("target", "must be 1-63 characters of a-z, 0-9, '.', '_' or '-' (default \"default\")")
	}
	if !validVersion.MatchString(r.Version) {
		v.Add("version", "required: 1-128 characters of letters, digits and ._+:/@-")
	}
	if !validVersion.MatchString(r.BaselineVersion) {
		v.Add("baseline_version", "required: the version a rollback returns to")
	} else if r.BaselineVersion == r.Version {
		v.Add("baseline_version", "must differ from version")
	}
	seen := map[string]bool{}
	for i, m := range r.Migrations {
		f := fmt.Sprintf("migrations[%d]", i)
		switch {
		case m.ID == "":
			v.Add(f+".id", "required")
		case seen[m.ID]:
			v.Add(f+".id", fmt.Sprintf("duplicate migration id %q", m.ID))
		}
		seen[m.ID] = true
		validateMigration(v, f, m)
	}
	return v.Err()
}

// CreateRelease starts a release baking. A repeat with the same
// Idempotency-Key returns the stored response.
func (e *Engine) CreateRelease(ctx context.Context, req CreateReleaseRequest, actor string, idem *store.Idem) (store.Release, *store.StoredResponse, error) {
	if err := req.Validate(); err != nil {
		return store.Release{}, nil, err
	}
	pol, err := e.st.GetPolicy(ctx, req.Service)
	if err != nil {
		return store.Release{}, nil, fmt.Errorf("service %q has no policy; PUT /v1/services/%s/policy first: %w", req.Service, req.Service, store.ErrNotFound)
	}
	now := e.now()
	if req.Migrations == nil {
		req.Migrations = []judge.Migration{}
	}
	migrations, err := e.classifyMigrations(ctx, req.Migrations)
	if err != nil {
		return store.Release{}, nil, err
	}
	r := store.Release{ID: e.newID(), Service: req.Service, Target: req.Target, Version: req.Version,
		BaselineVersion: req.BaselineVersion, Migrations: migrations, State: judge.StateBaking,
		PolicyVersion: pol.Version, CreatedAt: now, UpdatedAt: now}
	in, _ := json.Marshal(req)
	audit := store.AuditEntry{At: now, Actor: actor, Action: "release:create", Service: r.Service, ReleaseID: r.ID,
		PolicyVersion: pol.Version, Input: in}
	created, sr, err := e.st.CreateRelease(ctx, r, idem, audit)
	if err != nil {
		return store.Release{}, nil, err
	}
	if sr != nil {
		if idem != nil && sr.RequestHash != idem.Hash {
			return store.Release{}, nil, ErrIdempotencyMismatch
		}
		return created, sr, nil
	}
	e.log.InfoContext(ctx, "release created", "release", created.ID, "service", created.Service, "target", created.Target,
		"version", created.Version, "baseline_version", created.BaselineVersion, "migrations", len(created.Migrations), "actor", actor)
	return created, nil, nil
}
