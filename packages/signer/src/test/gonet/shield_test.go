// Package gonet is the network shield's Go test set (signer:go-net-tests): net/http client and server in one test
// binary, HTTP/1.1, HTTP/2 (h2c: the program speaks plain HTTP/2, the shield adds TLS with ALPN h2), a websocket
// (RFC 6455, by hand: the standard library has none), sendfile of a file response, concurrent requests on kept-alive
// connections. The program only ever speaks plain text: the same binary passes unshielded (upstream Go) and, signed,
// with its server port and its client's destination wrapped by the shield.
//
// Environment: GONET_PORT (the server's port, default 18443), GONET_PROBE (an address of this host that is not the
// client's wrapped destination, default 127.0.0.2: a plain-text probe of the port sent there is wrapped by nobody),
// GONET_SHIELDED=1 (the port must refuse plain text; otherwise it must answer it).
package gonet

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	port     = env("GONET_PORT", "18443")
	base     = "http://127.0.0.1:" + port
	startErr error
	bigFile  string
)

func env(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

func TestMain(m *testing.M) {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		if r.ProtoMajor == 1 {
			http.NewResponseController(w).EnableFullDuplex() // HTTP/1: answer while the body still comes
		}
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bigFile) })
	mux.HandleFunc("/ws", wsEcho)
	dir, _ := os.MkdirTemp("", "gonet-")
	bigFile = filepath.Join(dir, "big.bin")
	big := make([]byte, 4<<20)
	rand.Read(big)
	os.WriteFile(bigFile, big, 0o644)
	ln, err := net.Listen("tcp", "0.0.0.0:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(2)
	}
	srv := &http.Server{Handler: mux, Protocols: &protocols, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	code := m.Run()
	srv.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func client(h2 bool) *http.Client {
	var p http.Protocols
	if h2 {
		p.SetUnencryptedHTTP2(true)
	} else {
		p.SetHTTP1(true)
	}
	return &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}
}

func echo(t *testing.T, c *http.Client, body []byte, wantProto string) {
	t.Helper()
	resp, err := c.Post(base+"/echo", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("echo of %d bytes came back as %d bytes (equal: false)", len(body), len(got))
	}
	if p := resp.Header.Get("X-Proto"); p != wantProto || resp.Proto != wantProto {
		t.Fatalf("proto %s (server saw %s), want %s", resp.Proto, p, wantProto)
	}
}

func testProto(t *testing.T, h2 bool, proto string) {
	c := client(h2)
	t.Run("small", func(t *testing.T) { echo(t, c, []byte("marker"), proto) })
	t.Run("1MiB", func(t *testing.T) {
		b := make([]byte, 1<<20)
		rand.Read(b)
		echo(t, c, b, proto)
	})
	t.Run("keepalive100", func(t *testing.T) {
		for i := 0; i < 100; i++ {
			echo(t, c, []byte(fmt.Sprintf("request %d", i)), proto)
		}
	})
	t.Run("concurrent32", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				b := bytes.Repeat([]byte{byte(i)}, 64<<10)
				resp, err := c.Post(base+"/echo", "application/octet-stream", bytes.NewReader(b))
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || !bytes.Equal(got, b) {
					errs <- fmt.Errorf("request %d: %v, %d bytes back", i, err, len(got))
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	t.Run("sendfile4MiB", func(t *testing.T) {
		resp, err := c.Get(base + "/big")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, _ := os.ReadFile(bigFile)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%v: %d of %d bytes, equal %v", err, len(got), len(want), bytes.Equal(got, want))
		}
	})
}

func TestHTTP1(t *testing.T) { testProto(t, false, "HTTP/1.1") }
func TestHTTP2(t *testing.T) { testProto(t, true, "HTTP/2.0") }

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// wsEcho: the server side of a websocket that echoes every text frame (unmasked) until a close frame.
func wsEcho(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "expected a websocket upgrade", http.StatusBadRequest)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsAccept(r.Header.Get("Sec-WebSocket-Key")))
	rw.Flush()
	for {
		op, payload, err := wsRead(rw.Reader)
		if err != nil || op == 8 {
			wsWrite(rw.Writer, 8, nil, false)
			rw.Flush()
			return
		}
		wsWrite(rw.Writer, op, payload, false)
		rw.Flush()
	}
}

func wsRead(r *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range p {
			p[i] ^= mask[i%4]
		}
	}
	return h[0] & 0x0f, p, nil
}

func wsWrite(w io.Writer, op byte, p []byte, mask bool) error {
	h := []byte{0x80 | op, 0}
	switch {
	case len(p) < 126:
		h[1] = byte(len(p))
	case len(p) < 1<<16:
		h[1] = 126
		h = binary.BigEndian.AppendUint16(h, uint16(len(p)))
	default:
		h[1] = 127
		h = binary.BigEndian.AppendUint64(h, uint64(len(p)))
	}
	body := p
	if mask {
		h[1] |= 0x80
		var m [4]byte
		rand.Read(m[:])
		h = append(h, m[:]...)
		body = make([]byte, len(p))
		for i := range p {
			body[i] = p[i] ^ m[i%4]
		}
	}
	_, err := w.Write(append(h, body...))
	return err
}

func TestWebSocket(t *testing.T) {
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	key := base64.StdEncoding.EncodeToString([]byte("confidential-ws!"))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", key)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(key) {
		t.Fatalf("upgrade: %s, accept %q", resp.Status, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	for i := 0; i < 200; i++ {
		msg := bytes.Repeat([]byte(fmt.Sprintf("message %d ", i)), i*50+1) // up to ~130 KB
		if err := wsWrite(conn, 1, msg, true); err != nil {
			t.Fatal(err)
		}
		op, got, err := wsRead(r)
		if err != nil || op != 1 || !bytes.Equal(got, msg) {
			t.Fatalf("message %d: op %d, %d of %d bytes, %v", i, op, len(got), len(msg), err)
		}
	}
	wsWrite(conn, 8, nil, true)
	if op, _, err := wsRead(r); err != nil || op != 8 {
		t.Fatalf("close: op %d, %v", op, err)
	}
}

// TestWireIsTLS: plain text sent to the port from an address that is not the client's wrapped destination. Shielded,
// the port answers it with nothing (it speaks TLS only); unshielded, with HTTP.
func TestWireIsTLS(t *testing.T) {
	conn, err := net.DialTimeout("tcp", env("GONET_PROBE", "127.0.0.2")+":"+port, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /echo HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
	got, _ := io.ReadAll(io.LimitReader(conn, 4096))
	answered := bytes.HasPrefix(got, []byte("HTTP/1.1"))
	if shielded := os.Getenv("GONET_SHIELDED") == "1"; answered == shielded {
		t.Fatalf("shielded=%v, and plain text got %q", shielded, got)
	}
}
