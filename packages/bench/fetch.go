package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// CASources splits a --ca value: comma-separated files or http(s) URLs (e.g. the policy service's
// GET /v1/public/<session>/<secret>, which serves an exported CA certificate without attestation).
func CASources(spec string) []string {
	var out []string
	for _, s := range strings.Split(spec, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// IsURL: an http(s) source of a --ca value (else a file).
func IsURL(source string) bool {
	return strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://")
}

// ReadCA returns the PEM of one CA source: a file, or the body of a 200 answer to GET url (retried until wait has
// passed: the service may still be starting).
func ReadCA(ctx context.Context, source string, wait time.Duration) ([]byte, error) {
	return readCA(ctx, source, wait, nil)
}

// readCA is ReadCA with an https source fetched trusting only tlsConf's roots (nil: the system's).
func readCA(ctx context.Context, source string, wait time.Duration, tlsConf *tls.Config) ([]byte, error) {
	if !IsURL(source) {
		pem, err := os.ReadFile(source)
		if err != nil {
			return nil, fmt.Errorf("CA certificate: %w", err)
		}
		return pem, nil
	}
	deadline := time.Now().Add(wait)
	for {
		status, body, err := get(ctx, source, tlsConf, 10*time.Second)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("status %d: %s", status, strings.TrimSpace(string(body)))
		}
		if err == nil {
			return body, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("CA certificate from %s: %w", source, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// LoadTLSConfig trusts exactly the PEM certificates of the --ca sources (files or URLs, comma-separated). An https
// source after others is fetched trusting those (e.g. a test CA's root served by an API whose certificate chains to
// the file before it).
func LoadTLSConfig(spec string) (*tls.Config, error) {
	var all []byte
	for _, source := range CASources(spec) {
		var fetchConf *tls.Config
		if len(all) > 0 && strings.HasPrefix(source, "https://") {
			c, err := TLSConfigWithCA(all, "")
			if err != nil {
				return nil, fmt.Errorf("CA certificate %s: %w", spec, err)
			}
			fetchConf = c
		}
		pem, err := readCA(context.Background(), source, 10*time.Second, fetchConf)
		if err != nil {
			return nil, err
		}
		all = append(append(all, pem...), '\n')
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("CA certificate: --ca names no file or URL")
	}
	conf, err := TLSConfigWithCA(all, "")
	if err != nil {
		return nil, fmt.Errorf("CA certificate %s: %w", spec, err)
	}
	return conf, nil
}

// get GETs url trusting only tlsConf's roots (nil: plain http or the system's): status and body (≤ 64 MiB).
func get(ctx context.Context, url string, tlsConf *tls.Config, timeout time.Duration) (int, []byte, error) {
	tr := newTransport(tlsConf)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, body, fmt.Errorf("GET %s: reading body: %w", url, err)
	}
	return resp.StatusCode, body, nil
}

// FetchCheck GETs url trusting only tlsConf's roots and checks that the 200 body contains want.
func FetchCheck(ctx context.Context, url string, tlsConf *tls.Config, want string, timeout time.Duration) (int, error) {
	status, body, err := get(ctx, url, tlsConf, timeout)
	if err != nil {
		return len(body), err
	}
	if status != http.StatusOK {
		return len(body), fmt.Errorf("GET %s: status %d", url, status)
	}
	if !strings.Contains(string(body), want) {
		return len(body), fmt.Errorf("GET %s: %d-byte body does not contain %q", url, len(body), want)
	}
	return len(body), nil
}

// GetStatus GETs url trusting only tlsConf's roots and returns the status code.
func GetStatus(ctx context.Context, url string, tlsConf *tls.Config, timeout time.Duration) (int, error) {
	status, _, err := get(ctx, url, tlsConf, timeout)
	return status, err
}

// CheckDenied fails when one of the URLs answers 200 (a file that must not be served, e.g. an injected key).
func CheckDenied(ctx context.Context, urls []string, tlsConf *tls.Config) error {
	for _, u := range urls {
		status, err := GetStatus(ctx, u, tlsConf, 10*time.Second)
		if err != nil {
			return err
		}
		if status == http.StatusOK {
			return &ServedError{URL: u}
		}
	}
	return nil
}

// ServedError: a URL that must not be served answered 200 (waiting does not mend it).
type ServedError struct{ URL string }

func (e *ServedError) Error() string {
	return fmt.Sprintf("GET %s answered 200: it must not be served", e.URL)
}
