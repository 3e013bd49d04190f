package postgres

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// What is stored is standard DEFLATE (RFC 1951): the standard library's
// inflater, which the previous release reads with, gives back every
// document and every packed input byte for byte. The oracle is another
// implementation than the one that wrote the bytes.
func TestStoredCompressionIsStandardDeflate(t *testing.T) {
	inflate := func(z []byte) []byte {
		t.Helper()
		b, err := io.ReadAll(flate.NewReader(bytes.NewReader(z)))
		if err != nil {
			t.Fatalf("the standard library cannot inflate what was stored: %v", err)
		}
		return b
	}
	doc := []byte(`{"metrics":[` + strings.Repeat(`{"name":"m","classification":"pass","p_value":0.7903467899375822},`, 60) + `{}]}`)
	if got := inflate(deflate(docWriters, doc)); !bytes.Equal(got, doc) {
		t.Errorf("a document came back as %d other bytes", len(got))
	}
	body := window(rand.New(rand.NewPCG(11, 12)))
	if got := inflate(deflate(huffmanWriters, body)); !bytes.Equal(got, body) {
		t.Errorf("an input came back as %d other bytes", len(got))
	}
	// A packed input: the version, the low bytes' count and the low bytes,
	// then one DEFLATE stream of the text's length, the text and the high
	// parts.
	z, ok := packNumbers(body)
	if !ok {
		t.Fatal("a window was not packed")
	}
	nlow, k := binary.Uvarint(z[1:])
	low := z[1+k : 1+k+int(nlow)]
	rest := inflate(z[1+k+int(nlow):])
	ntext, k := binary.Uvarint(rest)
	back, err := joinNumbers(rest[k:k+int(ntext)], low, rest[k+int(ntext):])
	if err != nil || !bytes.Equal(back, body) {
		t.Fatalf("a packed input, inflated by the standard library, came back as %d other bytes: %v", len(back), err)
	}
}
