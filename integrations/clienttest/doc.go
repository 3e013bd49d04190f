// Package clienttest runs the deploy tools' own client code against an
// in-process canaryjudge (canaryjudgetest.NewServer): Argo Rollouts'
// kayenta and web metric providers and Flagger's webhook caller. It is a
// module of its own so that canaryjudge's module does not depend on
// Kubernetes. The manifests the tests use are read from
// docs/integrations/*.md, so the documented recipes are the tested ones.
//
// Versions: github.com/argoproj/argo-rollouts v1.8.3 (v1.10 needs a newer
// Go than 1.26; v1.8.3's k8s.io v0.0.0 => v0.29.3 replace directives are
// copied into go.mod), github.com/fluxcd/flagger v1.36.1.
package clienttest
