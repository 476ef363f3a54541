// Package docsection writes a bench's figures into its own section of a
// Markdown file (docs/benchmarks.md), between two markers, leaving the rest
// of the file alone.
package docsection

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Write replaces what lies between the markers begin and end in path with
// section, or adds the markers and section at the file's end.
func Write(path, begin, end, section string) error {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	doc := string(b)
	block := begin + "\n" + section + "\n" + end
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	switch {
	case i >= 0 && j > i:
		doc = doc[:i] + block + doc[j+len(end):]
	case i >= 0 || j >= 0:
		return fmt.Errorf("%s: only one of the bench's markers is there; put both back or neither", path)
	default:
		doc = strings.TrimRight(doc, "\n") + "\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
