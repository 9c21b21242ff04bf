package scalekit

import (
	"context"
	"time"

	json "github.com/segmentio/encoding/json"
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
	rc.prime(ctx, primed{kind: KindUser, list: "users", record: "user", prefix: "usr_", tag: userTag, path: userPath},
		listStamp, fetched, body)
}

// primeOrganizations does the same for a page of the environment's organizations (GET
// /api/v1/organizations), whose entries are what GET /api/v1/organizations/{id} answers:
// the first query after a start, whose members name many organizations, then finds them
// kept by the start's page (Client.Warm). Every change to an organization moves the global
// version, which the page's stamp holds; nothing moves an organization's own version, and
// an entry is kept only while it is still 0 (so none moved during the fetch).
func (rc *readCache) primeOrganizations(ctx context.Context, listStamp stamp, fetched time.Time, body []byte) {
	rc.prime(ctx, primed{kind: KindOrganization, list: "organizations", record: "organization", prefix: "org_",
		tag: orgTag, path: organizationPath, unmoved: true}, listStamp, fetched, body)
}

// primed describes the records a list page holds: the page's field, the by-id answer's
// field, the ids' prefix, and the by-id entry's tag and path.
type primed struct {
	kind         Kind
	list, record string
	prefix       string
	tag, path    func(id string) string
	// unmoved keeps a record only while its own tag was never bumped.
	unmoved bool
}

// prime keeps every record of a list page as its by-id answer (primeUsers).
func (rc *readCache) prime(ctx context.Context, p primed, listStamp stamp, fetched time.Time, body []byte) {
	ttl := rc.ttl[p.kind]
	if rc.shared != nil || ttl <= 0 {
		return
	}
	var page map[string]json.RawMessage
	var records []json.RawMessage
	if json.Unmarshal(body, &page) != nil || json.Unmarshal(page[p.list], &records) != nil || len(records) == 0 {
		return
	}
	ids := make([]string, 0, len(records))
	tags := make([]string, 0, len(records))
	raws := make([]json.RawMessage, 0, len(records))
	for _, raw := range records {
		var r struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &r) != nil || !plausibleID(r.ID, p.prefix) {
			continue
		}
		ids, tags, raws = append(ids, r.ID), append(tags, p.tag(r.ID)), append(raws, raw)
	}
	stamps := rc.stamps(ctx, tags)
	if rc.stampOf(ctx, tagLists) != listStamp {
		return // a write since the page's fetch started: its records may be older than it
	}
	expires := fetched.Add(ttl)
	life := time.Until(expires)
	if life <= 0 {
		return
	}
	for i, id := range ids {
		if p.unmoved && stamps[i].localTag != 0 {
			continue
		}
		key := p.path(id)
		if e, ok := rc.store.GetIfPresent(key); ok && e.stamp == stamps[i] && !e.expires.Before(expires) {
			continue // a record as current, fetched on its own
		}
		rec := make([]byte, 0, len(raws[i])+len(p.record)+5)
		rec = append(append(append(rec, `{"`+p.record+`":`...), raws[i]...), '}')
		rc.store.Set(key, &entry{kind: p.kind, body: rec, stamp: stamps[i], life: life, expires: expires,
			refreshAt: refreshAfter(fetched, ttl)})
	}
}
