// Command openapilint lints an OpenAPI document with canaryjudge's rules
// (internal/openapilint) and exits 1 when it finds any problem.
//
//	go run ./internal/openapilint/cmd/openapilint openapi.yaml
package main

import (
	"fmt"
	"os"

	"github.com/canaryjudge/canaryjudge/internal/openapilint"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: openapilint FILE")
		return 2
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ps := openapilint.Lint(raw)
	for _, p := range ps {
		fmt.Println(p)
	}
	fmt.Printf("openapilint: %s: %d problem(s)\n", args[0], len(ps))
	if len(ps) > 0 {
		return 1
	}
	return 0
}
