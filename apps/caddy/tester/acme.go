package main

import (
	"bytes"
	"confidential.local/bench"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cmdAcme is the ACME run: confidential caddy (its launch answer from --config-id: a Caddyfile naming an ACME CA,
// that CA's API root, an encrypted volume at caddy's data folder) obtains a certificate from the CA, serves with it,
// is stopped and started again and serves the same certificate (no second order), and the data folder as the host
// sees it holds no plaintext: no PEM, no domain name, only the file shield's .cgv folder.
func cmdAcme(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("acme", flag.ExitOnError)
	var lf bench.LoadFlags
	lf.Register(fs, bench.LoadFlags{URL: "https://acme.test/caddy/caddy.go", CA: "/acme/pebble-api-root.pem,https://pebble:15000/roots/0"})
	confidential := fs.String("confidential", "/usr/local/bin/caddy", "confidential caddy (its command line comes from the policy)")
	configID := fs.String("config-id", "caddy/acme", "SCONE_CONFIG_ID of the ACME service of the session")
	data := fs.String("data", "/root/.local/share/caddy", "caddy's data folder: the encrypted volume, as the host sees it")
	addr := fs.String("addr", "127.0.0.1:443", "address waited for")
	startWait := fs.Duration("start-wait", 60*time.Second, "max wait for the port")
	issueWait := fs.Duration("issue-wait", 90*time.Second, "max wait for the certificate (an ACME order)")
	stopWait := fs.Duration("stop-wait", 30*time.Second, "max wait for exit after SIGTERM")
	expect := fs.String("expect", "package caddy", "the fetched body must contain this")
	out := fs.String("out", "/out/acme.json", "result JSON file")
	fs.Parse(args)
	os.Setenv("SCONE_CONFIG_ID", *configID)
	logDir := filepath.Dir(*out)
	os.MkdirAll(logDir, 0o755)
	r := newRunner(ctx, "acme", []string{*confidential}, acmeSteps)
	finish := func(ok bool) int { return r.finish(*out, ok) }
	host := strings.SplitN(strings.TrimPrefix(lf.URL, "https://"), "/", 2)[0]

	var conf *tls.Config
	var proc *bench.Proc
	serials := []string{}
	start := func(n int, log string) bool {
		return r.step(n, func() (string, error) {
			p, err := bench.StartProc("caddy", []string{*confidential}, "/", filepath.Join(logDir, log+".log"), nil, nil, shutdownMarker)
			if err != nil {
				return "", err
			}
			proc, r.current = p, p
			t0 := time.Now()
			if err := bench.WaitPort(ctx, *addr, *startWait, p); err != nil {
				return "", err
			}
			return fmt.Sprintf("confidential caddy (%s) listening after %.2fs", *configID, time.Since(t0).Seconds()), nil
		})
	}
	serve := func(n int) bool {
		return r.step(n, func() (string, error) {
			var err error
			if conf == nil {
				if conf, err = bench.LoadTLSConfig(lf.CA); err != nil {
					return "", err
				}
			}
			deadline := time.Now().Add(*issueWait)
			for {
				var serial string
				serial, err = servedSerial(ctx, host, conf)
				if err == nil {
					_, err = bench.FetchCheck(ctx, lf.URL, conf, *expect, 10*time.Second)
				}
				if err == nil {
					serials = append(serials, serial)
					return fmt.Sprintf("%s served with a certificate from the ACME CA (serial %s), trusting only %s", lf.URL, serial, lf.CA), nil
				}
				if time.Now().After(deadline) || ctx.Err() != nil || proc.Exited() {
					return "", err
				}
				time.Sleep(500 * time.Millisecond)
			}
		})
	}
	stop := func(n int) bool {
		return r.step(n, func() (string, error) {
			if !proc.Stop(*stopWait) {
				return "", fmt.Errorf("caddy did not stop within %s after SIGTERM", *stopWait)
			}
			r.current = nil
			return "SIGTERM: " + proc.ExitDescription(), nil
		})
	}
	if !start(1, "caddy-acme-1") || !serve(2) || !stop(3) || !start(4, "caddy-acme-2") || !serve(5) {
		r.fail()
		return finish(false)
	}
	ok := r.step(6, func() (string, error) {
		if serials[0] != serials[1] {
			return "", fmt.Errorf("the restarted caddy serves serial %s, the first served %s: it ordered again instead of reusing the stored certificate", serials[1], serials[0])
		}
		return "the restarted caddy serves the stored certificate (same serial): no second order", nil
	})
	if ok {
		ok = stop(7)
	}
	if ok {
		ok = r.step(8, func() (string, error) { return scanVolume(*data, host) })
	}
	if !ok {
		r.fail()
	}
	return finish(ok)
}

var acmeSteps = []string{"", "start", "order", "stop", "restart", "serve-stored", "same-certificate", "stop-again", "volume-scan"}

// servedSerial is the serial number of the certificate the server at host:443 presents (verified against conf).
func servedSerial(ctx context.Context, host string, conf *tls.Config) (string, error) {
	c := conf.Clone()
	c.ServerName = host
	d := tls.Dialer{Config: c, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, "443"))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", errors.New("no certificate presented")
	}
	return certs[0].SerialNumber.Text(16), nil
}

// scanVolume reads the data folder as the host sees it (the container's own view goes through no shield: this
// process is not confidential) and fails on any plaintext of caddy's: a PEM block, the domain name, a name other than
// the shield's .cgv. A positive control written beside it proves the scan sees plaintext.
func scanVolume(dir, host string) (string, error) {
	markers := [][]byte{[]byte("-----BEGIN"), []byte("PRIVATE KEY"), []byte(host)}
	control, err := os.MkdirTemp("", "acme-scan-control-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(control)
	if err := os.WriteFile(filepath.Join(control, "key.pem"), []byte("-----BEGIN EC PRIVATE KEY-----\n"+host+"\n"), 0o600); err != nil {
		return "", err
	}
	if hits, _, err := scanFiles(control, markers); err != nil || hits == 0 {
		return "", fmt.Errorf("positive control: the scan did not see the plaintext it wrote (%v)", err)
	}
	top, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	if len(top) != 1 || top[0].Name() != ".cgv" {
		names := []string{}
		for _, e := range top {
			names = append(names, e.Name())
		}
		return "", fmt.Errorf("%s holds %v: expected only the file shield's .cgv", dir, names)
	}
	hits, files, err := scanFiles(dir, markers)
	if err != nil {
		return "", err
	}
	if hits > 0 {
		return "", fmt.Errorf("%s: %d plaintext marker(s) found in the host's copy", dir, hits)
	}
	if files < 3 {
		return "", fmt.Errorf("%s holds %d files: caddy's account, certificate and key should be there, encrypted", dir, files)
	}
	return fmt.Sprintf("%s: %d encrypted files, no PEM, no %q, no name but .cgv (the control file was seen)", dir, files, host), nil
}

// scanFiles counts marker hits in the files under dir (their paths included).
func scanFiles(dir string, markers [][]byte) (hits, files int, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		for _, m := range markers {
			hits += bytes.Count(b, m) + bytes.Count([]byte(path), m)
		}
		return nil
	})
	return hits, files, err
}
