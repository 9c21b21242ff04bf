package scalekit

import (
	"context"
	"encoding/json"
	"time"
)

// primeUsers keeps, for every user of a page of the environment's users (GET /api/v1/users
// or its :search) that Scalekit just answered, the answer GET /api/v1/users/{id} would
// give: {"user": User}, the same User object. Paging through users and then opening some
// of them is how applications read, and it then costs no call per user. The environment's
// pages are already taken as complete records (ListUsers); an organization's member pages,
// whose memberships may be partial (memberlists.go), are never used for this.
//
// Freshness is that of the page: each entry lives until the page's TTL, counted from when
// its fetch started, and carries the user's version read after the page arrived, kept only
// if no write moved the lists' version (which every write to a user moves with the user's,
// in one step) since before the page's fetch started (listStamp). So a write acknowledged
// before the page's data was read changed the lists' version and nothing is kept, and one
// acknowledged later moves the user's version past the entry's. With replicas sharing
// versions over Redis the two versions move in two commands, which another replica may see
// one at a time, so there nothing is kept.
func (rc *readCache) primeUsers(ctx context.Context, listStamp stamp, fetched time.Time, body []byte) {
	ttl := rc.ttl[KindUser]
	if rc.shared != nil || ttl <= 0 {
		return
	}
	var page struct {
		Users []json.RawMessage `json:"users"`
	}
	if json.Unmarshal(body, &page) != nil || len(page.Users) == 0 {
		return
	}
	ids := make([]string, 0, len(page.Users))
	tags := make([]string, 0, len(page.Users))
	raws := make([]json.RawMessage, 0, len(page.Users))
	for _, raw := range page.Users {
		var u struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &u) != nil || !plausibleID(u.ID, "usr_") {
			continue
		}
		ids, tags, raws = append(ids, u.ID), append(tags, userTag(u.ID)), append(raws, raw)
	}
	stamps := rc.stamps(ctx, tags)
	if rc.stampOf(ctx, tagLists) != listStamp {
		return // a write since the page's fetch started: its users may be older than it
	}
	expires := fetched.Add(ttl)
	life := time.Until(expires)
	if life <= 0 {
		return
	}
	for i, id := range ids {
		key := userPath(id)
		if e, ok := rc.store.GetIfPresent(key); ok && e.stamp == stamps[i] && !e.expires.Before(expires) {
			continue // a record as current, fetched on its own
		}
		rec := make([]byte, 0, len(raws[i])+9)
		rec = append(append(append(rec, `{"user":`...), raws[i]...), '}')
		rc.store.Set(key, &entry{kind: KindUser, body: rec, stamp: stamps[i], life: life, expires: expires,
			refreshAt: refreshAfter(fetched, ttl)})
	}
}
