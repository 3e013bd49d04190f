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

// CreateAudit is the audit entry both stores append when r is created:
// the caller's entry, with the release id, the service and the time it
// left out taken from r.
func CreateAudit(audit AuditEntry, r Release) AuditEntry {
	if audit.ReleaseID == "" {
		audit.ReleaseID = r.ID
	}
	if audit.Service == "" {
		audit.Service = r.Service
	}
	if audit.At.IsZero() {
		audit.At = r.CreatedAt
	}
	return audit
}
