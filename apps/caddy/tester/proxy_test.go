package main

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
)

// frame builds an Ethernet/IPv4 frame with a TCP (proto 6) or UDP (17) payload.
func frame(proto byte, src, dst string, sport, dport uint16, payload []byte) Frame {
	l4len := 20
	if proto == 17 {
		l4len = 8
	}
	b := make([]byte, 14+20+l4len+len(payload))
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+l4len+len(payload)))
	ip[9] = proto
	copy(ip[12:], net.ParseIP(src).To4())
	copy(ip[16:], net.ParseIP(dst).To4())
	l4 := ip[20:]
	binary.BigEndian.PutUint16(l4[0:], sport)
	binary.BigEndian.PutUint16(l4[2:], dport)
	if proto == 6 {
		l4[12] = 5 << 4
	}
	copy(l4[l4len:], payload)
	return Frame{Data: b}
}

func record(ct byte, body string) []byte {
	return append([]byte{ct, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

func TestScanHop(t *testing.T) {
	marker := []byte("MARK")
	control := frame(17, "10.0.0.1", "10.0.0.2", 5000, 9, []byte("control MARK"))
	hs, app := record(0x16, "hello"), record(0x17, "ciphertext")
	good := []Frame{
		frame(6, "10.0.0.1", "10.0.0.2", 40000, 8080, append(append([]byte{}, hs...), app[:3]...)),
		frame(6, "10.0.0.1", "10.0.0.2", 40000, 8080, app[3:]),
		frame(6, "10.0.0.2", "10.0.0.1", 8080, 40000, append(append([]byte{}, hs...), app...)),
		control,
	}
	if detail, err := ScanHop(good, 8080, [][]byte{marker}); err != nil || !strings.Contains(detail, "2 streams") || !strings.Contains(detail, "2 application-data records") {
		t.Fatalf("good capture: %q, %v", detail, err)
	}
	// the marker split across two segments of one stream is still found
	split := []Frame{
		frame(6, "10.0.0.1", "10.0.0.2", 40000, 8080, append(append([]byte{}, hs...), 'M', 'A')),
		frame(6, "10.0.0.1", "10.0.0.2", 40000, 8080, []byte("RK")),
		control,
	}
	if _, err := ScanHop(split, 8080, [][]byte{marker}); err == nil || !strings.Contains(err.Error(), "found in the TCP stream") {
		t.Fatalf("split marker: %v", err)
	}
	// plain text on the hop, and a capture without the control
	plain := []Frame{frame(6, "10.0.0.1", "10.0.0.2", 40000, 8080, []byte("GET / HTTP/1.1\r\n")), frame(6, "10.0.0.2", "10.0.0.1", 8080, 40000, []byte("HTTP/1.1 200 OK")), control}
	if _, err := ScanHop(plain, 8080, [][]byte{marker}); err == nil || !strings.Contains(err.Error(), "does not open with a TLS handshake record") {
		t.Fatalf("plain hop: %v", err)
	}
	if _, err := ScanHop(good[:3], 8080, [][]byte{marker}); err == nil || !strings.Contains(err.Error(), "positive control") {
		t.Fatalf("no control: %v", err)
	}
}
