package kayentaapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/server/wire"
)

// MetricStore is a configured metric source, as GET /credentials lists it.
type MetricStore struct {
	Name string
	Type string // the backend, e.g. prometheus
}

// Account is one of Kayenta's AccountCredentials as its /credentials
// lists them (orca reads name and type; Deck reads supportedTypes).
type Account struct {
	Name                 string   `json:"name"`
	Type                 string   `json:"type"`
	SupportedTypes       []string `json:"supportedTypes"`
	MetricsStoreType     string   `json:"metricsStoreType,omitempty"`
	Locations            []string `json:"locations"`
	RecommendedLocations []string `json:"recommendedLocations"`
}

// StoreAccount is the account that stands for canaryjudge's own store:
// Kayenta's configuration store (the policies) and object store (the
// executions). Clients may name it, or any account: the names are
// accepted and ignored.
const StoreAccount = "canaryjudge"

// Kayenta's account types.
const (
	TypeMetricsStore       = "METRICS_STORE"
	TypeObjectStore        = "OBJECT_STORE"
	TypeConfigurationStore = "CONFIGURATION_STORE"
)

// Credentials answers GET /kayenta/credentials: every configured metric
// source (its name is a metricsAccountName), and the store. orca's canary
// stage asks for it after every successful execution when the stage names
// a metrics account, and fails the stage when it is missing.
func (h *Handler) Credentials(w http.ResponseWriter, r *http.Request) error {
	var stores []MetricStore
	if h.MetricStores != nil {
		var err error
		if stores, err = h.MetricStores(r.Context()); err != nil {
			return err
		}
	}
	out := []Account{}
	own := Account{Name: StoreAccount, Type: StoreAccount, SupportedTypes: []string{TypeConfigurationStore, TypeObjectStore}}
	for _, s := range stores {
		a := Account{Name: s.Name, Type: s.Type, SupportedTypes: []string{TypeMetricsStore}, MetricsStoreType: s.Type}
		if s.Name == StoreAccount { // one account of that name, with every type
			a.SupportedTypes, own.Name = append(a.SupportedTypes, own.SupportedTypes...), ""
		}
		out = append(out, a)
	}
	if own.Name != "" {
		out = append(out, own)
	}
	for i := range out {
		out[i].Locations, out[i].RecommendedLocations = []string{}, []string{}
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.Name, b.Name) })
	return wire.WriteJSON(w, http.StatusOK, out)
}

// Judge is one of Kayenta's CanaryJudges as GET /judges lists them.
type Judge struct {
	Name    string `json:"name"`
	Visible bool   `json:"visible"`
}

// Judges answers GET /kayenta/judges: canaryjudge's kayenta mode.
func (h *Handler) Judges(w http.ResponseWriter, r *http.Request) error {
	return wire.WriteJSON(w, http.StatusOK, []Judge{{Name: JudgeName, Visible: true}})
}

// CancelResponse is PUT /kayenta/pipelines/{id}/cancel's answer (Kayenta
// answers 202 with no body; orca, which calls it when a canary stage is
// cancelled, reads none).
type CancelResponse struct {
	CanaryExecutionID string `json:"canaryExecutionId"`
	Status            string `json:"status"`
	Message           string `json:"message"`
}

// Cancel answers PUT /kayenta/pipelines/{id}/cancel. canaryjudge judges an
// execution before POST /canary answers, so every execution is complete;
// like Kayenta for a complete execution, it changes nothing.
func (h *Handler) Cancel(w http.ResponseWriter, r *http.Request) error {
	e, err := h.Store.KayentaExecution(r.Context(), chi.URLParam(r, "canaryId"))
	if err != nil {
		return err
	}
	if err := h.Env.Allow(r, e.Service); err != nil {
		return err
	}
	return wire.WriteJSON(w, http.StatusAccepted, CancelResponse{CanaryExecutionID: e.ID, Status: e.Status,
		Message: "execution " + e.ID + " is already complete (" + e.Status + "): canaryjudge judges an execution before " +
			"POST /canary answers, so there is nothing to cancel"})
}

// Standalone answers every /kayenta/standalone_canary_analysis route:
// 501, naming what does the same.
func (h *Handler) Standalone(w http.ResponseWriter, r *http.Request) error {
	return wire.Errorf(http.StatusNotImplemented, "standalone-canary-analysis", "Standalone canary analysis is not served",
		"canaryjudge does not serve Kayenta's standalone_canary_analysis (an analysis spread over intervals); instead use "+
			"Spinnaker's canary stage (orca runs the intervals and calls POST /kayenta/canary/{configId} for each), or a "+
			"scheduled run: POST /v1/releases/{id}/runs with interval, lifetime and begin_after, polled at the Location it "+
			"answers and cancelled with DELETE /v1/runs/{run}")
}
