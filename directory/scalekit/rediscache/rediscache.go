// Package rediscache lets the replicas of usergraph share the Scalekit client's cache
// through Redis (scalekit.Shared): the tag versions every cached answer is checked against,
// and the answers themselves as a second level behind each process's memory.
//
// Versions. A write or webhook received by one replica INCRs the versions of the tags it
// changes in Redis before the mutation or webhook is acknowledged. Every replica reads
// versions through Redis's server-assisted client-side caching (RESP3 CLIENT TRACKING, as
// rueidis does it): a version read is answered from the replica's memory until Redis pushes
// an invalidation for it, which Redis sends to every replica as it executes the INCR. So a
// read that starts on another replica after the acknowledgement sees the new version unless
// Redis's push has not yet reached that replica's open connection (the push delay,
// docs/architecture.md). The replica that bumped reads its own INCR's answers at once.
//
// Answers. An answer is stored under its request and the cluster-wide versions it was
// fetched under ("ug:<run id>:e:<path>@<tag>.<global>"), with SET PX its remaining TTL, so a
// replica serves what another fetched, and nothing is served after its TTL counted from
// Scalekit's answer (PTTL gives the rest of the life on Redis's own clock).
//
// Failure. Every call is bounded by a short timeout. A failed or timed-out call, a broken
// connection or a FLUSHALL ends the session: the replica runs on its own versions and
// memory (with a warning, logged at most once a minute), probes Redis in the background,
// and starts a new session when it answers — treating every answer cached before as stale,
// since bumps may have been missed in between. Its own bumps made meanwhile are INCRed
// before the new session starts, for the replicas whose sessions went on. Keys live under
// Redis's run id, which changes at every Redis start, so a Redis restarted from a snapshot
// cannot hand back versions older than the answers stored since.
package rediscache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/usergraph/usergraph/directory/scalekit"
)

// Options configures a Store.
type Options struct {
	// URL is redis://[user:password@]host[:port][/db], rediss:// for TLS, or
	// unix:///path/to/redis.sock.
	URL string
	// Timeout bounds one read or store call (a version not in memory, a shared answer).
	// Default 10ms: a hung Redis costs a request at most that once, then the replica falls
	// back until Redis answers.
	Timeout time.Duration
	// BumpTimeout bounds the INCR of a write's or webhook's versions. Default 250ms: it
	// is what makes the other replicas see the change, and a write costs a Scalekit call
	// anyway.
	BumpTimeout time.Duration
	// Probe is how often Redis is asked whether it is back, and whether it restarted.
	// Default 500ms.
	Probe time.Duration
	// Logger receives the warnings of an outage and the notice of the recovery.
	Logger *slog.Logger
	// OnAvailability, when set, is told every time Redis becomes available or unavailable.
	OnAvailability func(up bool)
}

const (
	defaultTimeout     = 10 * time.Millisecond
	defaultBumpTimeout = 250 * time.Millisecond
	defaultProbe       = 500 * time.Millisecond
	// versionLife is how long a version key lives after its last bump. It must be longer
	// than any TTL of an answer, so that a version falling back to 0 cannot meet an answer
	// stored under an earlier 0.
	versionLife = 24 * time.Hour
	// versionCacheTTL bounds how long a replica trusts a version it read without hearing
	// from Redis; pushes make it shorter.
	versionCacheTTL = time.Minute
	// warnEvery rate-limits the outage warnings.
	warnEvery = time.Minute
)

// Store is a scalekit.Shared over one Redis. It is safe for concurrent use.
type Store struct {
	opt    Options
	client rueidis.ClientOption

	mu    sync.Mutex // serializes sessions' starts and ends
	conn  rueidis.Client
	state atomic.Pointer[session]

	// missed holds the tags this replica bumped while it had no session, or whose INCR
	// failed (under mu). The next session INCRs them before it starts: a replica's session
	// also ends on a read that merely timed out, while Redis and the other replicas' sessions
	// go on, and those replicas would otherwise never hear of its writes until their TTL.
	missed map[string]struct{}

	watch    atomic.Pointer[func(tags []string)]
	lastWarn atomic.Int64
	kick     chan struct{} // a write without a session: probe now, not at the next tick
	stop     chan struct{}
	done     chan struct{}
}

