package canaryjudge

import _ "embed"

// ExamplePolicy is judge/testdata/policy.yaml, the shipped example policy
// (the checkout service): the game day derives its scenario policies from
// it and `canaryjudge render` documents it, so neither copies its values.
//
//go:embed judge/testdata/policy.yaml
var ExamplePolicy []byte
