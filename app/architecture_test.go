package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps app -> handlers -> models: the core knows no HTTP
// (not even through a dependency) and handlers build no queries.
func TestImportDirection(t *testing.T) {
	rules := []struct {
		pkg    string
		format string // what go list prints: every dependency, or direct imports
		bad    []string
	}{
		{"samen/models/...", "{{join .Deps \"\\n\"}}", []string{"github.com/gofiber/", "github.com/markbates/goth", "github.com/valyala/fasthttp", "samen/handlers", "samen/app"}},
		{"samen/handlers", "{{join .Imports \"\\n\"}}", []string{"gorm.io/", "database/sql", "github.com/jackc/", "samen/app"}},
		{"samen/views", "{{join .Deps \"\\n\"}}", []string{"samen/handlers", "samen/app", "samen/models", "github.com/gofiber/"}},
	}
	for _, rule := range rules {
		out, err := exec.Command("go", "list", "-f", rule.format, rule.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", rule.pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 3 {
			t.Fatalf("go list %s listed only %v", rule.pkg, deps)
		}
		for _, dep := range deps {
			for _, prefix := range rule.bad {
				if strings.HasPrefix(dep, prefix) {
					t.Errorf("%s depends on %s", rule.pkg, dep)
				}
			}
		}
	}
}
