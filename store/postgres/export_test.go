package postgres

// PolicyDocsRead is how many policy documents s has read from PostgreSQL.
func PolicyDocsRead(s *Store) int64 { return s.policies.docsRead.Load() }
