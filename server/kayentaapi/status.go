package kayentaapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/wire"
	"github.com/canaryjudge/canaryjudge/store"
)

// JudgeName names the judge in results: canaryjudge's reproduction of
// Netflix's NetflixACAJudge-v1.0 (kayenta mode).
const JudgeName = "canaryjudge-NetflixACAJudge-v1.0"

// StatusResponse is Kayenta's CanaryExecutionStatusResponse, the fields
// canaryjudge fills: those orca's MonitorKayentaCanaryTask reads (status,
// result.judgeResult.score.score, results[].controlMetadata.stats.count,
// application, exception) and Deck's canary report (config,
// canaryExecutionRequest, metricSetPairListId).
type StatusResponse struct {
	Application              string            `json:"application"`
	ParentPipelineExecution  string            `json:"parentPipelineExecutionId,omitempty"`
	PipelineID               string            `json:"pipelineId"`
	StageStatus              map[string]string `json:"stageStatus"`
	Complete                 bool              `json:"complete"`
	Status                   string            `json:"status"`
	Exception                *Exception        `json:"exception,omitempty"`
	Result                   *CanaryResult     `json:"result,omitempty"`
	ConfigID                 string            `json:"canaryConfigId"`
	BuildTimeMillis          int64             `json:"buildTimeMillis"`
	BuildTimeIso             string            `json:"buildTimeIso"`
	StartTimeMillis          int64             `json:"startTimeMillis"`
	StartTimeIso             string            `json:"startTimeIso"`
	EndTimeMillis            int64             `json:"endTimeMillis"`
	EndTimeIso               string            `json:"endTimeIso"`
	MetricsAccountName       string            `json:"metricsAccountName,omitempty"`
	StorageAccountName       string            `json:"storageAccountName,omitempty"`
	ConfigurationAccountName string            `json:"configurationAccountName,omitempty"`
	Config                   CanaryConfig      `json:"config"`
	CanaryExecutionRequest   json.RawMessage   `json:"canaryExecutionRequest"`
	MetricSetPairListID      string            `json:"metricSetPairListId,omitempty"`
}

// Exception says why an execution is terminal, in the shape orca gives a
// stage's exception (Deck shows details.error and details.errors).
type Exception struct {
	Message       string           `json:"message"`
	ExceptionType string           `json:"exceptionType"`
	Operation     string           `json:"operation"`
	Details       ExceptionDetails `json:"details"`
	Timestamp     int64            `json:"timestamp"`
}

// ExceptionDetails holds the message as orca's ExceptionHandler does.
type ExceptionDetails struct {
	Error  string   `json:"error"`
	Errors []string `json:"errors"`
}

// CanaryResult is Kayenta's CanaryResult.
type CanaryResult struct {
	JudgeResult JudgeResult `json:"judgeResult"`
}

// JudgeResult is Kayenta's CanaryJudgeResult.
type JudgeResult struct {
	JudgeName   string           `json:"judgeName"`
	Results     []AnalysisResult `json:"results"`
	GroupScores []GroupScore     `json:"groupScores"`
	Score       Score            `json:"score"`
}

// Score is Kayenta's CanaryJudgeScore.
type Score struct {
	Score                float64 `json:"score"`
	Classification       string  `json:"classification"` // Pass | Marginal | Fail | Nodata
	ClassificationReason string  `json:"classificationReason"`
}

// GroupScore is Kayenta's CanaryJudgeGroupScore.
type GroupScore struct {
	Name                 string  `json:"name"`
	Score                float64 `json:"score"`
	Classification       string  `json:"classification"`
	ClassificationReason string  `json:"classificationReason"`
}

// AnalysisResult is Kayenta's CanaryAnalysisResult for one metric.
type AnalysisResult struct {
	Name                 string            `json:"name"`
	ID                   string            `json:"id"`
	Tags                 map[string]string `json:"tags"`
	Classification       string            `json:"classification"` // Pass | High | Low | Nodata | Error
	ClassificationReason string            `json:"classificationReason"`
	Groups               []string          `json:"groups"`
	ExperimentMetadata   map[string]any    `json:"experimentMetadata"`
	ControlMetadata      map[string]any    `json:"controlMetadata"`
	ResultMetadata       map[string]any    `json:"resultMetadata"`
	Criticality          string            `json:"criticality"` // normal | critical
}

