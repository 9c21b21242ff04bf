package scalekit

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// Scalekit does not document whether the users of an organization's member list
// (GET /api/v1/organizations/{id}/users, and its :search) carry all of their memberships or
// only the listed organization's. Trusting a list that carries one would show a member in
// one organization while user(id:) shows it in several: two answers for one fact, and no
// error. So the client keeps a member's other memberships out of what a list returns — the
// loaders then fetch the user by id when a query asks for them — until the environment has
// shown that its lists are complete, and it learns that at run time by comparing users
// fetched by id with what member lists said of them.

// MemberLists is how far the embedded memberships of a member list are trusted
// (SCALEKIT_MEMBER_LISTS).
type MemberLists string

// The choices of MemberLists.
const (
	// MemberListsAuto learns at run time (the default).
	MemberListsAuto MemberLists = "auto"
	// MemberListsComplete trusts member lists to carry every membership of their users.
	MemberListsComplete MemberLists = "complete"
	// MemberListsPartial never trusts them: a member's other memberships are always
	// fetched with the user.
	MemberListsPartial MemberLists = "partial"
)

// ParseMemberLists reads a SCALEKIT_MEMBER_LISTS value; "" is auto.
func ParseMemberLists(s string) (MemberLists, error) {
	switch m := MemberLists(s); m {
	case "":
		return MemberListsAuto, nil
	case MemberListsAuto, MemberListsComplete, MemberListsPartial:
		return m, nil
	}
	return "", fmt.Errorf("scalekit: SCALEKIT_MEMBER_LISTS is %q; it takes complete, partial or auto", s)
}

// What the client knows of the environment's member lists (MemberListState).
const (
	ListsUnknown  = "unknown"  // not shown yet either way: treated as partial
	ListsComplete = "complete" // lists carry every membership: used as they are
	ListsPartial  = "partial"  // a list lacked a membership: never trusted again
)

// DefaultMemberListProof is how many users in several organizations must have matched
// before member lists are trusted.
const DefaultMemberListProof = 50

// Bounds of the learning memory: observations of one user are compared only while fresh
// (a membership added in between, by another replica, would otherwise read as a list that
// lacks it), and at most maxObservations users are remembered at once.
const (
	observationTTL  = time.Minute
	maxObservations = 10000
)

// memberLists learns and holds the state. It is safe for concurrent use.
type memberLists struct {
	mode  MemberLists
	proof int
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	state   string
	matches int
	seen    map[string]*observation // by user id
}

// observation is what was seen of one user: the organizations a member list showed it in
// (listedIn is the list's own organization), and those its own record names.
type observation struct {
	listedIn   string
	listed     []string
	listedAt   time.Time
	fetched    []string
	fetchedAt  time.Time
	hasListed  bool
	hasFetched bool
}

func newMemberLists(mode MemberLists, proof int, log *slog.Logger) *memberLists {
	l := &memberLists{mode: mode, proof: proof, log: log, now: time.Now, seen: map[string]*observation{}}
	switch mode {
	case MemberListsComplete:
		l.state = ListsComplete
	case MemberListsPartial:
		l.state = ListsPartial
	default:
		l.state = ListsUnknown
	}
	return l
}

// trusted tells whether a member list's memberships may stand for all of a user's.
func (l *memberLists) trusted() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state == ListsComplete
}

// current returns the state.
func (l *memberLists) current() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// learning tells whether observations still matter: in auto mode until the lists were
// caught partial (a complete verdict stays open to a contradiction).
func (l *memberLists) learning() bool { return l.mode == MemberListsAuto && l.state != ListsPartial }

// sawInList records the memberships a list of orgID showed for u.
func (l *memberLists) sawInList(orgID string, u *directory.User) {
	l.observe(u.ID, func(o *observation, now time.Time) {
		o.listedIn, o.listed, o.listedAt, o.hasListed = orgID, orgIDs(u.Memberships), now, true
	})
}

// sawByID records the memberships of u as its own record (GET /users/{id}) holds them.
func (l *memberLists) sawByID(u *directory.User) {
	l.observe(u.ID, func(o *observation, now time.Time) {
		o.fetched, o.fetchedAt, o.hasFetched = orgIDs(u.Memberships), now, true
	})
}

// forget drops what was seen of a user whose memberships a write just changed.
func (l *memberLists) forget(userID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.seen, userID)
}

// forgetAll drops every observation (a write changed the memberships of many users).
func (l *memberLists) forgetAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.seen)
}

func (l *memberLists) observe(userID string, record func(*observation, time.Time)) {
	if l.mode != MemberListsAuto {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.learning() {
		return
	}
	now := l.now()
	o := l.seen[userID]
	if o == nil {
		if len(l.seen) >= maxObservations {
			clear(l.seen) // a cheap bound: losing observations only slows the learning
		}
		o = &observation{}
		l.seen[userID] = o
	}
	record(o, now)
	if !o.hasListed || !o.hasFetched {
		return
	}
	delete(l.seen, userID)
	if now.Sub(o.listedAt) > observationTTL || now.Sub(o.fetchedAt) > observationTTL {
		return
	}
	l.compare(userID, o)
}

// compare judges one user seen both ways. Called with l.mu held.
func (l *memberLists) compare(userID string, o *observation) {
	for _, org := range o.fetched {
		if !slices.Contains(o.listed, org) {
			prior := l.state
			l.state = ListsPartial
			l.log.Warn("scalekit: member lists hold only some of a user's memberships; "+
				"a member's other memberships are fetched with the user from now on",
				"user", userID, "list", o.listedIn, "missing", org, "was", prior)
			return
		}
	}
	// A user in one organization matches either way: only users in several tell.
	if len(o.fetched) < 2 || !slices.Equal(o.listed, o.fetched) {
		return
	}
	l.matches++
	if l.state == ListsUnknown && l.matches >= l.proof {
		l.state = ListsComplete
		l.log.Info("scalekit: member lists hold every membership of their users; they are used as they are",
			"users_compared", l.matches)
	}
}

func orgIDs(ms []*directory.Membership) []string {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.OrganizationID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// MemberListState is what the client knows of the member lists: ListsUnknown,
// ListsComplete or ListsPartial (SCALEKIT_MEMBER_LISTS=complete|partial fixes it).
func (c *Client) MemberListState() string { return c.lists.current() }

// States names what the client has learned about the environment, for /metrics and
// /readyz's log.
func (c *Client) States() map[string]string {
	return map[string]string{"member_lists": c.lists.current()}
}

// listedUser reads a user from orgID's member list, with its membership there. The user
// keeps its other memberships only while member lists are trusted to hold them all; else
// they are nil (the port's "not returned"), so the loaders fetch them with the user.
func (c *Client) listedUser(ctx context.Context, w *wireUser, orgID string) (*directory.User, *directory.Membership) {
	u := c.domainUser(ctx, w)
	c.lists.sawInList(orgID, u)
	var here *directory.Membership
	for _, m := range u.Memberships {
		if m.OrganizationID == orgID {
			here = m
			break
		}
	}
	if !c.lists.trusted() {
		u.Memberships = nil
	}
	if here != nil {
		here.User = u
	}
	return u, here
}
