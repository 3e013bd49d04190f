package postgres

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/canaryjudge/canaryjudge/judge"
)

// policyCache holds decoded policy versions (a nil cache holds nothing),
// and what lets a read leave out a document it holds: the newest version
// it holds of each service, and the service of each release it has seen
// (a release never changes service). Both are only hints: the read names
// the service and version whose document it may leave out, and PostgreSQL
// sends the document whenever the newest version is another one.
type policyCache struct {
	mu       sync.Mutex
	m        map[string]judge.Policy // by policyKey
	newest   map[string]int          // service -> newest version in m
	services map[string]string       // release id -> service
	docsRead atomic.Int64            // documents read from PostgreSQL (for tests)
}

// Bounds: a fleet's policies, not their history; a fleet's recent
// releases, not all of them. Full, a map starts again empty.
const (
	policyCacheMax  = 4096
	releaseCacheMax = 65536
)

// policyHint is the newest version of a service's policy that the cache
// holds, decoded (version 0: none).
type policyHint struct {
	service string
	version int
	policy  judge.Policy
}

func policyKey(service string, version int) string {
	return service + "\x00" + strconv.Itoa(version)
}

func (c *policyCache) get(key string) (judge.Policy, bool) {
	if c == nil {
		return judge.Policy{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[key]
	return p.Clone(), ok
}

func (c *policyCache) put(service string, version int, p judge.Policy) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= policyCacheMax {
		c.m, c.newest = map[string]judge.Policy{}, map[string]int{}
	}
	c.m[policyKey(service, version)] = p.Clone()
	if version > c.newest[service] {
		c.newest[service] = version
	}
}

// countDocument counts a document read from PostgreSQL.
func (c *policyCache) countDocument() {
	if c != nil {
		c.docsRead.Add(1)
	}
}

// hint is the newest version of service's policy the cache holds.
func (c *policyCache) hint(service string) policyHint {
	if c == nil {
		return policyHint{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hintLocked(service)
}

// releaseHint is hint for the service of release id, if the cache has seen
// the release.
func (c *policyCache) releaseHint(id string) policyHint {
	if c == nil {
		return policyHint{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	service, ok := c.services[id]
	if !ok {
		return policyHint{}
	}
	return c.hintLocked(service)
}

func (c *policyCache) hintLocked(service string) policyHint {
	v, ok := c.newest[service]
	if !ok {
		return policyHint{}
	}
	return policyHint{service: service, version: v, policy: c.m[policyKey(service, v)].Clone()}
}

// noteRelease records that release id belongs to service.
func (c *policyCache) noteRelease(id, service string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.services == nil || len(c.services) >= releaseCacheMax {
		c.services = map[string]string{}
	}
	c.services[id] = service
}
