package judge

// Text limits, in bytes, of a policy's free-text fields, by path pattern
// (array indexes written []). Every other string of a policy is limited to
// DefaultTextLimit and every object key (group names) to KeyTextLimit.
// They are enforced on the raw document before it is decoded
// (internal/jsontext), so a violation names the field.
var PolicyTextLimits = map[string]int{
	"metrics[].query":       16 << 10, // PromQL and friends
	"metrics[].total_query": 16 << 10,
	"notify[].url":          2048,
	"notify[].secret":       1024,
	"notify[].routing_key":  256,
}

const (
	// DefaultTextLimit bounds every string not given its own limit.
	DefaultTextLimit = 1024
	// KeyTextLimit bounds every object key.
	KeyTextLimit = 256
)