// maxMissed bounds the remembered tags; past it the global tag stands for all of them.
const maxMissed = 4096

// session is one stretch of availability (up, with Redis's run id as the key prefix) or
// of unavailability.
type session struct {
	id     uint64
	up     bool
	prefix string // "ug:<run id>:" while up
	conn   rueidis.Client
	floors *sync.Map // version key → the value this replica's own INCR returned
}

var _ scalekit.Shared = (*Store)(nil)

// New parses the URL and connects. Redis being down is not an error: the store starts
// unavailable, with a warning, and connects when Redis answers.
func New(ctx context.Context, opt Options) (*Store, error) {
	client, err := rueidis.ParseURL(opt.URL)
	if err != nil {
		// The URL may hold a password: say what is wrong, not the string.
		return nil, errors.New("USERGRAPH_REDIS_URL is not a redis://, rediss:// or unix:// URL")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = defaultTimeout
	}
	if opt.BumpTimeout <= 0 {
		opt.BumpTimeout = defaultBumpTimeout
	}
	if opt.Probe <= 0 {
		opt.Probe = defaultProbe
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	client.ForceSingleClient = true // one Redis, no cluster discovery
	client.DisableRetry = true      // a failure falls back at once; the probe retries
	client.Dialer.Timeout = max(opt.BumpTimeout, time.Second)
	// Redis is pinged on idle connections; one silent this long is broken (a hung Redis).
	client.ConnWriteTimeout = 2 * time.Second
	s := &Store{opt: opt, client: client, missed: map[string]struct{}{}, kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	s.client.OnInvalidations = s.pushed
	s.state.Store(&session{id: 1})
	if !s.tryUp(ctx) {
		s.warn("Redis (USERGRAPH_REDIS_URL) does not answer; each replica caches on its own until it does")
		s.notify(false)
	}
	go s.probe()
	return s, nil
}

// Close stops the probe and closes the connection.
func (s *Store) Close() {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	s.state.Store(&session{id: s.state.Load().id + 1})
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		conn.Close() // calls pushed(nil), which takes the lock
	}
}

// Watch implements scalekit.Shared.
func (s *Store) Watch(fn func(tags []string)) { s.watch.Store(&fn) }

// Available tells whether Redis answers now.
func (s *Store) Available() bool { return s.state.Load().up }

func versionKey(prefix, tag string) string { return prefix + "v:" + tag }
func answerKey(prefix, key string) string  { return prefix + "e:" + key }

// Versions implements scalekit.Shared.
func (s *Store) Versions(ctx context.Context, tags ...string) ([]uint64, uint64, bool) {
	st := s.state.Load()
	if !st.up {
		return nil, st.id, false
	}
	cmds := make([]rueidis.CacheableTTL, len(tags))
	for i, t := range tags {
		cmds[i] = rueidis.CT(st.conn.B().Get().Key(versionKey(st.prefix, t)).Cache(), versionCacheTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	vers := make([]uint64, len(tags))
	for i, r := range st.conn.DoMultiCache(ctx, cmds...) {
		v, err := r.AsUint64()
		if err != nil && !rueidis.IsRedisNil(err) {
			return nil, s.end(st, err), false
		}
		if f, ok := st.floors.Load(versionKey(st.prefix, tags[i])); ok {
			v = max(v, f.(uint64))
		}
		vers[i] = v
	}
	return vers, st.id, true
}

// Bump implements scalekit.Shared. Without a session, or when the INCR fails, the tags
// are remembered for the next session (missed) and the probe is told to try at once.
func (s *Store) Bump(ctx context.Context, tags ...string) {
	st := s.state.Load()
	if !st.up {
		s.mu.Lock()
		if st = s.state.Load(); !st.up {
			s.remember(tags)
			s.mu.Unlock()
			s.tryNow()
			return
		}
		s.mu.Unlock()
	}
	if err := s.incr(ctx, st, tags); err != nil {
		s.mu.Lock()
		s.remember(tags)
		s.mu.Unlock()
		s.end(st, err)
		s.tryNow()
	}
}

// remember adds tags to missed; s.mu is held.
func (s *Store) remember(tags []string) {
	if _, all := s.missed[scalekit.GlobalTag]; all {
		return
	}
	for _, t := range tags {
		s.missed[t] = struct{}{}
	}
	if len(s.missed) > maxMissed {
		s.missed = map[string]struct{}{scalekit.GlobalTag: {}}
	}
}

// takeMissed empties missed and returns what it held; s.mu is held.
func (s *Store) takeMissed() []string {
	tags := slices.Collect(maps.Keys(s.missed))
	clear(s.missed)
	return tags
}

// tryNow wakes the probe without waiting for it.
func (s *Store) tryNow() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// incr INCRs the versions of tags in session st, and keeps the answers as floors.
func (s *Store) incr(ctx context.Context, st *session, tags []string) error {
	cmds := make(rueidis.Commands, 0, 2*len(tags))
	for _, t := range tags {
		k := versionKey(st.prefix, t)
		cmds = append(cmds, st.conn.B().Incr().Key(k).Build(),
			st.conn.B().Pexpire().Key(k).Milliseconds(versionLife.Milliseconds()).Build())
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.BumpTimeout)
	defer cancel()
	for i, r := range st.conn.DoMulti(ctx, cmds...) {
		v, err := r.AsInt64()
		if err != nil {
			return err
		}
		if i%2 == 0 {
			// Redis may push the invalidation of this replica's own copy after the
			// answer: remember the value so that a read right after sees it.
			raise(st.floors, versionKey(st.prefix, tags[i/2]), uint64(v))
		}
	}
	return nil
}

func raise(m *sync.Map, k string, v uint64) {
	for {
		old, loaded := m.LoadOrStore(k, v)
		if !loaded || old.(uint64) >= v || m.CompareAndSwap(k, old, v) {
			return
		}
	}
}

// Get implements scalekit.Shared.
func (s *Store) Get(ctx context.Context, id uint64, key string) ([]byte, time.Duration, bool) {
	st := s.state.Load()
	if !st.up || st.id != id {
		return nil, 0, false
	}
	k := answerKey(st.prefix, key)
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	rs := st.conn.DoMulti(ctx, st.conn.B().Get().Key(k).Build(), st.conn.B().Pttl().Key(k).Build())
	body, err := rs[0].AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, 0, false
	}
	if err != nil {
		s.end(st, err)
		return nil, 0, false
	}
	ms, err := rs[1].AsInt64()
	if err != nil {
		s.end(st, err)
		return nil, 0, false
	}
	if ms <= 0 { // -1: no expiry (not ours), -2: gone since the GET
		return nil, 0, false
	}
	return body, time.Duration(ms) * time.Millisecond, true
}

// Set implements scalekit.Shared.
func (s *Store) Set(ctx context.Context, id uint64, key string, body []byte, life time.Duration) {
	st := s.state.Load()
	if !st.up || st.id != id || life < time.Millisecond {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	err := st.conn.Do(ctx, st.conn.B().Set().Key(answerKey(st.prefix, key)).Value(rueidis.BinaryString(body)).
		Px(life).Build()).Error()
	if err != nil {
		s.end(st, err)
	}
}

// pushed receives Redis's invalidations of the versions this replica read: another
// replica's bumps (and this one's own, echoed). nil means the connection broke or Redis
// dropped everything (FLUSHALL): bumps may be missed, so the session ends.
func (s *Store) pushed(msgs []rueidis.RedisMessage) {
	st := s.state.Load()
	if msgs == nil {
		s.end(st, errors.New("connection to Redis lost"))
		return
	}
	if !st.up {
		return
	}
	tags := make([]string, 0, len(msgs))
	for _, m := range msgs {
		k, err := m.ToString()
		if tag, ok := strings.CutPrefix(k, versionKey(st.prefix, "")); err == nil && ok {
			tags = append(tags, tag)
		}
	}
	if fn := s.watch.Load(); fn != nil && len(tags) > 0 {
		(*fn)(tags)
	}
}

// end ends session st (if it is still the current one) after err: the replica falls back
// to its own cache until the probe finds Redis again. It returns the new session's id.
func (s *Store) end(st *session, err error) uint64 {
	s.mu.Lock()
	cur := s.state.Load()
	if cur != st || !cur.up {
		s.mu.Unlock()
		return cur.id
	}
	next := &session{id: cur.id + 1}
	s.state.Store(next)
	s.mu.Unlock()
	s.warn("Redis (USERGRAPH_REDIS_URL) failed; each replica caches on its own until it answers again", "error", err.Error())
	s.notify(false)
	// Whatever this process kept outside the versions (the role catalogue) goes too.
	if fn := s.watch.Load(); fn != nil {
		(*fn)([]string{scalekit.GlobalTag})
	}
	return next.id
}

// tryUp starts a session if Redis answers and none is running, or ends the running one if
// Redis stopped answering or restarted; it reports whether a session is running. No lock
// is held while Redis is asked: its answers are read by the goroutine that calls pushed.
func (s *Store) tryUp(ctx context.Context) bool {
	conn, err := s.connection()
	if err != nil {
		return false
	}
	cur := s.state.Load()
	ctx, cancel := context.WithTimeout(ctx, max(s.opt.BumpTimeout, time.Second))
	defer cancel()
	runID, err := runID(ctx, conn)
	if err != nil {
		s.end(cur, err)
		return false
	}
	prefix := "ug:" + runID + ":"
	if cur.up && cur.prefix == prefix {
		// A bump that failed in an earlier session may be remembered after this one began.
		s.mu.Lock()
		tags := s.takeMissed()
		s.mu.Unlock()
		if len(tags) > 0 {
			s.Bump(ctx, tags...)
		}
		return true
	}
	// Redis restarted between two probes: what was read before is void.
	s.end(cur, errors.New("redis restarted"))
	next := &session{up: true, prefix: prefix, conn: conn, floors: &sync.Map{}}
	// The writes made without a session reach Redis before the session starts; the last
	// look at missed and the start are one step under the lock, so none is left behind.
	for {
		s.mu.Lock()
		now := s.state.Load()
		if now.up {
			s.mu.Unlock()
			return true
		}
		if len(s.missed) == 0 {
			next.id = now.id + 1
			s.state.Store(next)
			s.mu.Unlock()
			break
		}
		tags := s.takeMissed()
		s.mu.Unlock()
		if err := s.incr(ctx, next, tags); err != nil {
			s.mu.Lock()
			s.remember(tags)
			s.mu.Unlock()
			return false
		}
	}
	s.opt.Logger.Info("Redis (USERGRAPH_REDIS_URL) answers: the replicas share their cache", "session", next.id)
	s.notify(true)
	return true
}

// connection returns the client, creating it on first use (Redis may be down at start).
func (s *Store) connection() (rueidis.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return s.conn, nil
	}
	conn, err := rueidis.NewClient(s.client)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, err
	}
	s.conn = conn
	return conn, nil
}

// runID asks Redis for the id of its current run.
func runID(ctx context.Context, conn rueidis.Client) (string, error) {
	info, err := conn.Do(ctx, conn.B().Info().Section("server").Build()).ToString()
	if err != nil {
		return "", err
	}
	for line := range strings.Lines(info) {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok && id != "" {
			return id, nil
		}
	}
	return "", fmt.Errorf("no run_id in INFO server")
}

func (s *Store) probe() {
	defer close(s.done)
	t := time.NewTicker(s.opt.Probe)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.tryUp(context.Background())
		case <-s.kick:
			s.tryUp(context.Background())
		}
	}
}

func (s *Store) warn(msg string, args ...any) {
	now := time.Now().UnixNano()
	last := s.lastWarn.Load()
	if last != 0 && now-last < int64(warnEvery) || !s.lastWarn.CompareAndSwap(last, now) {
		return
	}
	s.opt.Logger.Warn(msg, args...)
}

func (s *Store) notify(up bool) {
	if s.opt.OnAvailability != nil {
		s.opt.OnAvailability(up)
	}
}
