package scalekit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

type recorder struct {
	mu    sync.Mutex
	calls [][]string
}

func (r *recorder) Invalidate(source string, tags ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, append([]string{source}, tags...))
}

func newSecret(t *testing.T) string { return scalekittest.WebhookSecret(t) }

// delivery is a signed request as Scalekit sends one.
func delivery(t *testing.T, secret, id string, at time.Time, body string) *http.Request {
	return scalekittest.WebhookDelivery(t, secret, id, at, body)
}

func serve(h http.Handler, r *http.Request) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func membershipEvent(userID string) string {
	return fmt.Sprintf(`{"spec_version":"1","id":"evt_1","type":"user.organization_membership_updated","occurred_at":"2026-12-03T10:00:00Z",`+
		`"environment_id":"env_1","object":"OrgMembership","data":{"organization":{"id":"org_1"},"user":{"id":%q}}}`, userID)
}

func TestWebhookSignatureRules(t *testing.T) {
	secret := newSecret(t)
	rec := &recorder{}
	h, err := scalekit.NewWebhookHandler(secret, rec, nil)
	require.NoError(t, err)
	now := time.Now()
	body := membershipEvent("usr_1")

	assert.Equal(t, http.StatusOK, serve(h, delivery(t, secret, "msg_1", now, body)))
	require.Len(t, rec.calls, 1)
	assert.Equal(t, []string{scalekit.SourceWebhook, scalekit.UserTag("usr_1"), scalekit.ListsTag}, rec.calls[0])

	refused := map[string]*http.Request{
		"replayed":        delivery(t, secret, "msg_1", now, body),
		"forged":          delivery(t, newSecret(t), "msg_2", now, body),
		"expired":         delivery(t, secret, "msg_3", now.Add(-6*time.Minute), body),
		"from the future": delivery(t, secret, "msg_4", now.Add(6*time.Minute), body),
		"body changed": func() *http.Request {
			r := delivery(t, secret, "msg_5", now, body)
			r.Body = httpBody(strings.Replace(body, "usr_1", "usr_2", 1))
			return r
		}(),
		"no signature": func() *http.Request {
			r := delivery(t, secret, "msg_6", now, body)
			r.Header.Del("webhook-signature")
			return r
		}(),
		"no timestamp": func() *http.Request {
			r := delivery(t, secret, "msg_7", now, body)
			r.Header.Del("webhook-timestamp")
			return r
		}(),
	}
	for name, r := range refused {
		assert.Equal(t, http.StatusUnauthorized, serve(h, r), name)
	}
	big := `{"type":"user.signup","pad":"` + strings.Repeat("x", scalekit.MaxWebhookBytes) + `"}`
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, delivery(t, secret, "msg_8", now, big)))
	assert.Len(t, rec.calls, 1, "no refused delivery changed anything")

	assert.Equal(t, http.StatusOK, serve(h, delivery(t, secret, "msg_9", now, `{"id":"evt_9","type":"something.new","data":{}}`)))
	assert.Len(t, rec.calls, 1, "an unknown event type is acknowledged and changes nothing")

	assert.Equal(t, http.StatusOK, serve(h, delivery(t, secret, "msg_10", now, `{"id":"evt_10","type":"organization.updated","data":{"id":"org_1"}}`)))
	assert.Equal(t, []string{scalekit.SourceWebhook, scalekit.GlobalTag}, rec.calls[1])
	assert.Equal(t, http.StatusOK, serve(h, delivery(t, secret, "msg_11", now, `{"id":"evt_11","type":"role.updated","data":{"name":"admin"}}`)))
	assert.Equal(t, []string{scalekit.SourceWebhook, scalekit.RolesTag, scalekit.GlobalTag}, rec.calls[2])

	_, err = scalekit.NewWebhookHandler("not-a-secret!", rec, nil)
	assert.Error(t, err)
}

func httpBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// A verified webhook makes the cached user stale: the next read goes to Scalekit.
func TestWebhookDropsTheCachedUser(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	secret := newSecret(t)
	h, err := scalekit.NewWebhookHandler(secret, c, nil)
	require.NoError(t, err)
	givenName(t, c, id)
	before := fake.Calls()
	givenName(t, c, id)
	require.Equal(t, before, fake.Calls())
	require.Equal(t, http.StatusOK, serve(h, delivery(t, secret, "msg_1", time.Now(), membershipEvent(id))))
	givenName(t, c, id)
	assert.Equal(t, before+1, fake.Calls())
}
