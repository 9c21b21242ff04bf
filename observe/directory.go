package observe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// callHook is called before each backend call with the method's name and its number of
// keys (-1 for a method that takes no list of keys). It returns the context of the call and
// the function to call with the call's error when it returns.
type callHook func(ctx context.Context, method string, keys int) (context.Context, func(error))

// instrumented decorates every method of directory.Directory with a callHook.
//
// It deliberately does not embed the interface: a method added to the port must be added
// here too, or the assertion below fails to compile. TestDecoratorsCoverEveryMethod checks
// that each method reports its own name and reaches the same method underneath.
type instrumented struct {
	next directory.Directory
	hook callHook
}

var _ directory.Directory = (*instrumented)(nil)

// errPanicked is the error a call that panicked is recorded with; the panic goes on.
var errPanicked = errors.New("backend call panicked")

// finish reports the end of a call. It is deferred directly, so that it can see a panic,
// record it, and let it go on.
func finish(done func(error), err *error) {
	if v := recover(); v != nil {
		done(fmt.Errorf("%w: %v", errPanicked, v))
		panic(v)
	}
	done(*err)
}

// outcome classifies a backend call's error for the outcome label.
func outcome(err error) string {
	var invalid *directory.InvalidInputError
	var limited *directory.RateLimitedError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &invalid):
		return OutcomeInvalid
	case errors.As(err, &limited):
		return OutcomeRateLimited
	case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return OutcomeUnavailable
	default:
		return OutcomeError
	}
}

// Directory wraps d so that every call is counted in usergraph_backend_calls_total (with
// its outcome) and timed in usergraph_backend_call_duration_seconds, labelled with backend
// ("sqlite", "postgres", "scalekit"...) and the port method's name.
func (m *Metrics) Directory(backend string, d directory.Directory) directory.Directory {
	if m == nil {
		return d
	}
	return &instrumented{next: d, hook: func(ctx context.Context, method string, _ int) (context.Context, func(error)) {
		start := time.Now()
		return ctx, func(err error) {
			m.backendCalls.WithLabelValues(backend, method, outcome(err)).Inc()
			m.backendDuration.WithLabelValues(backend, method).Observe(time.Since(start).Seconds())
		}
	}}
}

func (d *instrumented) UsersByID(ctx context.Context, ids []string) (_ []*directory.User, err error) {
	ctx, done := d.hook(ctx, "UsersByID", len(ids))
	defer finish(done, &err)
	return d.next.UsersByID(ctx, ids)
}

func (d *instrumented) UsersByEmail(ctx context.Context, emails []string) (_ []*directory.User, err error) {
	ctx, done := d.hook(ctx, "UsersByEmail", len(emails))
	defer finish(done, &err)
	return d.next.UsersByEmail(ctx, emails)
}

func (d *instrumented) UsersByExternalID(ctx context.Context, externalIDs []string) (_ []*directory.User, err error) {
	ctx, done := d.hook(ctx, "UsersByExternalID", len(externalIDs))
	defer finish(done, &err)
	return d.next.UsersByExternalID(ctx, externalIDs)
}

func (d *instrumented) ListUsers(ctx context.Context, q directory.UsersQuery) (_ *directory.Page[*directory.User], err error) {
	ctx, done := d.hook(ctx, "ListUsers", -1)
	defer finish(done, &err)
	return d.next.ListUsers(ctx, q)
}

func (d *instrumented) OrganizationsByID(ctx context.Context, ids []string) (_ []*directory.Organization, err error) {
	ctx, done := d.hook(ctx, "OrganizationsByID", len(ids))
	defer finish(done, &err)
	return d.next.OrganizationsByID(ctx, ids)
}

func (d *instrumented) OrganizationsByExternalID(ctx context.Context, externalIDs []string) (_ []*directory.Organization, err error) {
	ctx, done := d.hook(ctx, "OrganizationsByExternalID", len(externalIDs))
	defer finish(done, &err)
	return d.next.OrganizationsByExternalID(ctx, externalIDs)
}

func (d *instrumented) ListOrganizations(ctx context.Context, q directory.PageQuery) (_ *directory.Page[*directory.Organization], err error) {
	ctx, done := d.hook(ctx, "ListOrganizations", -1)
	defer finish(done, &err)
	return d.next.ListOrganizations(ctx, q)
}

func (d *instrumented) MembershipsByUser(ctx context.Context, userIDs []string) (_ [][]*directory.Membership, err error) {
	ctx, done := d.hook(ctx, "MembershipsByUser", len(userIDs))
	defer finish(done, &err)
	return d.next.MembershipsByUser(ctx, userIDs)
}

func (d *instrumented) Members(ctx context.Context, queries []directory.MembersQuery) (_ []*directory.Page[*directory.Membership], err error) {
	ctx, done := d.hook(ctx, "Members", len(queries))
	defer finish(done, &err)
	return d.next.Members(ctx, queries)
}

