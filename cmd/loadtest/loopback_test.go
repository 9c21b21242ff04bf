package main

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckLoopbackURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080/graphql", true},
		{"http://127.0.0.1/graphql", true},
		{"http://127.1.2.3:9000/graphql", true}, // all of 127.0.0.0/8 is loopback
		{"http://localhost:8080/graphql", true},
		{"http://LOCALHOST:8080/graphql", true},
		{"http://[::1]:8080/graphql", true},
		{"https://127.0.0.1:8443/graphql", true},
		{"http://[::ffff:127.0.0.1]:8080/graphql", true}, // IPv4-mapped loopback

		{"http://example.com/graphql", false},
		{"http://10.0.0.1:8080/graphql", false},
		{"http://192.168.1.10:8080/graphql", false},
		{"http://0.0.0.0:8080/graphql", false}, // "any address", not loopback
		{"http://[::]:8080/graphql", false},
		{"http://[fe80::1%25lo]:8080/graphql", false},
		{"http://127.0.0.1.nip.io/graphql", false}, // resolves to loopback, but is a name
		{"http://localhost.example.com/graphql", false},
		{"http://localhost.:8080/graphql", false},
		{"http://127.0.0.1@example.com/graphql", false}, // userinfo trick: the host is example.com
		{"http://example.com/?u=http://127.0.0.1", false},
		{"ftp://127.0.0.1/graphql", false},
		{"127.0.0.1:8080/graphql", false}, // no scheme
		{"", false},
		{"http://%zz/", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			err := checkLoopbackURL(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("checkLoopbackURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// The dialer's check is the last line of defence: it sees the address actually dialled.
func TestLoopbackOnlyControl(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true},
		{"[::1]:8080", true},
		{"93.184.216.34:80", false},
		{"[2001:db8::1]:443", false},
		{"0.0.0.0:8080", false},
		{"nonsense", false},
	} {
		err := loopbackOnlyControl("tcp", tc.addr, nil)
		if (err == nil) != tc.ok {
			t.Errorf("control(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
		if !tc.ok && tc.addr != "nonsense" && !errors.Is(err, errNotLoopback) {
			t.Errorf("control(%q) = %v, want errNotLoopback", tc.addr, err)
		}
	}
}

func TestParseFlagsRefusesRemoteURLBeforeAnything(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-url", "http://example.com/graphql"}, "not loopback"},
		{[]string{"-start", "-url", "http://127.0.0.1:1/graphql"}, "leave out -url"},
		{[]string{"-clients", "0"}, "-clients"},
		{[]string{"-duration", "500ms"}, "-duration"},
		{[]string{"-duration", "1500ms"}, "whole number"},
		{[]string{"-max-rps", "-1"}, "-max-rps"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"-start", "-duration", "3s"}, ""},
		{nil, ""},
	} {
		_, err := parseFlags(tc.args, nil)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("parseFlags(%q) = %v, want ok", tc.args, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("parseFlags(%q) = %v, want an error containing %q", tc.args, err, tc.wantErr)
		}
	}
}
