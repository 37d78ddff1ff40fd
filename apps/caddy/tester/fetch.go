package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CaddyRootCA is where `caddy … --domain localhost` installs its local CA's root certificate.
func CaddyRootCA() string {
	home := os.Getenv("HOME")
	if home == "" {
		home = "/root"
	}
	return filepath.Join(home, ".local/share/caddy/pki/authorities/local/root.crt")
}

// LoadTLSConfig trusts the PEM certificate(s) of caFile.
func LoadTLSConfig(caFile string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	conf, err := TLSConfigWithCA(pem, "")
	if err != nil {
		return nil, fmt.Errorf("CA certificate %s: %w", caFile, err)
	}
	return conf, nil
}

// FetchCheck GETs url trusting only tlsConf's roots and checks that the 200 body contains want.
func FetchCheck(ctx context.Context, url string, tlsConf *tls.Config, want string, timeout time.Duration) (int, error) {
	tr := newTransport(tlsConf)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return len(body), fmt.Errorf("GET %s: reading body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return len(body), fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if !strings.Contains(string(body), want) {
		return len(body), fmt.Errorf("GET %s: %d-byte body does not contain %q", url, len(body), want)
	}
	return len(body), nil
}
