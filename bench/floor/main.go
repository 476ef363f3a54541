// Command floor measures the resident memory of a program built on Samen's
// decided stack (../shared/DESIGN.md's table) with nothing of Samen in it:
// it links the same libraries, so that their package initialisation runs,
// serves one route through Fiber, answers a thousand requests to itself,
// and prints its resident memory as /proc/self/status reports it. What it
// prints is the least any program on this stack starts with; compare it
// with Samen's own figures in docs/benchmarks.md.
//
//	go run ./bench/floor
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	_ "github.com/a-h/templ"
	_ "github.com/glebarez/sqlite"
	"github.com/gofiber/fiber/v2"
	_ "github.com/gofiber/fiber/v2/middleware/compress"
	_ "github.com/gofiber/fiber/v2/middleware/helmet"
	_ "github.com/gofiber/fiber/v2/middleware/limiter"
	_ "github.com/gofiber/storage/redis/v3"
	_ "github.com/gofiber/template/html/v2"
	_ "github.com/gorilla/feeds"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/markbates/goth/providers/apple"
	_ "github.com/markbates/goth/providers/discord"
	_ "github.com/markbates/goth/providers/facebook"
	_ "github.com/markbates/goth/providers/github"
	_ "github.com/markbates/goth/providers/microsoftonline"
	_ "github.com/markbates/goth/providers/openidConnect"
	_ "github.com/microcosm-cc/bluemonday"
	_ "github.com/nicksnyder/go-i18n/v2/i18n"
	_ "github.com/pressly/goose/v3"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/riverqueue/river"
	_ "github.com/riverqueue/river/riverdriver/riverdatabasesql"
	_ "github.com/riverqueue/river/riverdriver/riversqlite"
	_ "github.com/wneessen/go-mail"
	_ "github.com/yuin/goldmark"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"
	_ "golang.org/x/image/webp"
	_ "gorm.io/driver/postgres"
	_ "gorm.io/plugin/dbresolver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	go func() { _ = app.Listener(ln) }()
	defer app.Shutdown() //nolint:errcheck // the program ends here

	started, err := resident()
	if err != nil {
		return err
	}
	client := &http.Client{}
	for range 1000 {
		resp, err := client.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	served, err := resident()
	if err != nil {
		return err
	}
	fmt.Printf("started: %s\nafter 1,000 requests: %s\n", started, served)
	return nil
}

// resident reads the process's resident memory, private and of files.
func resident() (string, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "", fmt.Errorf("resident memory is read from /proc (Linux): %w", err)
	}
	defer f.Close()
	fields := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok {
			fields[name] = strings.TrimSpace(value)
		}
	}
	return fmt.Sprintf("VmRSS %s (private RssAnon %s, program and library files RssFile %s)",
		fields["VmRSS"], fields["RssAnon"], fields["RssFile"]), sc.Err()
}
