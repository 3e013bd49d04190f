package postgres

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// Large documents are kept DEFLATE-compressed (RFC 1951) in bytea columns,
// compressed here rather than by PostgreSQL: its TOAST compression (pglz)
// saves about a tenth on the digits of a series and, with parsing the JSON
// into jsonb, was about a third of PostgreSQL's CPU per decision. Values below
// deflateMin stay plain JSON (nothing to gain).
//
// The compressor is klauspost/compress's, which writes standard DEFLATE (the
// standard library's inflater reads it: TestStoredCompressionIsStandardDeflate),
// so rows written by either, and by the previous release, read alike. Its
// level 1 compresses a decision's two documents in about 37 µs where the
// standard library's took 104 µs, 3 % smaller, with a hash table of the same
// size (128 KB). Measured in place (BenchmarkDecisionPath, 3 interleaved
// runs each), the server's CPU per decision, over the clients', fell 6.5 %;
// levels 3 and 5 save another 70 bytes a decision but gave back half of that.
// (An earlier klauspost, with a 256 KB table at level 1, had made the path
// slower: it shares the machine's caches with PostgreSQL.)
//
//   - An audit input that numpack cannot pack is Huffman-coded only (no
//     string matching): on a window of series it is within 1 % of level
//     1's size at less CPU; digits are what it is made of.
//   - A document (an analysis result, an audit output) is compressed at
//     level 1: its repeated keys are what string matching finds. A result
//     of 10 metrics, 11 KB of JSON, takes 2.7 KB (pglz kept 3.5 KB of its
//     jsonb).
const deflateMin = 1024

var (
	huffmanWriters = writerPool(flate.HuffmanOnly)
	docWriters     = writerPool(flate.BestSpeed)
)

func writerPool(level int) *sync.Pool {
	return &sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, level)
		return w
	}}
}

// deflate compresses b with a writer from pool.
func deflate(pool *sync.Pool, b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) / 2)
	w := pool.Get().(*flate.Writer)
	w.Reset(&out)
	_, _ = w.Write(b) // a bytes.Buffer does not fail
	_ = w.Close()
	pool.Put(w)
	return out.Bytes()
}

// document splits a JSON document into the two columns that hold it:
// plain JSON when small, compressed by a writer from pool when large.
func document(doc []byte, pool *sync.Pool) (plain any, z []byte) {
	if len(doc) < deflateMin {
		return rawJSON(doc), nil
	}
	return nil, deflate(pool, doc)
}

// readDocument is the stored document: inflated when it was compressed,
// as stored otherwise (nil when both columns are NULL). A value that does
// not decompress is an error; the caller names what it was.
func readDocument(plain, z []byte) ([]byte, error) {
	if z == nil {
		return plain, nil
	}
	r := flate.NewReader(bytes.NewReader(z))
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("stored compressed value is damaged: %w", err)
	}
	return b, nil
}
