package models_test

import (
	"os"
	"strings"
	"testing"

	"samen/models"
)

// TestOperatingGuideShowsThePermissionTable keeps docs/moderation.md equal to the code.
func TestOperatingGuideShowsThePermissionTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/moderation.md")
	if err != nil {
		t.Fatal(err)
	}
	want := models.PermissionTable(models.Actions)
	if !strings.Contains(string(doc), "-->\n"+want+"<!--") {
		t.Fatalf("docs/moderation.md does not hold the permission table; put this between its markers:\n%s", want)
	}
	for _, a := range models.Actions {
		if !models.Admin.Allows(a) {
			t.Errorf("action %s is allowed to no admin: is it in the table?", a)
		}
	}
}
