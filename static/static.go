// Package static holds Samen's CSS, JavaScript and images, embedded, and
// names each file by its content so browsers may cache it for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"
)

//go:embed css js img
var files embed.FS

// Asset is one static file with its fingerprinted URL.
type Asset struct {
	Name        string // "css/samen.css"
	URL         string // "/static/css/samen.0123456789.css"
	ContentType string
	ETag        string
	Body        []byte
}

// Assets are every static file, by name and by fingerprinted URL.
type Assets struct {
	byName map[string]*Asset
	byURL  map[string]*Asset
}

// Load reads the embedded files and fingerprints them.
func Load() (*Assets, error) {
	a := &Assets{byName: map[string]*Asset{}, byURL: map[string]*Asset{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:5])
		ext := path.Ext(name)
		asset := &Asset{
			Name:        name,
			URL:         "/static/" + strings.TrimSuffix(name, ext) + "." + hash + ext,
			ContentType: mime.TypeByExtension(ext),
			ETag:        `"` + hash + `"`,
			Body:        body,
		}
		if asset.ContentType == "" {
			asset.ContentType = "application/octet-stream"
		}
		a.byName[name] = asset
		a.byURL[asset.URL] = asset
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	return a, nil
}

// URL returns the fingerprinted URL of a named file. An unknown name panics
// while templates are first rendered, which tests catch.
func (a *Assets) URL(name string) string {
	asset, ok := a.byName[name]
	if !ok {
		panic("static: no file named " + name)
	}
	return asset.URL
}

// ByURL finds the file a fingerprinted URL stands for.
func (a *Assets) ByURL(url string) (*Asset, bool) {
	asset, ok := a.byURL[url]
	return asset, ok
}

// ByName finds a file by its plain name, for URLs without a fingerprint.
func (a *Assets) ByName(name string) (*Asset, bool) {
	asset, ok := a.byName[name]
	return asset, ok
}
