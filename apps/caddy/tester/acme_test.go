package main

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanVolume(t *testing.T) {
	enc := t.TempDir()
	objects := filepath.Join(enc, ".cgv", "objects")
	if err := os.MkdirAll(objects, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"manifest", "objects/0a1b", "objects/2c3d"} {
		b := make([]byte, 8192)
		rand.Read(b)
		if err := os.WriteFile(filepath.Join(enc, ".cgv", name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if msg, err := scanVolume(enc, "acme.test"); err != nil || !strings.Contains(msg, "3 encrypted files") {
		t.Fatalf("ciphertext only: %q, %v", msg, err)
	}
	// a plaintext key under .cgv, a plaintext file beside it
	os.WriteFile(filepath.Join(objects, "leak"), []byte("-----BEGIN EC PRIVATE KEY-----\n"), 0o600)
	if _, err := scanVolume(enc, "acme.test"); err == nil || !strings.Contains(err.Error(), "plaintext marker") {
		t.Fatalf("a PEM under .cgv: %v", err)
	}
	os.Remove(filepath.Join(objects, "leak"))
	os.WriteFile(filepath.Join(enc, "certificates"), []byte("x"), 0o600)
	if _, err := scanVolume(enc, "acme.test"); err == nil || !strings.Contains(err.Error(), "expected only the file shield's .cgv") {
		t.Fatalf("a plaintext name: %v", err)
	}
}
