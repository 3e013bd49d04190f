package sqlcheck

import "strings"

// The depth estimate. PostgreSQL's grammar builds a left-deep node for
// each binary operator of a chain (1+1+1: ((1+1)+1)), one per unary
// operator, cast or keyword operator (NOT, IS, IN, LIKE, BETWEEN, COLLATE,
// AT TIME ZONE), and one per JOIN or UNION of a chain; brackets, function
// calls and CASE add a level each. AND and OR chains are flattened into
// one node; the AND of a BETWEEN is not one of them (its bounds go on
// nesting: x BETWEEN a AND b + NOT y ...). The estimate of a statement is the deepest point of
//
//	sum over the open brackets / CASEs (and the statement itself) of
//	1 + the operators since the last comma + the JOINs and set operations
//
// which is never below the tree's depth, counted that way, for the shapes
// the crash probe measured (depth_test.go checks each against the
// parser's own tree).

// chainKeywords nest like operators.
var chainKeywords = map[string]bool{"not": true, "is": true, "isnull": true, "notnull": true, "in": true,
	"like": true, "ilike": true, "similar": true, "between": true, "collate": true, "at": true,
	"operator": true, "overlaps": true, "escape": true}

// setKeywords build a left-deep tree across commas and clauses.
var setKeywords = map[string]bool{"union": true, "intersect": true, "except": true, "join": true}

// resetKeywords start a new expression in the same frame.
var resetKeywords = map[string]bool{"and": true, "or": true, "when": true, "then": true, "else": true}

type depthFrame struct {
	chain, sets int
	betweens    int // BETWEENs whose AND is still to come
	isCase      bool
}

// depthState is the open frames and their running total, kept in step
// so that each token costs O(1): 1 + chain + sets summed over frames.
type depthState struct {
	frames []depthFrame
	total  int
}

func (d *depthState) reset()           { d.frames, d.total = append(d.frames[:0], depthFrame{}), 1 }
func (d *depthState) top() *depthFrame { return &d.frames[len(d.frames)-1] }
func (d *depthState) push(isCase bool) {
	d.frames = append(d.frames, depthFrame{isCase: isCase})
	d.total++
}
func (d *depthState) pop() {
	f := d.top()
	d.total -= 1 + f.chain + f.sets
	d.frames = d.frames[:len(d.frames)-1]
}
func (d *depthState) clearChain() { d.total -= d.top().chain; d.top().chain, d.top().betweens = 0, 0 }
func (d *depthState) addChain()   { d.top().chain++; d.total++ }

// measureSQL counts statements and tokens and estimates the deepest
// expression of any statement.
func measureSQL(text string) measure {
	var m measure
	var d depthState
	d.reset()
	stmtStart, inStmt := 0, false
	for t := range tokens(text) {
		if t.kind == tokComment {
			continue
		}
		m.tokens++
		word := text[t.start:t.end]
		if !inStmt {
			stmtStart, inStmt = t.start, true
		}
		switch {
		case t.kind == tokPunct && word == ";":
			m.statements++
			d.reset()
			inStmt = false
			continue
		case t.kind == tokPunct && (word == "(" || word == "["):
			d.push(false)
		case t.kind == tokPunct && (word == ")" || word == "]"):
			if len(d.frames) > 1 && !d.top().isCase {
				d.pop()
			}
		case t.kind == tokPunct && word == ",":
			d.clearChain()
		case t.kind == tokOp || t.kind == tokPunct && word == "::":
			d.addChain()
		case t.kind == tokIdent:
			d.keyword(strings.ToLower(word))
		}
		if d.total > m.depth {
			m.depth, m.depthAt = d.total, stmtStart
		}
	}
	if inStmt {
		m.statements++
	}
	return m
}

// keyword applies an identifier or keyword to the open frames.
func (d *depthState) keyword(w string) {
	switch {
	case w == "case":
		d.push(true)
	case w == "end" && d.top().isCase && len(d.frames) > 1:
		d.pop()
	case w == "and" && d.top().betweens > 0:
		d.top().betweens-- // a BETWEEN's bounds: the chain goes on
	case chainKeywords[w]:
		d.addChain()
		if w == "between" {
			d.top().betweens++
		}
	case setKeywords[w]:
		d.top().sets++
		d.total++
	case resetKeywords[w]:
		d.clearChain()
	}
}
