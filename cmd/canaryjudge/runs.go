package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/canaryjudge/canaryjudge/server"
	sourcebackends "github.com/canaryjudge/canaryjudge/source/backends"
	"github.com/canaryjudge/canaryjudge/source/runner"
	"github.com/canaryjudge/canaryjudge/store"
)

// backends are the metric source types this build can pull from.
var backends = sourcebackends.All()

// runsConfig is the scheduled-run part of serve's flags.
type runsConfig struct {
	SourcesFile string
	runner.Options
}

func (c *runsConfig) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.SourcesFile, "sources", "", "YAML or JSON file of metric sources ({sources: [{name, type, config}]}); they win over PUT /v1/sources")
	fs.IntVar(&c.Workers, "run-workers", runner.DefaultWorkers, "how many scheduled windows this replica runs at once")
	fs.DurationVar(&c.Poll, "run-poll", runner.DefaultPoll, "how often idle run workers look for due windows")
	fs.DurationVar(&c.Lease, "run-lease", runner.DefaultLease, "how long a worker holds a run; a crashed worker's run is taken over after it")
}

func (c runsConfig) validate() error {
	if c.Workers < 1 || c.Workers > 1024 || c.Poll <= 0 || c.Lease < 10*time.Second {
		return fmt.Errorf("invalid configuration: --run-workers must be 1 to 1024, --run-poll positive, --run-lease at least 10s")
	}
	return nil
}

// sourcesFile is the --sources document.
type sourcesFile struct {
	Sources []struct {
		Name   string          `json:"name"`
		Type   string          `json:"type"`
		Config json.RawMessage `json:"config"`
	} `json:"sources"`
}

// loadSources reads and validates the --sources file ("" = none).
func loadSources(path string) (map[string]store.SourceRecord, error) {
	out := map[string]store.SourceRecord{}
	if path == "" {
		return out, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--sources: %w", err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("--sources %s: %w", path, err)
	}
	var f sourcesFile
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("--sources %s: %w", path, err)
	}
	var problems []string
	for i, s := range f.Sources {
		b, ok := backends[s.Type]
		switch {
		case !store.ValidName(s.Name):
			problems = append(problems, fmt.Sprintf("sources[%d].name: must be %s", i, store.NameRule))
		case out[s.Name].Name != "":
			problems = append(problems, fmt.Sprintf("sources[%d].name: %s is defined twice", i, s.Name))
		case !ok:
			problems = append(problems, fmt.Sprintf("sources[%d].type: must be prometheus", i))
		default:
			cfg, err := b.Validate(s.Config, nil)
			if err != nil {
				problems = append(problems, fmt.Sprintf("sources[%d] (%s): %v", i, s.Name, err))
				continue
			}
			out[s.Name] = store.SourceRecord{Name: s.Name, Type: s.Type, Config: cfg, UpdatedBy: "file:" + path}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("--sources %s: %s", path, strings.Join(problems, "; "))
	}
	return out, nil
}

// startRuns runs this replica's scheduled-run workers until stop is called;
// stop waits for the windows in flight to give their runs back.
func startRuns(h *server.Server, st store.Full, o runner.Options) (stop func()) {
	return runner.New(st, h.Engine(), o).Start()
}
