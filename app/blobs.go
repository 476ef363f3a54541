package app

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
)

// openBlobs opens the bucket that holds images, from SAMEN_BLOB_URL: a
// folder (file://./data/blobs) or an S3-compatible
// bucket (s3://bucket?endpoint=...&use_path_style=true&region=..., with the
// usual AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment).
func openBlobs(ctx context.Context, raw string) (*blob.Bucket, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &ConfigError{"SAMEN_BLOB_URL", "is not a URL"}
	}
	if u.Scheme == fileblob.Scheme {
		// Create the folder when missing, and write each file beside its
		// final place: a temporary file elsewhere (/tmp on another disk,
		// a Docker volume) cannot be renamed into it.
		q := u.Query()
		for _, param := range []string{"create_dir", "no_tmp_dir"} {
			if q.Get(param) == "" {
				q.Set(param, "true")
			}
		}
		u.RawQuery = q.Encode()
	}
	mux := new(blob.URLMux)
	mux.RegisterBucket(fileblob.Scheme, &fileblob.URLOpener{})
	mux.RegisterBucket(s3blob.Scheme, &s3blob.URLOpener{})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	bucket, err := mux.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("open SAMEN_BLOB_URL: %w", err)
	}
	return bucket, nil
}

// validBlobURL checks SAMEN_BLOB_URL's form without opening it.
func validBlobURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != fileblob.Scheme && u.Scheme != s3blob.Scheme) {
		return &ConfigError{"SAMEN_BLOB_URL", "must be file://PATH (as in file://./data/blobs) or s3://BUCKET?endpoint=...&region=..."}
	}
	if u.Scheme == s3blob.Scheme && u.Host == "" {
		return &ConfigError{"SAMEN_BLOB_URL", "must name the bucket, as in s3://samen-images?region=eu-west-1"}
	}
	return nil
}

// uploadPath matches the routes that take image files: new posts and
// replies, edits of ideas and comments, and the branding form's logo and
// favicon.
var uploadPath = regexp.MustCompile(`^/(ideas|ideas/[0-9]+/(comments|edit|comments/[0-9]+/edit)|api/v1/images|admin/branding)$`)

// uploadAllowance lets the requests that upload images bring bodies up to
// uploadBodyLimit; every other body stays under bodyLimit. The server asks
// it once the headers are read, before reading any of the body, so a large
// body sent anywhere else is refused (413) without being read.
func uploadAllowance(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	path, _, _ := strings.Cut(string(h.RequestURI()), "?")
	if string(h.Method()) == fiber.MethodPost && uploadPath.MatchString(path) {
		return fasthttp.RequestConfig{MaxRequestBodySize: uploadBodyLimit}
	}
	return fasthttp.RequestConfig{}
}
