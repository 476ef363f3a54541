package bench

import (
	"context"
	"fmt"
	"image/color"
	"net/http"
	"testing"

	"samen/app/apptest"
	"samen/models"
	"samen/views"
)

// BenchmarkShareCardDraw draws and encodes one share image with a title of
// the longest length allowed: the work a cache miss costs.
func BenchmarkShareCardDraw(b *testing.B) {
	p, err := views.NewPainter()
	if err != nil {
		b.Fatal(err)
	}
	card := views.Card{
		Brand: "Samen", Colour: color.RGBA{0x0b, 0x6e, 0x4f, 0xff}, Kicker: "Idea",
		Title: "Let the bell ring twice when I press it long, so that people walking ahead hear me coming from afar",
		Votes: "1234 votes", Status: "Planned", StatusC: color.RGBA{0xf2, 0xa5, 0x41, 0xff},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.PNG(card); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShareImageCached asks for an idea's share image again and again,
// as crawlers do: the idea is read, the image comes from the cache.
func BenchmarkShareImageCached(b *testing.B) {
	srv := apptest.New(b, models.SQLite, "SAMEN_RATE_LIMITS=off", "SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure")
	u := srv.User("Anna", "anna@example.com", models.RoleMember)
	idea, err := srv.Store.CreateIdea(context.Background(), u, models.NewIdea{Title: "A louder bell for the city", Body: "Why"})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(client.CloseIdleConnections)
	url := fmt.Sprintf("%s/ideas/%d/share.png?lang=en", srv.Listen(), idea.ID)
	get(b, client, url)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, client, url)
		}
	})
}
