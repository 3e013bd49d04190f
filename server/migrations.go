package server

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/judge"
)

// migrationCheckRequest is the body of POST /v1/migrations/check.
type migrationCheckRequest struct {
	SQL *string `json:"sql"`
}

// migrationCheckResponse is the classifier's answer, plus whether it
// blocks an automatic rollback.
type migrationCheckResponse struct {
	judge.MigrationCheck
	NeedsHuman bool `json:"needs_human"`
}

// postMigrationCheck classifies one migration's SQL (a goose file or
// plain SQL), statelessly: the same answer `canaryjudge migrations check`
// gives for a file.
func (s *Server) postMigrationCheck(w http.ResponseWriter, r *http.Request) error {
	if s.classifier == nil {
		return errStatus(http.StatusNotImplemented, "no-classifier", "No migration classifier",
			"this server was built without the SQL classifier; use `canaryjudge migrations check`")
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if !utf8.Valid(body) {
		return badRequest("body", "must be valid UTF-8")
	}
	var req migrationCheckRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	// Its length (engine.MaxMigrationSQL) was checked before it was
	// decoded, with the rest of the body's text (apiLimits).
	switch {
	case req.SQL == nil || strings.TrimSpace(*req.SQL) == "":
		return badRequest("sql", "required: the migration's SQL (a goose file or plain SQL)")
	case strings.IndexByte(*req.SQL, 0) >= 0:
		return badRequest("sql", "must not contain NUL bytes (PostgreSQL would refuse the migration)")
	}
	check, err := s.classifier.Classify(r.Context(), *req.SQL)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, migrationCheckResponse{MigrationCheck: check, NeedsHuman: check.NeedsHuman()})
	return nil
}

// sqlLimitError is SQL over the classifier's limits (sqlcheck.LimitError):
// too large (413), or too many statements or tokens, or expressions
// nested too deep for PostgreSQL's parser (422).
type sqlLimitError interface {
	error
	SQLLimit() (field, limit string, max, got int)
}

// ProblemLimit is the limit a request exceeded.
type ProblemLimit struct {
	Name string `json:"name"` // bytes, statements, tokens or expression_depth
	Max  int    `json:"max"`
	Got  int    `json:"got"`
}

func isSQLLimit(err error) bool { return errors.As(err, new(sqlLimitError)) }

func sqlLimitProblem(err error) Problem {
	var e sqlLimitError
	errors.As(err, &e)
	field, limit, max, got := e.SQLLimit()
	p := Problem{Type: problemBase + "sql-too-complex", Title: "SQL too complex to classify", Status: http.StatusUnprocessableEntity,
		Detail: e.Error(), Errors: []judge.FieldError{{Field: field, Message: e.Error()}}, Limit: &ProblemLimit{Name: limit, Max: max, Got: got}}
	if limit == "bytes" {
		p.Type, p.Title, p.Status = problemBase+"sql-too-large", "SQL too large to classify", http.StatusRequestEntityTooLarge
	}
	return p
}
