// Package grafana holds canaryjudge's Grafana dashboard and provisioning
// (deploy/grafana); its test checks the dashboard against the real schema
// and the real metrics.
package grafana

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/yaml"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type target struct {
	RefID      string     `json:"refId"`
	Datasource datasource `json:"datasource"`
	Expr       string     `json:"expr"`
	RawSQL     string     `json:"rawSql"`
	Format     string     `json:"format"`
}

type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		ID         int                      `json:"id"`
		Title      string                   `json:"title"`
		Datasource datasource               `json:"datasource"`
		GridPos    struct{ X, Y, W, H int } `json:"gridPos"`
		Targets    []target                 `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name       string     `json:"name"`
			Datasource datasource `json:"datasource"`
			Query      string     `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// live is a PostgreSQL-backed server on which the demo story was played,
// with its registry (server, engine and notify metrics).
type live struct {
	url string
	reg *prometheus.Registry
}

func newLive(t *testing.T) live {
	t.Helper()
	url := pgtest.URL(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(server.New(server.Config{OpenAPI: canaryjudge.OpenAPI},
		server.Deps{Store: st, Registry: reg, Classifier: sqlcheck.Classifier{}}))
	t.Cleanup(srv.Close)
	sink := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(sink.Close)
	if _, err := demo.Run(ctx, demo.Client{URL: srv.URL}, sink.URL, time.Now().Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := notify.New(st, notify.Options{Registerer: reg}).Tick(ctx); err != nil {
		t.Fatal(err)
	}
	return live{url: url, reg: reg}
}

func load(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile("dashboards/canaryjudge.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	return d
}

// provisioned reads the datasources Grafana is given.
func provisioned(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("provisioning/datasources/canaryjudge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Datasources []datasource `json:"datasources"`
	}
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		// the file has more fields than this test reads
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]string{}
	for _, d := range f.Datasources {
		out[d.UID] = d.Type
	}
	return out
}

// TestDashboard: the dashboard parses; every panel has queries on a
// provisioned datasource; every SQL query reads only the verdict_history
// view's columns (as PostgreSQL reports them) and runs on a database
// holding the demo story, returning rows; every PromQL query parses and
// names only metrics a server exports.
func TestDashboard(t *testing.T) {
	d := load(t)
	sources := provisioned(t)
	lv := newLive(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, lv.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	columns := viewColumns(t, conn)
	metrics := exported(t, lv.reg)
	if d.UID == "" || len(d.Panels) == 0 {
		t.Fatal("no uid or no panels")
	}
	var ids []int
	for _, p := range d.Panels {
		if slices.Contains(ids, p.ID) || p.GridPos.W < 1 || p.GridPos.X+p.GridPos.W > 24 || len(p.Targets) == 0 {
			t.Errorf("panel %d %q: duplicate id, bad position %+v or no query", p.ID, p.Title, p.GridPos)
		}
		ids = append(ids, p.ID)
		for _, tg := range p.Targets {
			if typ, ok := sources[tg.Datasource.UID]; !ok || typ != tg.Datasource.Type {
				t.Errorf("panel %q: datasource %+v is not provisioned (%v)", p.Title, tg.Datasource, sources)
			}
			switch tg.Datasource.Type {
			case "prometheus":
				checkPromQL(t, p.Title, tg.Expr, metrics)
			case "grafana-postgresql-datasource":
				checkSQL(t, conn, p.Title, tg.RawSQL, columns, true)
			default:
				t.Errorf("panel %q: unexpected datasource type %q", p.Title, tg.Datasource.Type)
			}
		}
	}
	for _, v := range d.Templating.List {
		checkSQL(t, conn, "variable "+v.Name, v.Query, columns, true)
	}
}

// TestProvisionedByCompose: docker-compose.yml runs Grafana with this
// folder's provisioning and dashboards mounted where the provisioning
// files say they are.
func TestProvisionedByCompose(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Volumes []string `json:"volumes"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	g, ok := compose.Services["grafana"]
	if !ok {
		t.Fatal("docker-compose.yml has no grafana service")
	}
	mounts := map[string]string{} // container path -> host path
	for _, v := range g.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			t.Fatalf("volume %q", v)
		}
		if _, err := os.Stat(filepath.Join("../..", parts[0])); err != nil {
			t.Errorf("volume %q: %v", v, err)
		}
		mounts[parts[1]] = parts[0]
	}
	if mounts["/etc/grafana/provisioning"] != "./deploy/grafana/provisioning" {
		t.Errorf("provisioning is not mounted at /etc/grafana/provisioning: %v", mounts)
	}
	pb, err := os.ReadFile("provisioning/dashboards/canaryjudge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var prov struct {
		Providers []struct {
			Options struct {
				Path string `json:"path"`
			} `json:"options"`
		} `json:"providers"`
	}
	if err := yaml.Unmarshal(pb, &prov); err != nil || len(prov.Providers) != 1 {
		t.Fatalf("dashboard provider: %v %+v", err, prov)
	}
	if host := mounts[prov.Providers[0].Options.Path]; host != "./deploy/grafana/dashboards" {
		t.Errorf("the provider reads %s, where %q is mounted; want ./deploy/grafana/dashboards", prov.Providers[0].Options.Path, host)
	}
}
