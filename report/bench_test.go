package report_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/report"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// BenchmarkBuild builds the demo story's report (4 windows, 3 metrics,
// 30 points a side) from the in-memory store: what one page view or one
// GET .../report costs beyond the store's own reads.
func BenchmarkBuild(b *testing.B) {
	st := memory.New()
	srv := httptest.NewServer(server.New(server.Config{OpenAPI: canaryjudge.OpenAPI},
		server.Deps{Store: st, Registry: prometheus.NewRegistry(), Classifier: sqlcheck.Classifier{}}))
	defer srv.Close()
	ctx := context.Background()
	story, err := demo.Run(ctx, demo.Client{URL: srv.URL}, "", time.Now().Add(-3*time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Build(ctx, st, story.RolledBack, report.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
