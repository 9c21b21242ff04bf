package scalekit

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A page of users keeps its decoding from its keptFromRead-th read from the cache, not
// before: a scan through every user reads each page once or twice, and kept decoded they
// held 46 MB more live heap for 5,000 users (400 MiB of RSS at GOGC=400 instead of 160),
// since a page holds about eight times its body decoded.
func TestAPageKeepsItsDecodingOnceReadAgainAndAgain(t *testing.T) {
	rc := newReadCache(CacheConfig{TTL: map[Kind]time.Duration{KindUsers: time.Hour}}, nil, nil)
	r := request{method: http.MethodGet, path: "/api/v1/users", query: url.Values{"page_size": {"100"}}}
	body := []byte(`{"users":[{"id":"usr_1","email":"one@acme.test"}],"next_page_token":"","total_size":1}`)
	fetches := 0
	fetch := func(context.Context) (*response, error) {
		fetches++
		return &response{status: http.StatusOK, body: body}, nil
	}
	read := func() *userPage { return readPage(t, rc, r, fetch) }
	kept := func() bool { return keptDecoded(t, rc, r) }

	read()
	assert.False(t, kept(), "the read that fetched the page keeps no decoding in the cache")
	for i := 1; i < keptFromRead; i++ {
		read()
		assert.False(t, kept(), "read %d from the cache", i)
	}
	first := read()
	assert.True(t, kept(), "read %d from the cache keeps its decoding", keptFromRead)
	assert.Same(t, first, read(), "later reads share it")
	assert.Equal(t, 1, fetches)
}

// The pages' kept decodings hold at most a quarter of the cache's bytes; past it a read
// decodes for itself, and a page that leaves the cache gives its share back.
func TestKeptDecodingsStayWithinAQuarterOfTheCache(t *testing.T) {
	body := []byte(`{"users":[{"id":"usr_1","email":"one@acme.test"}],"next_page_token":"","total_size":1}`)
	one := decodedPerBodyByte * uint64(len(body))
	// Room for one page's decoding, not two.
	rc := newReadCache(CacheConfig{TTL: map[Kind]time.Duration{KindUsers: time.Hour}, MaxBytes: 4 * (one + one/2)}, nil, nil)
	fetch := func(context.Context) (*response, error) { return &response{status: http.StatusOK, body: body}, nil }
	page := func(token string) request {
		return request{method: http.MethodGet, path: "/api/v1/users", query: url.Values{"page_token": {token}}}
	}
	a, b := page("a"), page("b")
	for _, r := range []request{a, b} {
		for range 1 + keptFromRead {
			readPage(t, rc, r, fetch)
		}
	}
	assert.True(t, keptDecoded(t, rc, a), "the first page kept its decoding")
	assert.False(t, keptDecoded(t, rc, b), "the second page's would pass the bound")
	assert.Equal(t, int64(one), rc.decodings.used.Load())

	rc.store.Invalidate(cacheKey(a))
	require.Eventually(t, func() bool { return rc.decodings.used.Load() == 0 }, time.Second, time.Millisecond,
		"a deleted page gives its share back")
	readPage(t, rc, b, fetch)
	assert.True(t, keptDecoded(t, rc, b), "the second page keeps its decoding once there is room")
}

func readPage(t *testing.T, rc *readCache, r request, fetch func(context.Context) (*response, error)) *userPage {
	t.Helper()
	resp, err := rc.get(context.Background(), r, fetch)
	require.NoError(t, err)
	p, err := decode[userPage](resp, "users")
	require.NoError(t, err)
	return p
}

func keptDecoded(t *testing.T, rc *readCache, r request) bool {
	t.Helper()
	e, ok := rc.store.GetIfPresent(cacheKey(r))
	require.True(t, ok, "the page is cached")
	return e.kept.value.v.Load() != nil
}

// A page's share of the bound comes back whenever the page leaves the cache, replaced by a
// fresher answer (a refresh) as well as invalidated, and it comes back once: a release that
// gave back for every page, or twice, would let the count go below zero and the bound stop
// bounding.
func TestKeptDecodingsAreGivenBackOnceEach(t *testing.T) {
	body := []byte(`{"users":[{"id":"usr_1","email":"one@acme.test"}],"next_page_token":"","total_size":1}`)
	one := int64(decodedPerBodyByte * len(body))

	t.Run("released directly", func(t *testing.T) {
		d := &decodings{max: 10 * one}
		never, kept := &entry{kind: KindUsers, body: body}, &entry{kind: KindUsers, body: body}
		for range keptFromRead {
			d.keep(kept)
		}
		require.Equal(t, one, d.used.Load())
		d.release(never)
		assert.Equal(t, one, d.used.Load(), "a page that kept nothing gives nothing back")
		d.release(kept)
		d.release(kept)
		assert.Zero(t, d.used.Load(), "a page that kept its decoding gives it back once")
		assert.False(t, d.keep(kept), "a page gone from the cache keeps nothing any more")
		assert.Zero(t, d.used.Load())
	})

	t.Run("replaced in the cache", func(t *testing.T) {
		rc := newReadCache(CacheConfig{TTL: map[Kind]time.Duration{KindUsers: time.Hour}}, nil, nil)
		fetch := func(context.Context) (*response, error) { return &response{status: http.StatusOK, body: body}, nil }
		r := request{method: http.MethodGet, path: "/api/v1/users"}
		for range 1 + keptFromRead {
			readPage(t, rc, r, fetch)
		}
		require.True(t, keptDecoded(t, rc, r))
		require.Equal(t, one, rc.decodings.used.Load())
		old, _ := rc.store.GetIfPresent(cacheKey(r))
		rc.store.Set(cacheKey(r), &entry{kind: KindUsers, body: body, stamp: old.stamp, life: time.Hour,
			expires: time.Now().Add(time.Hour)})
		// Otter tells of a deletion from a goroutine of its own.
		require.Eventually(t, func() bool { return rc.decodings.used.Load() == 0 }, time.Second, time.Millisecond,
			"a page replaced by a fresher answer gives its share back")
	})
}
