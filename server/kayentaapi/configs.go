package kayentaapi

import (
	"net/http"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/wire"
)

// CanaryConfigSummary is one entry of GET /kayenta/canaryConfig, as Kayenta
// lists its stored configs.
type CanaryConfigSummary struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	UpdatedTimestamp    int64    `json:"updatedTimestamp"`
	UpdatedTimestampIso string   `json:"updatedTimestampIso"`
	Applications        []string `json:"applications"`
}

// ListConfigs answers GET /kayenta/canaryConfig: every service whose policy
// is in kayenta mode (its name is both the config's id and name, and its
// application), filtered by ?application= when given. The account names
// are accepted and ignored: canaryjudge has one store.
func (h *Handler) ListConfigs(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r)
	if err != nil {
		return err
	}
	recs, err := h.Store.ListPolicies(r.Context())
	if err != nil {
		return err
	}
	out := []CanaryConfigSummary{}
	for _, rec := range recs {
		if rec.Policy.Mode != judge.ModeKayenta || (q["application"] != "" && q["application"] != rec.Service) {
			continue
		}
		if h.Env.Allow(r, rec.Service) != nil {
			continue // a token limited to other services does not see it
		}
		out = append(out, CanaryConfigSummary{ID: rec.Service, Name: rec.Service, UpdatedTimestamp: rec.CreatedAt.UnixMilli(),
			UpdatedTimestampIso: rec.CreatedAt.UTC().Format(time.RFC3339Nano), Applications: []string{rec.Service}})
	}
	return wire.WriteJSON(w, http.StatusOK, out)
}