func (d *instrumented) CreateOrganization(ctx context.Context, in directory.NewOrganization) (_ *directory.Organization, err error) {
	ctx, done := d.hook(ctx, "CreateOrganization", -1)
	defer finish(done, &err)
	return d.next.CreateOrganization(ctx, in)
}

func (d *instrumented) UpdateOrganization(ctx context.Context, in directory.OrganizationUpdate) (_ *directory.Organization, err error) {
	ctx, done := d.hook(ctx, "UpdateOrganization", -1)
	defer finish(done, &err)
	return d.next.UpdateOrganization(ctx, in)
}

func (d *instrumented) DeleteOrganization(ctx context.Context, id string) (err error) {
	ctx, done := d.hook(ctx, "DeleteOrganization", -1)
	defer finish(done, &err)
	return d.next.DeleteOrganization(ctx, id)
}

func (d *instrumented) Roles(ctx context.Context) (_ []*directory.Role, err error) {
	ctx, done := d.hook(ctx, "Roles", -1)
	defer finish(done, &err)
	return d.next.Roles(ctx)
}

func (d *instrumented) RolesByID(ctx context.Context, ids []string) (_ []*directory.Role, err error) {
	ctx, done := d.hook(ctx, "RolesByID", len(ids))
	defer finish(done, &err)
	return d.next.RolesByID(ctx, ids)
}

func (d *instrumented) CreateUser(ctx context.Context, in directory.NewUser) (_ *directory.User, err error) {
	ctx, done := d.hook(ctx, "CreateUser", -1)
	defer finish(done, &err)
	return d.next.CreateUser(ctx, in)
}

func (d *instrumented) UpdateUser(ctx context.Context, in directory.UserUpdate) (_ *directory.User, err error) {
	ctx, done := d.hook(ctx, "UpdateUser", -1)
	defer finish(done, &err)
	return d.next.UpdateUser(ctx, in)
}

func (d *instrumented) DeleteUser(ctx context.Context, id string) (err error) {
	ctx, done := d.hook(ctx, "DeleteUser", -1)
	defer finish(done, &err)
	return d.next.DeleteUser(ctx, id)
}

func (d *instrumented) AddMembership(ctx context.Context, in directory.NewMembership) (_ *directory.Membership, err error) {
	ctx, done := d.hook(ctx, "AddMembership", -1)
	defer finish(done, &err)
	return d.next.AddMembership(ctx, in)
}

func (d *instrumented) UpdateMembership(ctx context.Context, in directory.MembershipUpdate) (_ *directory.Membership, err error) {
	ctx, done := d.hook(ctx, "UpdateMembership", -1)
	defer finish(done, &err)
	return d.next.UpdateMembership(ctx, in)
}

func (d *instrumented) RemoveMembership(ctx context.Context, userID, organizationID string) (err error) {
	ctx, done := d.hook(ctx, "RemoveMembership", -1)
	defer finish(done, &err)
	return d.next.RemoveMembership(ctx, userID, organizationID)
}

func (d *instrumented) UserByIdentity(ctx context.Context, in directory.IdentityLookup) (_ *directory.User, err error) {
	ctx, done := d.hook(ctx, "UserByIdentity", -1)
	defer finish(done, &err)
	return d.next.UserByIdentity(ctx, in)
}

func (d *instrumented) IdentitiesByUser(ctx context.Context, userIDs []string) (_ [][]*directory.Identity, err error) {
	ctx, done := d.hook(ctx, "IdentitiesByUser", len(userIDs))
	defer finish(done, &err)
	return d.next.IdentitiesByUser(ctx, userIDs)
}

func (d *instrumented) LinkIdentity(ctx context.Context, userID string, id directory.Identity) (err error) {
	ctx, done := d.hook(ctx, "LinkIdentity", -1)
	defer finish(done, &err)
	return d.next.LinkIdentity(ctx, userID, id)
}

func (d *instrumented) DomainsByOrganization(ctx context.Context, organizationIDs []string) (_ [][]*directory.Domain, err error) {
	ctx, done := d.hook(ctx, "DomainsByOrganization", len(organizationIDs))
	defer finish(done, &err)
	return d.next.DomainsByOrganization(ctx, organizationIDs)
}

func (d *instrumented) AddDomain(ctx context.Context, in directory.NewDomain) (_ *directory.Domain, err error) {
	ctx, done := d.hook(ctx, "AddDomain", -1)
	defer finish(done, &err)
	return d.next.AddDomain(ctx, in)
}

func (d *instrumented) RemoveDomain(ctx context.Context, organizationID, domainID string) (err error) {
	ctx, done := d.hook(ctx, "RemoveDomain", -1)
	defer finish(done, &err)
	return d.next.RemoveDomain(ctx, organizationID, domainID)
}

func (d *instrumented) Ping(ctx context.Context) (err error) {
	ctx, done := d.hook(ctx, "Ping", -1)
	defer finish(done, &err)
	return d.next.Ping(ctx)
}
