package store

import (
	"context"
	"time"
)

// Retention prunes what serves only for a while, in batches: replay
// records of Idempotency-Keys, delivered and dead-lettered notifications,
// and finished Kayenta executions. The history (releases, analyses,
// decisions, runs, the audit log) is never pruned.
type Retention interface {
	// Prune deletes at most limit rows of each kind older than its bound
	// (a zero bound keeps that kind) and says how many went.
	Prune(ctx context.Context, b PruneBefore, limit int) (Pruned, error)
}

// PruneBefore holds the bounds of one prune.
type PruneBefore struct {
	// Keys: idempotency records stored before it.
	Keys time.Time
	// Rows: outbox rows delivered or dead-lettered before it, and Kayenta
	// executions that ended before it.
	Rows time.Time
}

// Pruned counts the rows one prune deleted.
type Pruned struct {
	Idempotency int `json:"idempotency"`
	Outbox      int `json:"outbox"`
	Kayenta     int `json:"kayenta_executions"`
}

// Max is the largest of the counts: a prune that deleted a whole batch of
// some kind may have left more.
func (p Pruned) Max() int { return max(p.Idempotency, p.Outbox, p.Kayenta) }
