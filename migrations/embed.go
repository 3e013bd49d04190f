// Package migrations holds the goose SQL migrations, embedded so that the
// binary can migrate its own database (`canaryjudge migrate`, or on serve).
package migrations

import "embed"

// FS holds every *.sql migration, applied in file-name order.
//
//go:embed *.sql
var FS embed.FS
