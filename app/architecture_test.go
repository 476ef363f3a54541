package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// TestOneGoVersion: the Go that go.mod's toolchain line asks for is the one
// the Docker build stage runs, the one make vuln checks and the one the
// README names.
func TestOneGoVersion(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	m := regexp.MustCompile(`(?m)^toolchain go(\d+\.\d+\.\d+)$`).FindStringSubmatch(read("go.mod"))
	if m == nil {
		t.Fatal("go.mod has no toolchain line")
	}
	version := m[1]
	for file, want := range map[string]string{
		"Dockerfile": "FROM golang:" + version + "-",
		"Makefile":   "TOOLCHAIN_GO := go" + version + "\n",
		"README.md":  "go.mod asks for Go " + version,
	} {
		if !strings.Contains(read(file), want) {
			t.Errorf("%s does not hold %q (go.mod asks for go%s)", file, want, version)
		}
	}
}
