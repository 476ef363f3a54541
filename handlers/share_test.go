package handlers

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShareImageCacheStaysWithinItsBounds(t *testing.T) {
	s, err := NewShareImages()
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxImages + 10 {
		s.keep(fmt.Sprint(i), make([]byte, 10))
	}
	if s.lru.Len() != maxImages || len(s.byKey) != maxImages {
		t.Fatalf("%d images kept (%d keys), want %d", s.lru.Len(), len(s.byKey), maxImages)
	}
	if _, ok := s.cached("0"); ok {
		t.Fatal("the least recent image is still kept")
	}
	if _, ok := s.cached(fmt.Sprint(maxImages + 9)); !ok {
		t.Fatal("the most recent image is gone")
	}
	for i := range 5 {
		s.keep(fmt.Sprint("big", i), make([]byte, maxImageBytes/3))
	}
	if s.bytes > maxImageBytes {
		t.Fatalf("%d bytes kept, more than %d", s.bytes, maxImageBytes)
	}
	if _, ok := s.cached("big4"); !ok {
		t.Fatal("the newest large image is gone")
	}
}

func TestShareHelpers(t *testing.T) {
	long := strings.Repeat("spoke ", 100)
	if got := excerpt(long); utf8.RuneCountInString(got) > 201 || !strings.HasSuffix(got, "…") || strings.Contains(got, "  ") {
		t.Errorf("excerpt of a long text: %q", got)
	}
	if got := excerpt(" a  short\ntext "); got != "a short text" {
		t.Errorf("excerpt of a short text: %q", got)
	}
	if got := shareEscape(`a b+c&d=e?"<`); got != "a%20b%2Bc%26d%3De%3F%22%3C" {
		t.Errorf("shareEscape: %q", got)
	}
	for header, want := range map[string]bool{
		`"abc"`: true, `W/"abc"`: true, `"x", "abc"`: true, `*`: true, `"abd"`: false, ``: false, `abc`: false,
	} {
		if got := ETagListed(header, `"abc"`); got != want {
			t.Errorf("If-None-Match %q matches: %v, want %v", header, got, want)
		}
	}
}
