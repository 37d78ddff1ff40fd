package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseChecks(t *testing.T) {
	if _, err := parseChecks(`[{"url":"http://a/get","status":200}]`); err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		`[]`:                                      "checks: expected at least one check",
		`[{"url":"ftp://a","status":200}]`:        `checks[0].url: expected an http:// or https:// URL, got "ftp://a"`,
		`[{"url":"http://a","status":99}]`:        "checks[0].status: expected an HTTP status, got 99",
		`[{"url":"http://a","status":200,"x":1}]`: `checks: json: unknown field "x"`,
	} {
		if _, err := parseChecks(text); err == nil || err.Error() != want {
			t.Errorf("parseChecks(%s) = %v, want %q", text, err, want)
		}
	}
}

func TestRunRetriesUntilTheAppAnswers(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"url": "` + r.URL.Path + `"}`))
	}))
	defer srv.Close()
	results := run(srv.Client(), []Check{{URL: srv.URL + "/get", Status: 200, Contains: `"url": "/get"`}}, 5*time.Second, 10*time.Millisecond)
	if !results[0].Passed || results[0].Attempts != 3 {
		t.Fatalf("got %+v, want passed after 3 attempts", results[0])
	}
}

// The app answers the first request of each check and then hangs, so the deadline always lands inside a request:
// the report must hold the answer it saw, never "context deadline exceeded". Nothing here depends on how fast the
// machine is: the first attempt is not bound by the deadline and every later one is cut by it.
func TestRunReportsWhatItSawAtTheDeadline(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 0 {
			<-r.Context().Done() // hang until the checker gives up
			return
		}
		_, _ = w.Write([]byte("hello"))
	}))
	defer srv.Close()
	results := run(srv.Client(), []Check{{URL: srv.URL, Status: 200, Contains: "bye"}, {URL: srv.URL, Status: 404}}, 50*time.Millisecond, time.Millisecond)
	if results[0].Passed || results[0].Got != 200 || results[0].Error != `body (5 bytes) does not contain "bye"` || results[0].Attempts > 2 {
		t.Errorf("first: %+v", results[0])
	}
	if results[1].Passed || results[1].Got != 200 || results[1].Error != "status 200, expected 404" || results[1].Attempts > 2 {
		t.Errorf("second: %+v", results[1])
	}
}

func TestRunReportsTheErrorWhenNothingAnswered(t *testing.T) {
	results := run(http.DefaultClient, []Check{{URL: "http://127.0.0.1:1/", Status: 200}}, 30*time.Millisecond, time.Millisecond)
	if results[0].Passed || results[0].Got != 0 || results[0].Error == "" || results[0].Attempts < 1 {
		t.Errorf("got %+v, want the connection error", results[0])
	}
}

func TestRefusedPassesOnlyWhenAConnectionGetsNoHTTPAnswer(t *testing.T) {
	// a port that reads the request and closes (what the network shield does with plain text)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 512)
			_, _ = c.Read(buf)
			c.Close()
		}
	}()
	answering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer answering.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + closed.Addr().String() + "/"
	closed.Close()
	results := run(http.DefaultClient, []Check{
		{URL: "http://" + ln.Addr().String() + "/get", Status: 200, Refused: true},
		{URL: answering.URL, Status: 200, Refused: true},
		{URL: down, Status: 200, Refused: true},
	}, 300*time.Millisecond, 50*time.Millisecond)
	if !results[0].Passed {
		t.Errorf("a closed connection without an answer: %+v", results[0])
	}
	if results[1].Passed || results[1].Error != "answered with status 200, expected no HTTP answer" {
		t.Errorf("an HTTP answer: %+v", results[1])
	}
	if results[2].Passed || !strings.HasPrefix(results[2].Error, "could not connect") {
		t.Errorf("nothing listening: %+v", results[2])
	}
}
