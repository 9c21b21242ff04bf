package playgroundtest

import "testing"

func TestIsLocalURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080/":            true,
		"http://127.1.2.3/x":                true,
		"https://localhost/graphql":         true,
		"http://LOCALHOST:1/":               true,
		"ws://[::1]:4000/graphql":           true,
		"data:font/woff2;base64,AAAA":       true,
		"blob:http://127.0.0.1:1/uuid":      true,
		"http://localhost.example.com/":     false,
		"https://unpkg.com/graphiql":        false,
		"http://10.0.0.1/":                  false,
		"http://[::ffff:8.8.8.8]/":          false,
		"chrome-extension://abc/script.js":  false,
		"ftp://127.0.0.1/":                  false,
		"http://127.0.0.1.nip.io/":          false,
		"://not a url":                      false,
		"https://cdn.jsdelivr.net/npm/x.js": false,
	} {
		if got := isLocalURL(raw); got != want {
			t.Errorf("isLocalURL(%q) = %v, want %v", raw, got, want)
		}
	}
}

func TestNonLoopbackDeduplicatesAndSorts(t *testing.T) {
	r := &recorder{urls: []string{
		"http://127.0.0.1/", "https://b.test/", "https://a.test/", "https://b.test/", "data:,",
	}}
	got := r.nonLoopback()
	if len(got) != 2 || got[0] != "https://a.test/" || got[1] != "https://b.test/" {
		t.Errorf("nonLoopback() = %v", got)
	}
}
