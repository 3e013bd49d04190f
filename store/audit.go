package store

import (
	"fmt"
)

// PolicyAudit is the audit entry both stores append when a policy version
// is stored: who, which service and version, never the document (it holds
// sink secrets).
func PolicyAudit(rec PolicyRecord) AuditEntry {
	out := fmt.Appendf(nil, `{"version":%d,"metrics":%d,"notify":%d}`, rec.Version, len(rec.Policy.Metrics), len(rec.Policy.Notify))
	return AuditEntry{At: rec.CreatedAt, Actor: rec.CreatedBy, Action: "policy:put", Service: rec.Service,
		PolicyVersion: rec.Version, Output: out}
}
