package models_test

import (
	"math"
	"testing"

	"samen/models"
)

// TestContrastRatio checks the WCAG formula against known ratios.
func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48},
		{"#0b6e4f", "#ffffff", 6.25},
		{"#fff", "#000", 21},
	} {
		got, err := models.ContrastRatio(tc.a, tc.b)
		if err != nil || math.Abs(got-tc.want) > 0.01 {
			t.Errorf("ContrastRatio(%s, %s) = %.3f, %v; want %.2f", tc.a, tc.b, got, err, tc.want)
		}
	}
	if _, err := models.ContrastRatio("red", "#ffffff"); err == nil {
		t.Error("a colour name was measured")
	}
}

// TestCheckCSS: what custom CSS may and may not hold.
func TestCheckCSS(t *testing.T) {
	for css, ok := range map[string]bool{
		".hero { color: #123456; }":                          true,
		"body { background: url( '/branding/logo.png' ) }":   true,
		"html { scroll-behavior: smooth }":                   true,
		"/* </style> in a comment is still refused */":       false,
		"a::after { content: '<b>' }":                        false,
		"@import '/x.css';":                                  false,
		"@im/**/port '/x.css';":                              false,
		"a { background: url(http://evil.example/) }":        false,
		"a { background: url(//evil.example/) }":             false,
		"a { background: url(data:image/png;base64,AA) }":    false,
		"a { background: url/* x */(https://evil.example) }": false,
		`a { content: "\3c" }`:                               false,
		"a { width: EXPRESSION(1) }":                         false,
		"a { b: javascript:alert(1) }":                       false,
	} {
		if err := models.CheckCSS(css); (err == nil) != ok {
			t.Errorf("CheckCSS(%q) = %v, want accepted=%v", css, err, ok)
		}
	}
}
