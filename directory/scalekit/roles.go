package scalekit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// catalogue is the environment's role catalogue as fetched at one time. Roles change
// rarely and every membership names some, so one fetch serves many requests for
// RoleCacheTTL; a stale entry costs at most that long to notice.
type catalogue struct {
	fetched  time.Time
	roles    []*directory.Role // ordered by name
	byID     map[string]*directory.Role
	byName   map[string]*directory.Role
	defaults []string // names of the roles a new member gets when none are named
}

// catalogue returns the cached catalogue, fetching it when it is older than the TTL.
// Concurrent misses share one request.
func (c *Client) catalogue(ctx context.Context) (*catalogue, error) {
	// The versions are read before the catalogue, so that an invalidation in between
	// leaves the request's reads stale rather than current with old roles.
	s := c.cache.stampOf(ctx, tagRoles)
	c.rolesMu.Lock()
	cat := c.rolesCache
	c.rolesMu.Unlock()
	if cat == nil || time.Since(cat.fetched) >= c.cfg.RoleCacheTTL {
		var err error
		if cat, err = c.fetchCatalogue(ctx); err != nil {
			return nil, err
		}
	}
	readSetFrom(ctx).add(tagRoles, s, cat.fetched.Add(c.cfg.RoleCacheTTL))
	return cat, nil
}

func (c *Client) fetchCatalogue(ctx context.Context) (*catalogue, error) {
	v, err, _ := c.roles.Do("roles", func() (any, error) {
		// The shared fetch must not die with the first caller's request.
		ctx := context.WithoutCancel(ctx)
		fetched := time.Now()
		resp, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/roles",
			query: url.Values{"include": {"permissions"}}})
		if err != nil {
			return nil, fmt.Errorf("scalekit: role catalogue: %w", err)
		}
		env, err := decode[rolesEnvelope](resp, "role catalogue")
		if err != nil {
			return nil, err
		}
		cat := &catalogue{fetched: fetched, byID: map[string]*directory.Role{}, byName: map[string]*directory.Role{}}
		for i := range env.Roles {
			w := &env.Roles[i]
			if w.Name == "" {
				continue
			}
			r := w.role()
			if r.ID == "" {
				r.ID = roleNamePrefix + r.Name
			}
			cat.roles = append(cat.roles, r)
			cat.byID[r.ID] = r
			cat.byName[r.Name] = r
			if w.DefaultMember {
				cat.defaults = append(cat.defaults, r.Name)
			}
		}
		slices.SortFunc(cat.roles, func(a, b *directory.Role) int { return strings.Compare(a.Name, b.Name) })
		c.rolesMu.Lock()
		c.rolesCache = cat
		c.rolesMu.Unlock()
		return cat, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*catalogue), nil
}

// Roles returns the role catalogue, ordered by name.
func (c *Client) Roles(ctx context.Context) ([]*directory.Role, error) {
	cat, err := c.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(cat.roles), nil
}

// RolesByID looks roles up in the catalogue; an unknown id yields nil.
func (c *Client) RolesByID(ctx context.Context, ids []string) ([]*directory.Role, error) {
	cat, err := c.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*directory.Role, len(ids))
	for i, id := range ids {
		if name, ok := strings.CutPrefix(id, roleNamePrefix); ok {
			out[i] = cat.byName[name]
		} else {
			out[i] = cat.byID[id]
		}
	}
	return out, nil
}

// checkRoleNames refuses role names the catalogue does not hold, with the field path of
// each, before anything is sent: Scalekit's own refusal would not say which one.
func (c *Client) checkRoleNames(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	cat, err := c.catalogue(ctx)
	if err != nil {
		return err
	}
	var problems []directory.FieldError
	for i, n := range names {
		if cat.byName[n] == nil {
			problems = append(problems, directory.FieldError{Field: []string{"roles", strconv.Itoa(i)},
				Code: directory.CodeNotFound, Message: fmt.Sprintf("there is no role named %q", n)})
		}
	}
	if len(problems) > 0 {
		return directory.Invalid(problems...)
	}
	return nil
}

// fillRoleIDs gives roles that Scalekit named without an id the id of the catalogue's role
// of that name. It costs nothing when every role came with its id, as they normally do.
func (c *Client) fillRoleIDs(ctx context.Context, memberships []*directory.Membership) {
	var cat *catalogue
	for _, m := range memberships {
		for i, id := range m.RoleIDs {
			name, ok := strings.CutPrefix(id, roleNamePrefix)
			if !ok {
				continue
			}
			if cat == nil {
				var err error
				if cat, err = c.catalogue(ctx); err != nil {
					return // RolesByID resolves the name later
				}
			}
			if r := cat.byName[name]; r != nil {
				m.RoleIDs[i] = r.ID
			}
		}
	}
}
