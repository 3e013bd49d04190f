-- +goose Up
-- Services and their versioned policies. A policy is never updated in
-- place: each PUT appends a version, so every analysis can name the exact
-- policy it was judged with.
CREATE TABLE services (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE policies (
    service    text NOT NULL REFERENCES services (name) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version > 0),
    document   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT '',
    PRIMARY KEY (service, version)
);

-- +goose Down
DROP TABLE policies;
DROP TABLE services;
