package store

import (
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// ReleaseQuery selects releases, newest first by keyset (CreatedAt, ID).
// Empty fields match everything; Services, when not empty, keeps only
// releases of those services. Limit <= 0 means no limit.
type ReleaseQuery struct {
	Service, Target string
	State           judge.State
	Services        []string
	Limit           int
	// After continues a page: releases strictly older than (AfterAt,
	// AfterID). Ignored when AfterAt is nil.
	AfterAt *time.Time
	AfterID string
}

// AuditQuery selects audit entries by keyset on the entry id. Empty
// ReleaseID and Service match every entry; Services, when not empty, keeps
// only entries of those services (entries of no service are left out).
// Ascending order (oldest first) continues with ids above AfterID; Desc
// (newest first) with ids below it (AfterID 0: from the newest). Limit <= 0
// means no limit.
type AuditQuery struct {
	ReleaseID string
	Service   string
	Services  []string
	Desc      bool
	Limit     int
	AfterID   int64
}
