package scalekittest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkGetUser measures one validated GET /api/v1/users/{id} round trip.
func BenchmarkGetUser(b *testing.B) {
	s := New(b, Options{Seed: true})
	res, err := http.PostForm(s.URL()+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}})
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	_, tok, _ := strings.Cut(string(body), `"access_token":"`)
	tok, _, _ = strings.Cut(tok, `"`)
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/v1/users/"+s.UserIDByEmail("wile.coyote@acme.test"), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	for b.Loop() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.Status)
		}
	}
}
