package engine

import (
	"bytes"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// A decision's documents are encoded once. The analysis result (about
// 11 KB of JSON for 10 metrics) and the decision are encoded where they
// are made; the store saves those bytes, and the response and the audit
// entry are spliced around them instead of encoding the same values again.
// Splicing is plain appending: handing encoding/json the bytes as a
// json.RawMessage would have it re-validate them, which costs as much as
// encoding them. The response comes out byte for byte as encoding the
// Outcome would (TestOutcomeEncodedOnce); the types below are the parts
// around the documents.

// analysisHead and analysisTail are store.Analysis's encoded fields
// before and after its result (TestAnalysisPartsMirrorAnalysis).
type analysisHead struct {
	ID        int64        `json:"id"`
	ReleaseID string       `json:"release_id"`
	Seq       int          `json:"seq"`
	Window    judge.Window `json:"window"`
}

type analysisTail struct {
	SourceError   string    `json:"source_error,omitempty"`
	PolicyVersion int       `json:"policy_version"`
	CreatedAt     time.Time `json:"created_at"`
}

// encodeOutcome is store.EncodeJSON(out), with the decision's encoding dj
// and the analysis's ResultJSON (when it has one) appended as they are.
// Outcome's encoded fields are release, analysis, decision and duplicate,
// in that order (TestOutcomeFields).
func encodeOutcome(out Outcome, dj []byte) ([]byte, error) {
	rel, err := store.EncodeJSON(out.Release)
	if err != nil {
		return nil, err
	}
	// Room for all of it at once: the result alone is about 11 KB, and
	// growing to it by appending would copy it several times over.
	size := len(rel) + len(dj) + 1024
	if out.Analysis != nil {
		size += len(out.Analysis.ResultJSON)
	}
	b := make([]byte, 0, size)
	b = append(append(b, `{"release":`...), trimNL(rel)...)
	if a := out.Analysis; a != nil {
		if b, err = appendAnalysis(append(b, `,"analysis":`...), *a); err != nil {
			return nil, err
		}
	}
	b = append(append(b, `,"decision":`...), trimNL(dj)...)
	if out.Duplicate {
		b = append(b, `,"duplicate":true`...)
	}
	return append(b, "}\n"...), nil
}

// appendAnalysis appends a's encoding, its result as ResultJSON (encoded
// here, by the encoder the engine uses, when a has a result but not its
// encoding).
func appendAnalysis(b []byte, a store.Analysis) ([]byte, error) {
	head, err := store.EncodeJSON(analysisHead{ID: a.ID, ReleaseID: a.ReleaseID, Seq: a.Seq, Window: a.Window})
	if err != nil {
		return nil, err
	}
	tail, err := store.EncodeJSON(analysisTail{SourceError: a.SourceError, PolicyVersion: a.PolicyVersion, CreatedAt: a.CreatedAt})
	if err != nil {
		return nil, err
	}
	res := a.ResultJSON
	if res == nil && a.Result != nil {
		if res, err = a.Result.AppendJSON(nil); err != nil {
			return nil, err
		}
	}
	head, tail = trimNL(head), trimNL(tail)
	b = append(b, head[:len(head)-1]...) // without its closing brace
	if res != nil {
		b = append(append(b, `,"result":`...), trimNL(res)...)
	}
	return append(append(b, ','), tail[1:]...), nil // without its opening brace
}

// auditOutput is what the audit log keeps of a decision: its analysis,
// the decision (dj as it is) and the state it left.
func auditOutput(analysisID *int64, dj []byte, from judge.State) ([]byte, error) {
	id, err := store.EncodeJSON(analysisID)
	if err != nil {
		return nil, err
	}
	st, err := store.EncodeJSON(from)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(dj)+64)
	b = append(append(b, `{"analysis_id":`...), trimNL(id)...)
	b = append(append(b, `,"decision":`...), trimNL(dj)...)
	b = append(append(b, `,"state_from":`...), trimNL(st)...)
	return append(b, '}'), nil
}

// trimNL is an EncodeJSON encoding without the newline it ends with.
func trimNL(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\n")) }
