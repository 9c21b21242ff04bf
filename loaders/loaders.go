// Package loaders holds the per-request dataloaders: one loader per kind of key, built fresh
// for every request by Middleware and reached through For(ctx). Every fetch by key in a
// resolver goes through them, so a query costs one backend call per kind and depth level,
// however long its lists are.
package loaders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/observe"
)

// Options tune batching (see Loader for why the window is an idle gap).
type Options struct {
	// Idle closes a batch when no new key has arrived for this long. It is the latency a
	// level pays on top of the backend's own, instead of the library's fixed 16 ms. Below
	// 1 ms it buys nothing: on an idle Go runtime a timer shorter than that fires after
	// about 1.1 ms anyway (the netpoller sleeps in whole milliseconds; measured in
	// docs/benchmarks.md), while it does split long lists when the runtime is busy.
	Idle time.Duration
	// MaxWait closes a batch this long after its first key even if keys keep arriving.
	MaxWait time.Duration
	// MaxBatch caps the keys of one backend call.
	MaxBatch int
	// Observer, when set, is told every batch's size and whether each load was cached
	// (the /metrics dataloader series).
	Observer observe.LoaderObserver
}

// DefaultOptions are measured in docs/benchmarks.md.
var DefaultOptions = Options{Idle: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxBatch: 500}

// Loaders are the dataloaders of one request. Their caches live as long as the request.
type Loaders struct {
	UserByID                 *Loader[string, *directory.User]
	UserByEmail              *Loader[string, *directory.User]
	UserByExternalID         *Loader[string, *directory.User]
	OrganizationByID         *Loader[string, *directory.Organization]
	OrganizationByExternalID *Loader[string, *directory.Organization]
	RoleByID                 *Loader[string, *directory.Role]
	MembershipsByUser        *Loader[string, []*directory.Membership]
	IdentitiesByUser         *Loader[string, []*directory.Identity]
	DomainsByOrganization    *Loader[string, []*directory.Domain]
	Members                  *Loader[directory.MembersQuery, *directory.Page[*directory.Membership]]
}

// New builds a fresh set of loaders over dir.
func New(dir directory.Directory, opts Options) *Loaders {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultOptions.MaxBatch
	}
	if opts.Idle <= 0 {
		opts.Idle = DefaultOptions.Idle
	}
	if opts.MaxWait < opts.Idle {
		opts.MaxWait = max(DefaultOptions.MaxWait, opts.Idle)
	}
	l := &Loaders{}
	// Objects that a backend returns embedded in others (Scalekit's users carry their
	// memberships, its member lists carry the users) prime the other loaders, so that
	// asking for them later in the same request costs no call.
	users := func(fetch func(context.Context, []string) ([]*directory.User, error)) func(context.Context, []string) ([]*directory.User, error) {
		return func(ctx context.Context, keys []string) ([]*directory.User, error) {
			out, err := fetch(ctx, keys)
			l.PrimeUsers(ctx, out...)
			return out, err
		}
	}
	members := func(ctx context.Context, qs []directory.MembersQuery) ([]*directory.Page[*directory.Membership], error) {
		out, err := dir.Members(ctx, qs)
		for _, page := range out {
			if page == nil {
				continue
			}
			for _, m := range page.Items {
				l.PrimeUsers(ctx, m.User)
			}
		}
		return out, err
	}
	l.UserByID = newLoader("UserByID", users(dir.UsersByID), opts)
	l.UserByEmail = newLoader("UserByEmail", users(dir.UsersByEmail), opts)
	l.UserByExternalID = newLoader("UserByExternalID", users(dir.UsersByExternalID), opts)
	l.OrganizationByID = newLoader("OrganizationByID", dir.OrganizationsByID, opts)
	l.OrganizationByExternalID = newLoader("OrganizationByExternalID", dir.OrganizationsByExternalID, opts)
	l.RoleByID = newLoader("RoleByID", dir.RolesByID, opts)
	l.MembershipsByUser = newLoader("MembershipsByUser", dir.MembershipsByUser, opts)
	l.IdentitiesByUser = newLoader("IdentitiesByUser", dir.IdentitiesByUser, opts)
	l.DomainsByOrganization = newLoader("DomainsByOrganization", dir.DomainsByOrganization, opts)
	l.Members = newLoader("Members", members, opts)
	return l
}

