// Package canaryjudge holds what the whole module shares at its root: the
// OpenAPI contract, embedded so the binary serves it and tests validate
// real responses against it.
package canaryjudge

import _ "embed"

// OpenAPI is openapi.yaml, the HTTP contract.
//
//go:embed openapi.yaml
var OpenAPI []byte
