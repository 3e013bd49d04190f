package kayentaapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/wire"
	"github.com/canaryjudge/canaryjudge/store"
)

// CanaryConfig is Kayenta's CanaryConfig as Deck's canary screens read it
// (deck-kayenta ICanaryConfig): a service's kayenta-mode policy.
type CanaryConfig struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Description         string            `json:"description"`
	ConfigVersion       string            `json:"configVersion"`
	Applications        []string          `json:"applications"`
	CreatedTimestamp    int64             `json:"createdTimestamp"`
	CreatedTimestampIso string            `json:"createdTimestampIso"`
	UpdatedTimestamp    int64             `json:"updatedTimestamp"`
	UpdatedTimestampIso string            `json:"updatedTimestampIso"`
	Judge               ConfigJudge       `json:"judge"`
	Metrics             []ConfigMetric    `json:"metrics"`
	Templates           map[string]string `json:"templates"`
	Classifier          Classifier        `json:"classifier"`
}

// ConfigJudge is Kayenta's CanaryJudgeConfig.
type ConfigJudge struct {
	Name                string         `json:"name"`
	JudgeConfigurations map[string]any `json:"judgeConfigurations"`
}

// ConfigMetric is Kayenta's CanaryMetricConfig.
type ConfigMetric struct {
	Name                   string                    `json:"name"`
	Query                  MetricQuery               `json:"query"`
	Groups                 []string                  `json:"groups"`
	AnalysisConfigurations map[string]map[string]any `json:"analysisConfigurations"`
	ScopeName              string                    `json:"scopeName"`
}

// MetricQuery is a Prometheus CanaryMetricSetQueryConfig holding the
// metric's whole query: Kayenta reads "PromQL:<query>" in
// customInlineTemplate as a complete expression, and Deck's "copy metric
// query" reads metricName. {{scope}} marks where canaryjudge puts each
// side's label matchers.
type MetricQuery struct {
	Type                 string `json:"type"`
	ServiceType          string `json:"serviceType"`
	QueryType            string `json:"queryType"`
	MetricName           string `json:"metricName"`
	CustomInlineTemplate string `json:"customInlineTemplate"`
}

// Classifier is Kayenta's CanaryClassifierConfig.
type Classifier struct {
	GroupWeights    map[string]float64 `json:"groupWeights"`
	ScoreThresholds Thresholds         `json:"scoreThresholds"`
}

// GetConfig answers GET /kayenta/canaryConfig/{id}: the service's
// kayenta-mode policy as a Kayenta canary config.
func (h *Handler) GetConfig(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	service := chi.URLParam(r, "canaryId")
	if err := h.Env.Allow(r, service); err != nil {
		return err
	}
	pol, err := h.policy(r.Context(), service)
	if err != nil {
		return err
	}
	return wire.WriteJSON(w, http.StatusOK, configOf(pol))
}

// configOf renders a policy as a canary config; every metric reads scope
// ScopeName.
func configOf(rec store.PolicyRecord) CanaryConfig {
	p := rec.Policy
	ms, iso := rec.CreatedAt.UnixMilli(), rec.CreatedAt.UTC().Format(time.RFC3339Nano)
	c := CanaryConfig{ID: rec.Service, Name: rec.Service, ConfigVersion: strconv.Itoa(rec.Version), Applications: []string{rec.Service},
		Description:      "canaryjudge policy of " + rec.Service + ", version " + strconv.Itoa(rec.Version) + " (PUT /v1/services/" + rec.Service + "/policy changes it)",
		CreatedTimestamp: ms, CreatedTimestampIso: iso, UpdatedTimestamp: ms, UpdatedTimestampIso: iso,
		Judge: ConfigJudge{Name: JudgeName, JudgeConfigurations: map[string]any{
			"tolerance": p.Kayenta.Tolerance, "confLevel": p.Kayenta.ConfLevel}},
		Metrics: []ConfigMetric{}, Templates: map[string]string{},
		Classifier: Classifier{GroupWeights: map[string]float64{}, ScoreThresholds: Thresholds{Pass: p.Thresholds.Pass, Marginal: p.Thresholds.Marginal}}}
	for g, wt := range p.Groups {
		c.Classifier.GroupWeights[g] = wt
	}
	for _, m := range p.Metrics {
		c.Metrics = append(c.Metrics, ConfigMetric{Name: m.Name, Groups: []string{m.Group}, ScopeName: ScopeName,
			Query: MetricQuery{Type: "prometheus", ServiceType: "prometheus", QueryType: "PROMQL", MetricName: m.Query,
				CustomInlineTemplate: "PromQL:" + m.Query},
			AnalysisConfigurations: map[string]map[string]any{"canary": analysisOf(m)}})
	}
	return c
}

// outlierStrategy maps canaryjudge's outlier strategies onto Kayenta's
// (keep | remove, the latter by IQR); ksigma has no Kayenta name.
var outlierStrategy = map[string]string{judge.OutliersNone: "keep", judge.OutliersIQR: "remove", judge.OutliersKSigma: "ksigma"}

// analysisOf is a metric's analysisConfigurations.canary, in the keys
// NetflixACAJudge reads; options left at their defaults are left out.
func analysisOf(m judge.Metric) map[string]any {
	a := map[string]any{"direction": string(m.Direction), "critical": m.Critical, "mustHaveData": m.MustHaveData}
	if m.NaNStrategy != "" {
		a["nanStrategy"] = m.NaNStrategy
	}
	if m.Outliers.Strategy != "" {
		o := map[string]any{"strategy": outlierStrategy[m.Outliers.Strategy]}
		if m.Outliers.Factor != 0 {
			o["outlierFactor"] = m.Outliers.Factor
		}
		a["outliers"] = o
	}
	e := m.EffectSize
	if e != (judge.EffectSize{}) {
		es := map[string]any{}
		if e.Measure == judge.MeasureMeanRatio {
			es["measure"] = "meanRatio"
		} else if e.Measure != "" {
			es["measure"] = e.Measure
		}
		for k, v := range map[string]float64{"allowedIncrease": e.AllowedIncrease, "allowedDecrease": e.AllowedDecrease,
			"criticalIncrease": e.CriticalIncrease, "criticalDecrease": e.CriticalDecrease} {
			if v != 0 {
				es[k] = v
			}
		}
		a["effectSize"] = es
	}
	return a
}
