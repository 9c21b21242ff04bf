package graph

import (
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/graph/model"
	"github.com/usergraph/usergraph/profile"
	"github.com/usergraph/usergraph/provision"
)

// identityInput converts the GraphQL identity fields. The raw attributes arrive parsed by
// GraphQL; they are encoded back to one JSON object (keys sorted, numbers as sent), which
// is what the identity keeps.
func identityInput(connectionType, providerName string, raw any, connectionID, organizationID graphql.Omittable[*string]) (profile.Input, error) {
	in := profile.Input{ConnectionType: connectionType, ProviderName: providerName}
	if v, _ := connectionID.ValueOK(); v != nil {
		in.ConnectionID = *v
	}
	if v, _ := organizationID.ValueOK(); v != nil {
		in.OrganizationID = *v
	}
	if _, isObject := raw.(map[string]any); !isObject {
		return in, directory.Invalid(directory.FieldError{Field: []string{"rawAttributes"}, Code: directory.CodeInvalid,
			Message: "rawAttributes must be a JSON object"})
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return in, directory.Invalid(directory.FieldError{Field: []string{"rawAttributes"}, Code: directory.CodeInvalid,
			Message: "rawAttributes is not encodable as JSON"})
	}
	in.RawAttributes = b
	return in, nil
}

func provisionRequest(input model.ProvisionInput) (provision.Request, error) {
	in, err := identityInput(input.ConnectionType, input.ProviderName, input.RawAttributes, input.ConnectionID, input.OrganizationID)
	req := provision.Request{Identity: in}
	if roles, ok := input.Roles.ValueOK(); ok {
		if roles == nil {
			roles = []string{}
		}
		req.Roles = roles
	}
	if send, _ := input.SendInvitationEmail.ValueOK(); send != nil {
		req.SendInvitationEmail = *send
	}
	return req, err
}

func normalizedProfile(p *profile.Profile) *model.NormalizedProfile {
	out := &model.NormalizedProfile{
		Sub: p.Sub, EmailVerified: p.EmailVerified, Name: p.Name, GivenName: p.GivenName, FamilyName: p.FamilyName,
		Locale: p.Locale, Picture: p.Picture, PhoneNumber: p.PhoneNumber, PreferredUsername: p.PreferredUsername,
		Groups: p.Groups,
	}
	if out.Groups == nil {
		out.Groups = []string{}
	}
	if p.Email != "" {
		out.Email = &p.Email
	}
	out.Identities = []*directory.Identity{p.DirectoryIdentity(nil)}
	return out
}
