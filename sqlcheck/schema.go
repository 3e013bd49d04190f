package sqlcheck

// schema is what the files of one check have taught the classifier, file
// after file: column types, the relations they dropped, the CHECK (col IS
// NOT NULL) constraints they added and the columns they made NOT NULL.
// It never makes an object "new": only the migration being checked can
// create what the previous release cannot know (migration.created).
type schema struct {
	cat     catalog
	dropped map[string]bool       // relations an earlier statement dropped (and nothing re-created)
	checks  map[string]*nullCheck // "rel.constraint" → a CHECK (col IS NOT NULL)
	notNull map[string]bool       // "rel.col" known NOT NULL
	file    int                   // how many files the check has read, this one included
}

// nullCheck is a CHECK (col IS NOT NULL) constraint a checked file added.
type nullCheck struct {
	col       string
	validated bool
	file      int // the file that added it
}

func newSchema() *schema {
	return &schema{cat: catalog{}, dropped: map[string]bool{}, checks: map[string]*nullCheck{}, notNull: map[string]bool{}}
}

// checkOn finds a CHECK (col IS NOT NULL) on rel.col.
func (s *schema) checkOn(rel, col string) *nullCheck {
	var best *nullCheck
	for k, c := range s.checks {
		if c.col == col && len(k) > len(rel) && k[:len(rel)+1] == rel+"." {
			if best == nil || c.validated && !best.validated {
				best = c
			}
		}
	}
	return best
}

// dropRel forgets what the schema knew of a relation.
func (s *schema) dropRel(rel string) {
	s.cat.drop(rel)
	s.dropped[rel] = true
	for k := range s.checks {
		if len(k) > len(rel) && k[:len(rel)+1] == rel+"." {
			delete(s.checks, k)
		}
	}
	for k := range s.notNull {
		if len(k) > len(rel) && k[:len(rel)+1] == rel+"." {
			delete(s.notNull, k)
		}
	}
}

// newCol is a column the migration being checked added.
type newCol struct {
	filled  bool // a default, identity, serial or generated value fills it
	notNull bool
}
