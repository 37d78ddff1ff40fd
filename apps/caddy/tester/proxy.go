package main

import (
	"bytes"
	"confidential.local/bench"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cmdProxy is the network shield's proxied run: confidential caddy "edge" (started here, its launch answer from
// --config-id) serves https://edge:8443 and reverse-proxies to http://app:8080, where confidential go-httpbin (its
// own container, another binary of the same session) answers plain HTTP; the runtime wraps that hop in TLS 1.3 with
// mutual authentication by the session CA on both sides. This container's network interface is captured while the
// requests go through (AF_PACKET, written as a pcap file): the hop must carry TLS records only and no byte of the
// marker, while a control datagram with the marker is seen. The capture starts once edge has its launch answer:
// the sim policy service answers in plain HTTP, with edge's keys in it (a real CAS answers over attested TLS), and
// that is not the hop under test. Then go-httpbin must answer neither a client without a certificate nor plain text.
func cmdProxy(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("proxy", flag.ExitOnError)
	var lf bench.LoadFlags
	lf.Register(fs, bench.LoadFlags{URL: "https://edge:8443/anything/", CA: "http://cas:8081/v1/public/caddy/caddy_ca"})
	confidential := fs.String("confidential", "/usr/local/bin/caddy", "confidential caddy (its command line comes from the policy)")
	configID := fs.String("config-id", "caddy/edge", "SCONE_CONFIG_ID of the edge service of the session")
	edge := fs.String("edge", "127.0.0.1:8443", "edge's port, waited for")
	backend := fs.String("backend", "app:8080", "the backend's wrapped port")
	iface := fs.String("iface", "eth0", "the interface captured")
	pcap := fs.String("pcap", "/out/hop.pcap", "the capture, as a pcap file")
	marker := fs.String("marker", "HOP-MARKER-5b2d-network-shield", "the text sent through the hop both ways")
	requests := fs.Int("requests", 20, "requests through edge")
	startWait := fs.Duration("start-wait", 60*time.Second, "max wait for each port")
	stopWait := fs.Duration("stop-wait", 30*time.Second, "max wait for exit after SIGTERM")
	out := fs.String("out", "/out/proxy.json", "result JSON file")
	fs.Parse(args)
	os.Setenv("SCONE_CONFIG_ID", *configID)
	logDir := filepath.Dir(*out)
	os.MkdirAll(logDir, 0o755)
	r := newRunner(ctx, "proxy", []string{*confidential}, proxySteps)
	finish := func(ok bool) int { return r.finish(*out, ok) }

	var capture *Capture
	var proc *bench.Proc
	var conf *tls.Config
	hop, _ := strconv.Atoi((*backend)[strings.LastIndexByte(*backend, ':')+1:])
	steps := []func() (string, error){
		func() (string, error) {
			p, err := bench.StartProc("caddy", []string{*confidential}, "/", filepath.Join(logDir, "caddy-edge.log"), nil, nil, shutdownMarker)
			if err != nil {
				return "", err
			}
			proc, r.current = p, p
			if err := bench.WaitPort(ctx, *edge, *startWait, p); err != nil {
				return "", err
			}
			return fmt.Sprintf("confidential caddy (%s) listening on %s", *configID, *edge), nil
		},
		func() (string, error) {
			var err error
			capture, err = StartCapture(*iface)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("capturing %s (AF_PACKET, every frame in and out), before the first connection to the backend", *iface), nil
		},
		func() (string, error) {
			var err error
			if conf, err = bench.LoadTLSConfig(lf.CA); err != nil {
				return "", err
			}
			url := lf.URL + *marker
			deadline := time.Now().Add(*startWait)
			for {
				_, err = bench.FetchCheck(ctx, url, conf, *marker, 10*time.Second)
				if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			if err != nil {
				return "", fmt.Errorf("%s: %w", url, err)
			}
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: conf}, Timeout: 10 * time.Second}
			for i := 1; i < *requests; i++ {
				body, err := get(client, url)
				if err != nil {
					return "", err
				}
				if !strings.Contains(body, *marker) {
					return "", fmt.Errorf("request %d: the body %q lacks %q", i+1, body, *marker)
				}
			}
			return fmt.Sprintf("%d requests %s → edge → http://%s (go-httpbin) came back with the marker, trusting only %s", *requests, url, *backend, lf.CA), nil
		},
		func() (string, error) {
			// the positive control: the marker in a datagram that leaves through the captured interface
			if c, err := net.Dial("udp", strings.Split(*backend, ":")[0]+":9"); err == nil {
				c.Write([]byte("control " + *marker))
				c.Close()
			}
			time.Sleep(300 * time.Millisecond)
			frames := capture.Stop()
			if err := WritePcap(*pcap, frames); err != nil {
				return "", err
			}
			return ScanHop(frames, uint16(hop), [][]byte{[]byte(*marker)})
		},
		func() (string, error) { return noAnswerWithoutCertificate(*backend, conf) },
		func() (string, error) { return noAnswerToPlainText(*backend) },
		func() (string, error) {
			if !proc.Stop(*stopWait) {
				return "", fmt.Errorf("caddy did not stop within %s after SIGTERM", *stopWait)
			}
			r.current = nil
			return "SIGTERM: " + proc.ExitDescription(), nil
		},
	}
	for i, step := range steps {
		if !r.step(i+1, step) {
			if capture != nil {
				capture.Stop()
			}
			r.fail()
			return finish(false)
		}
	}
	return finish(true)
}

