package main

import (
	"confidential.local/bench/benchtest"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheckContentDenialsAndWait(t *testing.T) {
	caPEM, certPEM, keyPEM, err := benchtest.MakeTestPKI()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pki := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(caPEM) }))
	defer pki.Close()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/etc/") {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("package caddy\n"))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if err := check(context.Background(), base+"/caddy/caddy.go", pki.URL, "package caddy", 5*time.Second, []string{base + "/etc/caddy/tls/localhost.key"}); err != nil {
		t.Fatalf("check failed: %v", err)
	}
	// a denied URL served: fails at once, without waiting
	t0 := time.Now()
	err = check(context.Background(), base+"/caddy/caddy.go", pki.URL, "package caddy", 30*time.Second, []string{base + "/caddy/x"})
	if err == nil || !strings.Contains(err.Error(), "answered 200: it must not be served") || time.Since(t0) > 5*time.Second {
		t.Fatalf("want a prompt denial failure, got %v after %s", err, time.Since(t0))
	}
	// nothing listening: retried until the wait is over
	t0 = time.Now()
	if err := check(context.Background(), "https://localhost:1/caddy/caddy.go", pki.URL, "package caddy", 1500*time.Millisecond, nil); err == nil || time.Since(t0) < 1500*time.Millisecond {
		t.Fatalf("want a failure after the wait, got %v after %s", err, time.Since(t0))
	}
	// content missing: fails after the wait
	if err := check(context.Background(), base+"/caddy/caddy.go", pki.URL, "package nothing", time.Second, nil); err == nil || !strings.Contains(err.Error(), `does not contain "package nothing"`) {
		t.Fatalf("want a content failure, got %v", err)
	}
}
