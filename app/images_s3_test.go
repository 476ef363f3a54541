package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"samen/app/apptest"
	"samen/models"
)

// TestImagesInAnS3Bucket runs the image store on a real S3 protocol server
// (gofakes3, in this process): SAMEN_BLOB_URL names the bucket with a custom
// endpoint and path-style addresses, as for MinIO or any S3-compatible
// store that several instances share. Upload, serve and delete go through it.
func TestImagesInAnS3Bucket(t *testing.T) {
	eachInTurn(t, func(t *testing.T, dialect string) {
		backend := s3mem.New()
		if err := backend.CreateBucket("samen-images"); err != nil {
			t.Fatal(err)
		}
		s3 := httptest.NewServer(gofakes3.New(backend).Server())
		t.Cleanup(s3.Close)
		t.Setenv("AWS_ACCESS_KEY_ID", "samen-test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "samen-test-secret")
		blobURL := fmt.Sprintf("s3://samen-images?endpoint=%s&use_path_style=true&region=us-east-1&disable_https=true", s3.URL)
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_BLOB_URL="+blobURL)

		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		api := bearer(t, srv, anna)
		r := apiUpload(api, "bell.png", pngOf(t, photo(900, 500)), "A bent bell")
		wantStatus(t, r, http.StatusCreated)
		up := decodeJSON[apiImage](t, r)
		r = sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "A bell that rings twice", "images": []int64{up.ID}})
		wantStatus(t, r, http.StatusCreated)
		idea := decodeJSON[struct {
			ID int64 `json:"id"`
		}](t, r)

		// The files are in the bucket, under the random keys.
		key := "images/" + up.URL[strings.LastIndex(up.URL, "/")+1:]
		obj, err := backend.HeadObject("samen-images", key)
		if err != nil {
			t.Fatalf("the bucket does not hold %s: %v", key, err)
		}
		r = fetchImage(srv.Client(), up.URL)
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("Content-Type") != "image/png" || int64(len(r.Body)) != obj.Size {
			t.Fatalf("served %s of %d bytes; the bucket holds %d", r.Header.Get("Content-Type"), len(r.Body), obj.Size)
		}
		wantStatus(t, fetchImage(srv.Client(), up.ThumbnailURL), http.StatusOK)

		// Deleting the idea deletes the files from the bucket.
		r = sendJSON(api, http.MethodDelete, fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil)
		wantStatus(t, r, http.StatusNoContent)
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, err := backend.HeadObject("samen-images", key)
			if err != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is still in the bucket", key)
			}
			time.Sleep(20 * time.Millisecond)
		}
		wantStatus(t, fetchImage(srv.Client(), up.URL), http.StatusNotFound)
		if r, _, err := srv.Store.OpenImage(context.Background(), key); err == nil {
			r.Close()
			t.Fatal("the store still reads the deleted file")
		}
	})
}