var proxySteps = []string{"", "start-edge", "capture", "through-edge", "capture-scan", "client-certificate-required", "no-plain-text", "stop"}

func get(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// noAnswerWithoutCertificate: a TLS client that trusts the session CA but has no certificate gets no HTTP answer.
func noAnswerWithoutCertificate(addr string, conf *tls.Config) (string, error) {
	c := conf.Clone()
	c.ServerName = strings.Split(addr, ":")[0]
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, c)
	if err != nil {
		return fmt.Sprintf("refused at the handshake: %v", err), nil
	}
	return noHTTPAnswer(conn, "a client without a certificate")
}

// noAnswerToPlainText: plain HTTP to the wrapped port gets no HTTP answer.
func noAnswerToPlainText(addr string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return "", err
	}
	return noHTTPAnswer(conn, "plain HTTP to "+addr)
}

// noHTTPAnswer sends a request on conn and passes when the connection ends without an HTTP answer.
func noHTTPAnswer(conn net.Conn, who string) (string, error) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte("GET /get HTTP/1.1\r\nHost: app\r\n\r\n"))
	b, err := io.ReadAll(conn)
	if bytes.Contains(b, []byte("HTTP/")) {
		return "", fmt.Errorf("%s got an HTTP answer: %q", who, firstLine(b))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "", fmt.Errorf("%s was neither refused nor answered within 10 s", who)
	}
	return fmt.Sprintf("%s: no answer, the connection ended after %d bytes (%v)", who, len(b), err), nil
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// Frame is one captured Ethernet frame.
type Frame struct {
	At   time.Time
	Data []byte
}

