package spinnaker_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// docSection is the first fenced block of lang after heading in
// docs/integrations/spinnaker.md.
func docSection(t *testing.T, heading, lang string) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../docs/integrations/spinnaker.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)" + regexp.QuoteMeta(heading) + ".*?```" + lang + "\n(.*?)```").FindSubmatch(raw)
	if m == nil {
		t.Fatalf("docs/integrations/spinnaker.md has no %s block under %q", lang, heading)
	}
	return m[1]
}

// The documented deploy stage, read as orca reads it
// (MonitoredDeployStrategy.groovy at orca 2fdb327a: MonitoredDeployStageData,
// FailureActions, DeploymentMonitorStageConfig), really rolls back: orca
// deletes a cluster's "rollback" key and rolls back only for
// failureActions.rollback Automatic or Manual. Its monitor is the one the
// documented orca.yml registers, at canaryjudge's monitor path.
func TestDocumentedDeployStageRollsBack(t *testing.T) {
	var cfg struct {
		MonitoredDeploy struct {
			Enabled            bool
			DeploymentMonitors []struct{ ID, BaseURL string }
		} `json:"monitoredDeploy"`
	}
	js, err := yaml.YAMLToJSON(docSection(t, "## 2. Monitored deploy", "yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &cfg); err != nil || !cfg.MonitoredDeploy.Enabled || len(cfg.MonitoredDeploy.DeploymentMonitors) != 1 {
		t.Fatalf("the documented orca.yml: %v %+v", err, cfg)
	}
	mon := cfg.MonitoredDeploy.DeploymentMonitors[0]
	if !strings.HasSuffix(mon.BaseURL, "/spinnaker/v1") {
		t.Fatalf("monitor baseUrl %q: orca appends /deployment/starting to it", mon.BaseURL)
	}

	var stage struct {
		Type     string
		Clusters []map[string]json.RawMessage
	}
	if err := json.Unmarshal(docSection(t, "## 2. Monitored deploy", "json"), &stage); err != nil || stage.Type != "deploy" || len(stage.Clusters) != 1 {
		t.Fatalf("the documented deploy stage: %v %+v", err, stage)
	}
	c := stage.Clusters[0]
	if _, ok := c["rollback"]; ok {
		t.Fatal(`the documented cluster has "rollback", which MonitoredDeployStrategy deletes`)
	}
	var data struct {
		Strategy       string
		DeploySteps    []int
		FailureActions struct {
			Rollback         string
			DestroyInstances bool
		}
		DeploymentMonitor struct {
			ID                         string
			Parameters                 map[string]any
			MaxAnalysisMinutesOverride *int
			FailOnErrorOverride        *bool
		}
	}
	whole, _ := json.Marshal(c)
	dec := json.NewDecoder(bytes.NewReader(whole))
	if err := dec.Decode(&data); err != nil {
		t.Fatal(err)
	}
	if data.Strategy != "monitored" || data.FailureActions.Rollback != "Automatic" || len(data.DeploySteps) == 0 {
		t.Fatalf("strategy %q, failureActions.rollback %q (orca rolls back only for Automatic or Manual), steps %v",
			data.Strategy, data.FailureActions.Rollback, data.DeploySteps)
	}
	if data.DeploymentMonitor.ID != mon.ID || data.DeploymentMonitor.Parameters["service"] != "checkout" {
		t.Fatalf("deploymentMonitor %+v, want id %q and parameters.service", data.DeploymentMonitor, mon.ID)
	}
}
