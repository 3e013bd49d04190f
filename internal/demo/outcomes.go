package demo

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Outcomes are three more releases, one per way a release stops for a
// reason a person must read: the report's "why first" tests and
// screenshots open each.
type Outcomes struct {
	// RolledBack regressed and was rolled back automatically (service
	// payments, target prod-eu), the rollback reported done.
	RolledBack string
	// Escalated regressed while carrying a destructive migration: the
	// migration gate turned the rollback into an escalation and the
	// release is halted (service orders, target prod-ap).
	Escalated string
	// Halted regressed, was rolled back automatically, and the deploy
	// tool reported the rollback failed (service payments, target
	// prod-us): halted.
	Halted string
}

// Names in the outcomes.
const (
	OtherService  = "payments"
	OrdersService = "orders"
	FailureDetail = "argo: rollback aborted, 2 of 6 pods not ready"
)

// RunOutcomes plays the three releases; t0 is their first window's start.
// Each has one healthy window, then a regressing canary (five times the
// errors, 60 % slower p99) until the decision is no longer wait.
func RunOutcomes(ctx context.Context, c Client, t0 time.Time) (Outcomes, error) {
	var o Outcomes
	for _, svc := range []string{OtherService, OrdersService} {
		if err := c.Do(ctx, http.MethodPut, "/v1/services/"+svc+"/policy", Policy(""), nil); err != nil {
			return o, err
		}
	}
	var err error
	if o.RolledBack, err = regress(ctx, c, OtherService, "prod-eu", nil, t0, "rollback"); err != nil {
		return o, err
	}
	if err := event(ctx, c, o.RolledBack, "rollback_completed", "argo: rolled back to "+Baseline); err != nil {
		return o, err
	}
	if o.Escalated, err = regress(ctx, c, OrdersService, "prod-ap", Migrations[:1], t0.Add(time.Hour), "escalate"); err != nil {
		return o, err
	}
	if o.Halted, err = regress(ctx, c, OtherService, "prod-us", nil, t0.Add(2*time.Hour), "rollback"); err != nil {
		return o, err
	}
	return o, event(ctx, c, o.Halted, "rollback_failed", FailureDetail)
}

// regress creates a release and sends windows until the decision is want.
func regress(ctx context.Context, c Client, service, target string, migrations []map[string]any, t0 time.Time, want string) (string, error) {
	if migrations == nil {
		migrations = []map[string]any{}
	}
	var rel struct{ ID string }
	if err := c.Do(ctx, http.MethodPost, "/v1/releases", map[string]any{"service": service, "target": target,
		"version": Version, "baseline_version": Baseline, "migrations": migrations}, &rel); err != nil {
		return "", err
	}
	for w := range 6 {
		var out outcome
		body := Window(uint64(100+w), w >= 1, t0.Add(time.Duration(w)*5*time.Minute))
		if err := c.Do(ctx, http.MethodPost, "/v1/releases/"+rel.ID+"/analyses", body, &out); err != nil {
			return "", err
		}
		switch out.Decision.Action {
		case want:
			return rel.ID, nil
		case "wait":
		default:
			return "", fmt.Errorf("%s on %s: window %d decided %s/%s, want wait then %s", service, target, w+1,
				out.Decision.Action, out.Decision.Reason, want)
		}
	}
	return "", fmt.Errorf("%s on %s: no %s within 6 windows", service, target, want)
}

func event(ctx context.Context, c Client, id, typ, detail string) error {
	return c.Do(ctx, http.MethodPost, "/v1/releases/"+id+"/events", map[string]any{"type": typ, "detail": detail}, nil)
}
