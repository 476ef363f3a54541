package app

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestPprofIsOffUnlessAsked(t *testing.T) {
	cfg, err := LoadConfig(nil)
	if err != nil || cfg.PprofAddr != "" {
		t.Fatalf("default SAMEN_PPROF_ADDR %q, %v; want empty", cfg.PprofAddr, err)
	}
	if _, err := LoadConfig([]string{"SAMEN_PPROF_ADDR=6060"}); err == nil || !strings.Contains(err.Error(), "SAMEN_PPROF_ADDR") {
		t.Errorf("SAMEN_PPROF_ADDR=6060: %v, want an error naming the variable", err)
	}
}

func TestPprofServesProfiles(t *testing.T) {
	ln, err := servePprof("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Errorf("/debug/pprof/cmdline: %d %q", resp.StatusCode, body)
	}
}
