package views_test

import (
	"testing"

	"samen/models"
	"samen/views"
)

// TestEverySourceHasAName checks the names of the channels ideas and votes
// come from, which the pages build at run time ("source.<name>").
func TestEverySourceHasAName(t *testing.T) {
	for _, lang := range []string{"en", "nl"} {
		messages, err := views.Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, source := range models.Sources {
			if messages["source."+source] == "" {
				t.Errorf("%s lacks source.%s", lang, source)
			}
		}
	}
}
