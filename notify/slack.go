package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// slackSender posts one plain line to a Slack incoming webhook.
type slackSender struct {
	client *http.Client
}

type slackBody struct {
	Text string `json:"text"`
}

func (s slackSender) send(ctx context.Context, m outbox.Message, sink judge.Sink) error {
	body, err := json.Marshal(slackBody{Text: SlackText(m)})
	if err != nil {
		return permanentf("encode slack body: %v", err)
	}
	return postJSON(ctx, s.client, sink.URL, body, nil)
}

// decisionBrief is the part of Message.Details a human line needs.
type decisionBrief struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// SlackText is the line sent to Slack, for example
//
//	[PAGE] payments/eu-west release r-123: escalate (rollback_cap) — two rollbacks in 1h
//
// The action and reason come from Details when it holds them. Slack's control
// characters (&, <, >) are escaped so user text cannot form mentions or links.
func SlackText(m outbox.Message) string {
	var b strings.Builder
	b.WriteString("[")
	b.WriteString(strings.ToUpper(m.Kind))
	b.WriteString("] ")
	b.WriteString(m.Service)
	if m.Target != "" {
		b.WriteString("/")
		b.WriteString(m.Target)
	}
	b.WriteString(" release ")
	b.WriteString(m.ReleaseID)
	var d decisionBrief
	if len(m.Details) > 0 && json.Unmarshal(m.Details, &d) == nil && d.Action != "" {
		b.WriteString(": ")
		b.WriteString(d.Action)
		if d.Reason != "" {
			b.WriteString(" (")
			b.WriteString(d.Reason)
			b.WriteString(")")
		}
	}
	if s := strings.Join(strings.Fields(m.Summary), " "); s != "" {
		b.WriteString(" — ")
		b.WriteString(s)
	}
	return slackEscape(b.String())
}

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackEscape(s string) string { return slackEscaper.Replace(s) }
