package scalekit

import (
	"context"

	"github.com/usergraph/usergraph/directory"
)

// Scalekit records a user's identities itself, when the user signs in through one of its
// connections, and shows them as external_identities; its API cannot write them. So this
// backend reads identities from the users and cannot link new ones.

// UserByIdentity finds the user by the email the provider sent and accepts it only when
// Scalekit has that very account among the user's identities: the email alone never links.
func (c *Client) UserByIdentity(ctx context.Context, in directory.IdentityLookup) (*directory.User, error) {
	if in.Email == "" {
		return nil, nil
	}
	users, err := c.UsersByEmail(ctx, []string{in.Email})
	if err != nil || users[0] == nil {
		return nil, err
	}
	for _, id := range users[0].Identities {
		if id.Sub == in.Sub || (in.ConnectionID != "" && deref(id.ConnectionID) == in.ConnectionID &&
			deref(id.ProviderUserID) == in.ProviderUserID) {
			return users[0], nil
		}
	}
	return nil, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// IdentitiesByUser reads the identities embedded in each user.
func (c *Client) IdentitiesByUser(ctx context.Context, userIDs []string) ([][]*directory.Identity, error) {
	users, err := c.UsersByID(ctx, userIDs)
	out := make([][]*directory.Identity, len(userIDs))
	for i, u := range users {
		out[i] = []*directory.Identity{}
		if u != nil && u.Identities != nil {
			out[i] = u.Identities
		}
	}
	return out, err
}

// LinkIdentity cannot record anything in Scalekit; it checks that the user exists, so that
// provisioning fails the same way on both backends, and leaves the recording to Scalekit's
// own sign-in.
func (c *Client) LinkIdentity(ctx context.Context, userID string, id directory.Identity) error {
	users, err := c.UsersByID(ctx, []string{userID})
	if err != nil {
		return err
	}
	if users[0] == nil {
		return noUser(userID, "userId")
	}
	return nil
}
