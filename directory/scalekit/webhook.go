package scalekit

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/maypok86/otter/v2"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// WebhookPath is where Scalekit's webhooks are received.
const WebhookPath = "/webhooks/scalekit"

// MaxWebhookBytes bounds an event's body; Scalekit's events are a few kilobytes.
const MaxWebhookBytes = 256 << 10

// Invalidator is what a webhook changes: Client.Invalidate.
type Invalidator interface {
	Invalidate(source string, tags ...string)
}

// webhookReplayWindow is how long a delivery id is remembered: longer than the signature's
// 5-minute tolerance either way, so a captured delivery cannot be played again while its
// signature is still accepted.
const webhookReplayWindow = 11 * time.Minute

// NewWebhookHandler verifies Scalekit's webhooks the Standard Webhooks way (webhook-id,
// webhook-timestamp within 5 minutes, webhook-signature "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" under the whsec_ secret; standard-webhooks' own Go library) and drops
// the cached answers each event may change. A missing, forged, expired or replayed
// signature gets 401 and changes nothing; a body over MaxWebhookBytes 413; an unknown event
// type 200 and a log line (Scalekit adds event types; refusing them would make it retry).
func NewWebhookHandler(secret string, inv Invalidator, log *slog.Logger) (http.Handler, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, errors.New("SCALEKIT_WEBHOOK_SECRET is not a whsec_<base64> secret")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	seen := otter.Must(&otter.Options[string, struct{}]{
		MaximumSize:      100_000,
		ExpiryCalculator: otter.ExpiryCreating[string, struct{}](webhookReplayWindow),
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "webhook body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		if err := wh.Verify(body, r.Header); err != nil {
			log.Warn("scalekit webhook refused", "reason", err.Error())
			http.Error(w, "invalid webhook signature", http.StatusUnauthorized)
			return
		}
		// Remembered only once verified, so that forged deliveries cannot fill the set.
		if _, first := seen.SetIfAbsent(r.Header.Get(standardwebhooks.HeaderWebhookID), struct{}{}); !first {
			log.Warn("scalekit webhook refused", "reason", "replayed delivery", "webhook_id", r.Header.Get(standardwebhooks.HeaderWebhookID))
			http.Error(w, "webhook already received", http.StatusUnauthorized)
			return
		}
		var ev webhookEvent
		if err := json.Unmarshal(body, &ev); err != nil || ev.Type == "" {
			log.Warn("scalekit webhook without an event type", "webhook_id", r.Header.Get(standardwebhooks.HeaderWebhookID))
			w.WriteHeader(http.StatusOK)
			return
		}
		tags, known := ev.affects()
		switch {
		case !known:
			log.Info("scalekit webhook of an unknown type ignored", "type", ev.Type, "event", ev.ID)
		case len(tags) > 0:
			inv.Invalidate(SourceWebhook, tags...)
		}
		w.WriteHeader(http.StatusOK)
	}), nil
}

// webhookEvent is the part of a Scalekit event that says what changed.
type webhookEvent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		ID   string `json:"id"`
		User *struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"data"`
}

// affects names the tags an event makes stale, and whether the type is known.
func (ev webhookEvent) affects() ([]string, bool) {
	userOr := func() []string {
		if ev.Data.User != nil && ev.Data.User.ID != "" {
			return []string{userTag(ev.Data.User.ID), tagLists}
		}
		return []string{tagGlobal}
	}
	switch t := ev.Type; {
	case t == "organization.created":
		return []string{tagLists}, true
	case t == "organization.updated" || t == "organization.deleted":
		// Every member's embedded memberships name the organization.
		return []string{tagGlobal}, true
	case strings.HasPrefix(t, "organization.directory."):
		// Directory sync creates, changes and removes users and their group-given roles.
		return []string{tagGlobal}, true
	case strings.HasPrefix(t, "organization.domain_"), strings.HasPrefix(t, "organization.sso_"),
		t == "organization.directory_enabled", t == "organization.directory_disabled",
		strings.HasPrefix(t, "connected_account."):
		return nil, true // nothing usergraph caches
	case t == "user.signup", t == "user.organization_invitation", strings.HasPrefix(t, "user.organization_membership_"),
		t == "user.login", t == "user.logout":
		return userOr(), true
	case strings.HasPrefix(t, "role."), strings.HasPrefix(t, "permission."):
		// Memberships embed their roles' permissions.
		return []string{tagRoles, tagGlobal}, true
	}
	return nil, false
}
