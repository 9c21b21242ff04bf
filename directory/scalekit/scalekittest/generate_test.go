package scalekittest

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestGeneratedDataSet(t *testing.T) {
	orgs, users := generated(Generated{Organizations: 50, Users: 5000, Seed: 1})
	if len(orgs) != 50 || len(users) != 5000 {
		t.Fatalf("got %d organizations and %d users, want 50 and 5000", len(orgs), len(users))
	}
	perCount := map[int]int{}
	emails := map[string]bool{}
	for _, u := range users {
		n := len(u.Memberships)
		perCount[n]++
		if n < 1 || n > 3 {
			t.Fatalf("%s has %d memberships, want 1–3", u.Email, n)
		}
		seen := map[string]bool{}
		for _, m := range u.Memberships {
			if seen[m.Org] {
				t.Fatalf("%s is twice a member of %s", u.Email, m.Org)
			}
			seen[m.Org] = true
		}
		if emails[u.Email] {
			t.Fatalf("e-mail %s given twice", u.Email)
		}
		emails[u.Email] = true
	}
	for n := 1; n <= 3; n++ {
		if perCount[n] < 1000 {
			t.Errorf("%d users with %d memberships: the counts should spread over 1–3 (%v)", perCount[n], n, perCount)
		}
	}
	orgs2, users2 := generated(Generated{Organizations: 50, Users: 5000, Seed: 1})
	if !reflect.DeepEqual(orgs, orgs2) || !reflect.DeepEqual(users, users2) {
		t.Error("the same sizes and seed gave different data")
	}
	if _, other := generated(Generated{Organizations: 50, Users: 5000, Seed: 2}); reflect.DeepEqual(users, other) {
		t.Error("another seed gave the same data")
	}
}

// Start can serve without the contract check, and says so; the counters endpoint counts API
// calls and not itself. (Serving without the document is cmd/fakescalekit's test: the
// document is loaded once per process.)
func TestStartUncheckedAndCounters(t *testing.T) {
	s, err := Start(Options{NoValidation: true, Generate: &Generated{Organizations: 3, Users: 10}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SpecSkipped() == "" {
		t.Error("SpecSkipped is empty with NoValidation")
	}
	if s.UserCount() != 10 || s.OrganizationCount() != 3 {
		t.Errorf("%d users, %d organizations; want 10 and 3", s.UserCount(), s.OrganizationCount())
	}
	c := &client{t: t, s: s, hc: &http.Client{}}
	c.token = c.fetchToken()
	for range 2 {
		if r := c.do(http.MethodGet, "/api/v1/users?page_size=5", nil); r.status != http.StatusOK {
			t.Fatalf("list users: %d %s", r.status, r.raw)
		}
	}
	var got Counters
	for range 2 { // the second read shows the first was not counted as a call
		res, err := http.Get(s.URL() + CountersPath)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := (Counters{Calls: 2, TokenRequests: 1, MaxInFlight: 1}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
}