func newLoader[K comparable, V any](name string, fetch func(context.Context, []K) ([]V, error), opts Options) *Loader[K, V] {
	return newWindowed(batch(fetch), opts, observe.DataloaderOptions[K, V](opts.Observer, name)...)
}

// batch adapts a batch-first port method to the dataloader: results in key order, with
// per-key errors when the backend reports them as directory.KeyErrors.
func batch[K comparable, V any](fetch func(context.Context, []K) ([]V, error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		values, err := fetch(ctx, keys)
		var keyErrs directory.KeyErrors
		perKey := errors.As(err, &keyErrs) && len(keyErrs) == len(keys)
		if len(values) != len(keys) && (err == nil || perKey) {
			perKey = false
			err = fmt.Errorf("loaders: backend returned %d results for %d keys", len(values), len(keys))
		}
		results := make([]*dataloader.Result[V], len(keys))
		for i := range keys {
			switch {
			case perKey && keyErrs[i] != nil:
				results[i] = &dataloader.Result[V]{Error: keyErrs[i]}
			case err != nil && !perKey:
				results[i] = &dataloader.Result[V]{Error: err}
			default:
				results[i] = &dataloader.Result[V]{Data: values[i]}
			}
		}
		return results
	}
}

type ctxKey struct{}

// Middleware gives every request its own loaders, so no cached object outlives a request
// or leaks between callers.
func Middleware(dir directory.Directory, opts Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(With(r.Context(), New(dir, opts))))
		})
	}
}

// With returns ctx carrying l; tests and non-HTTP callers use it directly.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of the request in ctx. It panics when Middleware (or With) was
// not applied, which is a wiring bug that every request would hit, not a runtime condition.
func For(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; wrap the handler with loaders.Middleware")
	}
	return l
}

// PrimeUsers seeds the caches with users that a call already returned — and with their
// memberships when the backend returned them complete — so that fetching them again in the
// same request costs nothing. Prime keeps an entry that is already cached.
func (l *Loaders) PrimeUsers(ctx context.Context, users ...*directory.User) {
	for _, u := range users {
		if u == nil {
			continue
		}
		l.UserByID.Prime(ctx, u.ID, u)
		if u.Memberships != nil {
			l.MembershipsByUser.Prime(ctx, u.ID, u.Memberships)
		}
		if u.Identities != nil {
			l.IdentitiesByUser.Prime(ctx, u.ID, u.Identities)
		}
	}
}

// ClearAll empties every cache. A write calls it, so that what the mutation's payload (or a
// later mutation of the same document) reads is what is stored now.
func (l *Loaders) ClearAll() {
	l.UserByID.ClearAll()
	l.UserByEmail.ClearAll()
	l.UserByExternalID.ClearAll()
	l.OrganizationByID.ClearAll()
	l.OrganizationByExternalID.ClearAll()
	l.RoleByID.ClearAll()
	l.MembershipsByUser.ClearAll()
	l.IdentitiesByUser.ClearAll()
	l.DomainsByOrganization.ClearAll()
	l.Members.ClearAll()
}

// PrimeOrganizations does the same for organizations.
func (l *Loaders) PrimeOrganizations(ctx context.Context, orgs ...*directory.Organization) {
	for _, o := range orgs {
		if o != nil {
			l.OrganizationByID.Prime(ctx, o.ID, o)
		}
	}
}

// PrimeRoles does the same for roles.
func (l *Loaders) PrimeRoles(ctx context.Context, roles ...*directory.Role) {
	for _, r := range roles {
		if r != nil {
			l.RoleByID.Prime(ctx, r.ID, r)
		}
	}
}
