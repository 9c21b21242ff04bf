package scalekittest

import (
	"fmt"
	"math/rand/v2"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
)

// Generated sizes a generated data set: Organizations organizations and Users users, each user
// an active member of one to three distinct organizations with the demo roles (mostly
// member). The same sizes and Seed always give the same data, so that two runs of a benchmark
// load the same people.
type Generated struct {
	Organizations, Users int
	Seed                 uint64
}

// memberRoles is the roles a generated membership draws from: eight in ten are members.
var memberRoles = [][]string{
	{"member"}, {"member"}, {"member"}, {"member"}, {"member"}, {"member"}, {"member"}, {"member"},
	{"admin"}, {"viewer"},
}

// generated builds the data set g describes, in the demo data's own shapes.
func generated(g Generated) ([]demo.Organization, []demo.User) {
	rng := rand.New(rand.NewPCG(g.Seed, 0x5ca1e))
	orgs := make([]demo.Organization, g.Organizations)
	for i := range orgs {
		key := fmt.Sprintf("gen-%03d", i+1)
		orgs[i] = demo.Organization{Key: key, DisplayName: fmt.Sprintf("Organization %03d", i+1), ExternalID: key,
			Metadata: map[string]string{"plan": []string{"starter", "business", "enterprise"}[i%3]}}
	}
	users := make([]demo.User, g.Users)
	for i := range users {
		n := 1 + rng.IntN(min(3, len(orgs)))
		picked := rng.Perm(len(orgs))[:n]
		ms := make([]demo.Membership, n)
		for j, o := range picked {
			ms[j] = demo.Membership{Org: orgs[o].Key, Roles: memberRoles[rng.IntN(len(memberRoles))], Status: directory.MembershipActive}
		}
		users[i] = demo.User{
			Email:      fmt.Sprintf("user%05d@gen.test", i+1),
			ExternalID: fmt.Sprintf("gen-user-%05d", i+1),
			Given:      fmt.Sprintf("User%05d", i+1), Family: "Generated",
			Locale: "en-US", EmailVerified: true, LastLoginHoursAgo: 1 + i%48,
			Memberships: ms,
		}
	}
	return orgs, users
}

// generate loads the data set g describes.
func (s *Server) generate(g Generated) { s.load(generated(g)) }
