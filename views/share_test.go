package views

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
)

func TestShareCardIsA1200x630PNG(t *testing.T) {
	p, err := NewPainter()
	if err != nil {
		t.Fatal(err)
	}
	green := color.RGBA{0x0b, 0x6e, 0x4f, 0xff}
	logo := image.NewRGBA(image.Rect(0, 0, 3000, 1000)) // wide, and larger than its square
	xdraw.Draw(logo, logo.Bounds(), image.NewUniform(color.RGBA{0x33, 0x66, 0x99, 0xff}), image.Point{}, xdraw.Src)
	cards := map[string]Card{
		"idea": {Brand: "Samen", Colour: green, Kicker: "Idea", Title: "A bell that <sounds> like a \"real\" bell & rings twice",
			Votes: "42 votes", Status: "Planned", StatusC: color.RGBA{0xf2, 0xa5, 0x41, 0xff}},
		"long title":  {Brand: strings.Repeat("Brand ", 40), Colour: green, Title: strings.Repeat("wheel ", 200), Votes: "1 vote", Status: strings.Repeat("Status ", 30)},
		"one word":    {Brand: "Samen", Colour: green, Title: strings.Repeat("W", 500)},
		"empty":       {},
		"logo":        {Brand: "Logo", Colour: color.RGBA{0xff, 0xee, 0x00, 0xff}, Logo: logo, Title: "Yellow brand, dark text"},
		"max title":   {Brand: "Samen", Colour: green, Title: strings.Repeat("Spokes and ", 11), Votes: "1.234 stemmen", Status: "Gepland"},
		"not latin":   {Brand: "Samen", Colour: green, Title: "自転車のベル 🚲 fiets"},
		"status only": {Brand: "Samen", Colour: green, Title: "Changelog", Status: "Shipped"},
	}
	seen := map[string]string{}
	for name, card := range cards {
		t.Run(name, func(t *testing.T) {
			b, err := p.PNG(card)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds(); got != image.Rect(0, 0, CardWidth, CardHeight) {
				t.Fatalf("bounds %v, want 1200x630", got)
			}
			if other, dup := seen[string(b)]; dup {
				t.Fatalf("the same image as %q", other)
			}
			seen[string(b)] = name
			if dir := os.Getenv("SAMEN_SHARE_SAMPLES"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".png"), b, 0o644)
			}
		})
	}
}

func TestShareTitleWrapsIntoThreeLinesAndEndsWithAnEllipsis(t *testing.T) {
	p, err := NewPainter()
	if err != nil {
		t.Fatal(err)
	}
	faces, err := p.faces()
	if err != nil {
		t.Fatal(err)
	}
	width := CardWidth - 2*cardMargin
	for name, tc := range map[string]struct {
		title    string
		lines    int
		ellipsis bool
	}{
		"short":      {"Quieter bells", 1, false},
		"two lines":  {"Let the bike's bell ring twice when I press it long", 2, false},
		"too long":   {strings.Repeat("handlebar ", 60), 3, true},
		"one word":   {strings.Repeat("x", 300), 3, true},
		"three":      {"Let the bike's bell ring twice when I press it long, so that people ahead hear me coming", 3, false},
		"whitespace": {"  \t ", 0, false},
	} {
		lines, _ := wrap(faces.title, clip(tc.title), width, 3)
		if len(lines) != tc.lines {
			t.Errorf("%s: %d lines %q, want %d", name, len(lines), lines, tc.lines)
			continue
		}
		for _, l := range lines {
			if w := font.MeasureString(faces.title, l).Ceil(); w > width {
				t.Errorf("%s: line %q is %d px wide, more than %d", name, l, w, width)
			}
		}
		if got := len(lines) > 0 && strings.HasSuffix(lines[len(lines)-1], "…"); got != tc.ellipsis {
			t.Errorf("%s: ends with an ellipsis %v, want %v: %q", name, got, tc.ellipsis, lines)
		}
	}
}
