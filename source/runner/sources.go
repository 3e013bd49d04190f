package runner

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/store"
)

// sourceCache opens each configured source once per version of its config.
type sourceCache struct {
	st       Store
	backends map[string]source.Backend
	static   map[string]store.SourceRecord
	mu       sync.Mutex
	open     map[string]openSource
}

type openSource struct {
	config []byte
	src    source.Source
}

func (c *sourceCache) get(ctx context.Context, name string) (source.Source, error) {
	rec, ok := c.static[name]
	if !ok {
		var err error
		if rec, err = c.st.GetSource(ctx, name); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.open[name]; ok && bytes.Equal(o.config, rec.Config) {
		return o.src, nil
	}
	b, ok := c.backends[rec.Type]
	if !ok {
		return nil, fmt.Errorf("no backend of type %q in this build", rec.Type)
	}
	src, err := b.Open(name, rec.Config)
	if err != nil {
		return nil, err
	}
	c.open[name] = openSource{config: bytes.Clone(rec.Config), src: src}
	return src, nil
}