// Status answers GET /kayenta/canary/{executionId}.
func (h *Handler) Status(w http.ResponseWriter, r *http.Request) error {
	e, err := h.Store.KayentaExecution(r.Context(), chi.URLParam(r, "canaryId"))
	if err != nil {
		return err
	}
	if err := h.Env.Allow(r, e.Service); err != nil {
		return err
	}
	cfg, err := h.configFor(r.Context(), e)
	if err != nil {
		return err
	}
	return wire.WriteJSON(w, http.StatusOK, statusOf(e, cfg))
}

func statusOf(e store.KayentaExecution, cfg CanaryConfig) StatusResponse {
	ms := func(t time.Time) (int64, string) { return t.UnixMilli(), t.UTC().Format(time.RFC3339Nano) }
	out := StatusResponse{Application: e.Params["application"], ParentPipelineExecution: e.Params["parentPipelineExecutionId"],
		PipelineID: e.ID, StageStatus: map[string]string{"fetchControl": e.Status, "fetchExperiment": e.Status, "judge": e.Status},
		Complete: true, Status: e.Status, ConfigID: e.Service, MetricsAccountName: e.Params["metricsAccountName"],
		StorageAccountName: e.Params["storageAccountName"], ConfigurationAccountName: e.Params["configurationAccountName"],
		Config: cfg, CanaryExecutionRequest: e.Request}
	if out.Application == "" {
		out.Application = e.Service // orca's CanaryResults requires one
	}
	out.BuildTimeMillis, out.BuildTimeIso = ms(e.CreatedAt)
	out.StartTimeMillis, out.StartTimeIso = ms(e.CreatedAt)
	out.EndTimeMillis, out.EndTimeIso = ms(e.EndedAt)
	if e.Result == nil {
		out.Exception = &Exception{Message: e.Error, ExceptionType: "canaryjudge", Operation: "fetch and judge",
			Details: ExceptionDetails{Error: e.Error, Errors: []string{e.Error}}, Timestamp: e.EndedAt.UnixMilli()}
		return out
	}
	out.Result = &CanaryResult{JudgeResult: judgeResult(*e.Result)}
	out.MetricSetPairListID = e.ID
	return out
}

// verdictClass is Kayenta's score classification of a verdict.
var verdictClass = map[judge.Verdict]string{judge.VerdictPass: "Pass", judge.VerdictMarginal: "Marginal",
	judge.VerdictFail: "Fail", judge.VerdictNoData: "Nodata"}

// metricClass is Kayenta's metric classification.
var metricClass = map[judge.Classification]string{judge.ClassPass: "Pass", judge.ClassHigh: "High", judge.ClassLow: "Low",
	judge.ClassNoData: "Nodata", judge.ClassError: "Error"}

func judgeResult(res judge.Result) JudgeResult {
	jr := JudgeResult{JudgeName: JudgeName, Results: []AnalysisResult{}, GroupScores: []GroupScore{},
		Score: Score{Score: res.Score, Classification: verdictClass[res.Verdict], ClassificationReason: res.Reason}}
	for i, m := range res.Metrics {
		crit := "normal"
		if m.Critical {
			crit = "critical"
		}
		jr.Results = append(jr.Results, AnalysisResult{Name: m.Name, ID: resultID(m.Name, i), Tags: map[string]string{},
			Classification: metricClass[m.Classification], ClassificationReason: m.Reason, Groups: []string{m.Group},
			ExperimentMetadata: sideMeta(m.Canary), ControlMetadata: sideMeta(m.Baseline),
			ResultMetadata: map[string]any{"ratio": m.MeanRatio, "pValue": m.PValue, "rule": m.Rule}, Criticality: crit})
	}
	for _, g := range res.Groups {
		score := 0.0
		if g.Score != nil {
			score = *g.Score
		}
		jr.GroupScores = append(jr.GroupScores, GroupScore{Name: g.Name, Score: score, Classification: "", ClassificationReason: ""})
	}
	return jr
}

func sideMeta(s judge.SideStats) map[string]any {
	return map[string]any{"stats": map[string]any{"count": s.Points - s.NaN - s.Outliers, "mean": s.Mean, "median": s.Median,
		"min": s.Min, "max": s.Max}}
}
