package directory

import "context"

// WithRules wraps a backend so that every write is checked against the shared input rules
// (and canonicalized) before the backend sees it. The server wraps every backend this way,
// which is how the embedded store and Scalekit refuse the same input with the same errors.
func WithRules(d Directory) Directory { return ruled{d} }

type ruled struct{ Directory }

func (r ruled) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	return r.Directory.CreateUser(ctx, in)
}

func (r ruled) UpdateUser(ctx context.Context, in UserUpdate) (*User, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	return r.Directory.UpdateUser(ctx, in)
}

func (r ruled) AddMembership(ctx context.Context, in NewMembership) (*Membership, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	return r.Directory.AddMembership(ctx, in)
}

func (r ruled) UpdateMembership(ctx context.Context, in MembershipUpdate) (*Membership, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	return r.Directory.UpdateMembership(ctx, in)
}

func (r ruled) CreateOrganization(ctx context.Context, in NewOrganization) (*Organization, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	return r.Directory.CreateOrganization(ctx, in)
}

func (r ruled) UpdateOrganization(ctx context.Context, in OrganizationUpdate) (*Organization, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	return r.Directory.UpdateOrganization(ctx, in)
}

func (r ruled) AddDomain(ctx context.Context, in NewDomain) (*Domain, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	return r.Directory.AddDomain(ctx, in)
}