// Capture reads every frame of an interface (AF_PACKET, ETH_P_ALL: sent and received) until Stop.
type Capture struct {
	fd     int
	mu     sync.Mutex
	frames []Frame
	done   chan struct{}
	stop   chan struct{}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// StartCapture opens the raw socket on the interface (CAP_NET_RAW, which a container has by default).
func StartCapture(name string) (*Capture, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, int(htons(syscall.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifc.Index}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind to %s: %w", name, err)
	}
	tv := syscall.Timeval{Usec: 100000}
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	c := &Capture{fd: fd, done: make(chan struct{}), stop: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *Capture) loop() {
	defer close(c.done)
	buf := make([]byte, 1<<18) // GSO frames exceed the MTU
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		n, _, err := syscall.Recvfrom(c.fd, buf, 0)
		if err != nil || n <= 0 {
			continue
		}
		c.mu.Lock()
		c.frames = append(c.frames, Frame{At: time.Now(), Data: append([]byte(nil), buf[:n]...)})
		c.mu.Unlock()
	}
}

// Stop ends the capture and returns its frames (once; later calls return the same frames).
func (c *Capture) Stop() []Frame {
	select {
	case <-c.stop:
	default:
		close(c.stop)
		<-c.done
		syscall.Close(c.fd)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frames
}

// WritePcap writes the frames as a classic pcap file (Ethernet link type), for tcpdump -r or Wireshark.
func WritePcap(path string, frames []Frame) error {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 1<<18)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	b.Write(hdr)
	for _, f := range frames {
		rec := make([]byte, 16)
		binary.LittleEndian.PutUint32(rec[0:], uint32(f.At.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(f.At.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(f.Data)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(f.Data)))
		b.Write(rec)
		b.Write(f.Data)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// segment is the TCP or UDP payload of an IPv4/IPv6 Ethernet frame.
type segment struct {
	proto            byte
	src, dst         string
	srcPort, dstPort uint16
	payload          []byte
}

func parse(frame []byte) (segment, bool) {
	if len(frame) < 14 {
		return segment{}, false
	}
	var s segment
	var l4 []byte
	switch binary.BigEndian.Uint16(frame[12:]) {
	case 0x0800:
		ip := frame[14:]
		if len(ip) < 20 {
			return s, false
		}
		ihl := int(ip[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if total == 0 || total > len(ip) { // GSO frames may carry a zero or truncated length
			total = len(ip)
		}
		if ihl < 20 || total < ihl {
			return s, false
		}
		s.proto, s.src, s.dst, l4 = ip[9], net.IP(ip[12:16]).String(), net.IP(ip[16:20]).String(), ip[ihl:total]
	case 0x86dd:
		ip := frame[14:]
		if len(ip) < 40 {
			return s, false
		}
		s.proto, s.src, s.dst, l4 = ip[6], net.IP(ip[8:24]).String(), net.IP(ip[24:40]).String(), ip[40:]
	default:
		return s, false
	}
	switch s.proto {
	case 6:
		if len(l4) < 20 || int(l4[12]>>4)*4 > len(l4) {
			return s, false
		}
		s.payload = l4[int(l4[12]>>4)*4:]
	case 17:
		if len(l4) < 8 {
			return s, false
		}
		s.payload = l4[8:]
	default:
		return s, false
	}
	s.srcPort, s.dstPort = binary.BigEndian.Uint16(l4[0:]), binary.BigEndian.Uint16(l4[2:])
	return s, true
}

// ScanHop checks the capture: the TCP streams to and from port hop (payloads joined per direction, so a marker split
// across segments is still seen) start with a TLS handshake record and carry application-data records; no TCP
// stream holds a marker; a UDP datagram holds the first marker (the control: the capture sees payloads).
func ScanHop(frames []Frame, hop uint16, markers [][]byte) (string, error) {
	streams := map[string]*bytes.Buffer{}
	order := []string{}
	control := false
	for _, f := range frames {
		s, ok := parse(f.Data)
		if !ok || len(s.payload) == 0 {
			continue
		}
		if s.proto == 17 {
			control = control || bytes.Contains(s.payload, markers[0])
			continue
		}
		key := fmt.Sprintf("%s:%d>%s:%d", s.src, s.srcPort, s.dst, s.dstPort)
		if streams[key] == nil {
			streams[key] = &bytes.Buffer{}
			order = append(order, key)
		}
		streams[key].Write(s.payload)
	}
	if !control {
		return "", errors.New("positive control: the capture did not see the marker in the control datagram")
	}
	hopStreams, hopBytes, appRecords := 0, 0, 0
	for _, key := range order {
		b := streams[key].Bytes()
		for _, m := range markers {
			if bytes.Contains(b, m) {
				return "", fmt.Errorf("%q found in the TCP stream %s", m, key)
			}
		}
		if !strings.Contains(key, fmt.Sprintf(":%d>", hop)) && !strings.HasSuffix(key, fmt.Sprintf(":%d", hop)) {
			continue
		}
		hopStreams++
		hopBytes += len(b)
		if len(b) < 5 || b[0] != 0x16 || b[1] != 0x03 {
			return "", fmt.Errorf("the hop stream %s does not open with a TLS handshake record (% x)", key, b[:min(len(b), 5)])
		}
		appRecords += countRecords(b, 0x17)
	}
	if hopStreams < 2 || appRecords == 0 {
		return "", fmt.Errorf("the capture holds %d hop stream(s) with %d application-data records: the hop was not seen", hopStreams, appRecords)
	}
	return fmt.Sprintf("%d frames; the hop (port %d): %d streams, %d bytes, TLS records only (%d application-data records), no marker; the control datagram was seen", len(frames), hop, hopStreams, hopBytes, appRecords), nil
}

// countRecords walks the TLS record layer of a stream and counts the records of one content type (stopping at the
// first thing that is not a record header: the stream is then not TLS).
func countRecords(b []byte, contentType byte) int {
	n := 0
	for len(b) >= 5 && b[1] == 0x03 {
		if b[0] == contentType {
			n++
		}
		l := int(binary.BigEndian.Uint16(b[3:]))
		if 5+l > len(b) {
			break
		}
		b = b[5+l:]
	}
	return n
}
