package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// KayentaExecution is one canary execution of the Kayenta-compatible API
// (POST /kayenta/canary/{configId}): a service's policy judged once over
// the scopes the caller named, kept so GET /kayenta/canary/{id} can answer
// from any replica.
type KayentaExecution struct {
	ID            string `json:"id"`
	Service       string `json:"service"` // the canary config
	PolicyVersion int    `json:"policy_version"`
	// Params are the query parameters of the request (application and the
	// account names), as Kayenta echoes them.
	Params map[string]string `json:"params"`
	// Request is the CanaryExecutionRequest as received.
	Request json.RawMessage `json:"request"`
	Status  string          `json:"status"`           // succeeded | terminal
	Result  *judge.Result   `json:"result,omitempty"` // nil when terminal
	Error   string          `json:"error,omitempty"`  // why terminal
	// CreatedAt is when the request came, EndedAt when the judgement ended.
	CreatedAt time.Time `json:"created_at"`
	EndedAt   time.Time `json:"ended_at"`
}

// Kayenta execution statuses (Kayenta's own, lower case).
const (
	KayentaSucceeded = "succeeded"
	KayentaTerminal  = "terminal"
)

// KayentaExecutions keeps the Kayenta-compatible API's executions.
type KayentaExecutions interface {
	// SaveKayentaExecution inserts e and appends audit (Service, At filled
	// from e when empty) in one transaction. ErrConflict when the ID is
	// taken; ErrNotFound when the service has no policy.
	SaveKayentaExecution(ctx context.Context, e KayentaExecution, audit AuditEntry) error
	// KayentaExecution returns one; ErrNotFound when there is none.
	KayentaExecution(ctx context.Context, id string) (KayentaExecution, error)
}

// Policies lists the services' policies.
type Policies interface {
	// ListPolicies returns every service's newest policy, by service name.
	ListPolicies(ctx context.Context) ([]PolicyRecord, error)
}
