package spinnaker

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/server/wire"
)

// CancelRuns answers POST /spinnaker/v1/releases/{id}/cancel, the
// cancelEndpoint of the webhook stage that waits for a scheduled run: orca
// calls it (cancelMethod POST, the stage's customHeaders, any payload,
// which is ignored) when the pipeline is cancelled or the stage fails or
// times out. The release's running run is cancelled, so it stops judging;
// the release is left as it is.
func (h *Handler) CancelRuns(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	ctx := r.Context()
	actor := h.Env.Actor(ctx)
	runs, err := h.Releases.CancelRuns(ctx, id, "cancelled by Spinnaker (the stage's cancelEndpoint), "+actor, actor, h.Env.Now().UTC())
	if err != nil {
		return err
	}
	out := CancelResponse{ReleaseID: id, Cancelled: []string{}}
	for _, run := range runs {
		out.Cancelled = append(out.Cancelled, run.ID)
	}
	out.Message = fmt.Sprintf("cancelled %d running run(s) of release %s; the release is left as it is", len(runs), id)
	return wire.WriteJSON(w, http.StatusOK, out)
}

// CancelResponse says which runs a cancel ended.
type CancelResponse struct {
	ReleaseID string   `json:"release_id"`
	Cancelled []string `json:"cancelled"`
	Message   string   `json:"message"`
}
