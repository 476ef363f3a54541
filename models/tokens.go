package models

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// newSecret returns a random token for a cookie, a link or an API client,
// and the hash that is stored in its place.
func newSecret(prefix string) (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashSecret(token)
}

func hashSecret(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
