package judge

// Reasons recorded for events checked against the decisions (alongside
// the analysis reasons of decide.go).
const (
	// ReasonPromotedAgainstDecision: the deploy tool promoted a canary
	// whose latest decision was not promote, or while a freeze was in
	// force. The promotion is recorded (the tool already acted) and pages.
	ReasonPromotedAgainstDecision Reason = "promoted_against_decision"
	// ReasonNoAnalysis: a baking release got no analysis within the
	// policy's windows.stale_after; the sweeper halts it and pages.
	ReasonNoAnalysis Reason = "no_analysis"
)
