package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// PagerDutyEventsURL is the public Events API v2 endpoint, used when a pagerduty
// sink has no URL.
const PagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"

// pdSummaryMax is PagerDuty's limit on payload.summary, in characters.
const pdSummaryMax = 1024

// pdEvent is an Events API v2 request body. A resolve carries no payload.
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"`
}

type pdPayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     string          `json:"timestamp"`
	CustomDetails json.RawMessage `json:"custom_details,omitempty"`
}

// pagerDutySender sends pages as triggers and resolves as resolves, both keyed by
// the release id so that every page about one release is one incident.
type pagerDutySender struct {
	client *http.Client
	source string
	now    func() time.Time
}

func (s pagerDutySender) send(ctx context.Context, m outbox.Message, sink judge.Sink) error {
	if sink.RoutingKey == "" {
		return permanentf("pagerduty sink has no routing_key")
	}
	if m.ReleaseID == "" {
		return permanentf("pagerduty needs a release id for dedup_key")
	}
	ev := pdEvent{RoutingKey: sink.RoutingKey, DedupKey: m.ReleaseID}
	switch m.Kind {
	case outbox.KindPage:
		ev.EventAction = "trigger"
		ev.Payload = s.payload(m)
	case outbox.KindResolve:
		ev.EventAction = "resolve"
	case outbox.KindInfo:
		return fmt.Errorf("%w: pagerduty takes only page and resolve, not info", errSkipped)
	default:
		return permanentf("unknown message kind %q for pagerduty", m.Kind)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return permanentf("encode pagerduty event: %v", err)
	}
	url := sink.URL
	if url == "" {
		url = PagerDutyEventsURL
	}
	return postJSON(ctx, s.client, url, body, nil)
}

func (s pagerDutySender) payload(m outbox.Message) *pdPayload {
	summary := m.Summary
	if summary == "" {
		summary = fmt.Sprintf("%s/%s release %s needs a human", m.Service, m.Target, m.ReleaseID)
	}
	at := m.CreatedAt
	if at.IsZero() {
		at = s.now()
	}
	return &pdPayload{
		Summary:       truncate(summary, pdSummaryMax),
		Source:        s.source,
		Severity:      pdSeverity(m.Severity),
		Timestamp:     at.UTC().Format(time.RFC3339),
		CustomDetails: m.Details,
	}
}

// pdSeverity maps a message severity onto PagerDuty's four, which it requires.
// Anything else becomes "error": a page about an unknown severity is still a page.
func pdSeverity(s string) string {
	switch s {
	case outbox.SeverityCritical, outbox.SeverityError, outbox.SeverityWarning, outbox.SeverityInfo:
		return s
	}
	return outbox.SeverityError
}
