package scalekittest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usergraph/usergraph/directory/demo"
)

func TestToken(t *testing.T) {
	c := newClient(t, Options{TokenTTL: 90 * time.Second})
	r := c.post("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}).want(t, 200)
	if r.body["token_type"] != "Bearer" || num(r.body["expires_in"]) != 90 || r.body["scope"] != "openid" {
		t.Fatalf("token response %s", r.raw)
	}
	if tok, _ := r.body["access_token"].(string); tok == "" || tok == c.token {
		t.Fatalf("access_token %q, want a new one", tok)
	}

	// HTTP Basic credentials.
	req, _ := http.NewRequest(http.MethodPost, c.s.URL()+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readResp(t, res).want(t, 200)

	// Bad credentials.
	r = c.post("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {"nope"}}).want(t, 401)
	if r.body["error"] != "invalid_client" || r.body["error_description"] == "" {
		t.Fatalf("bad credentials: %s", r.raw)
	}
	c.post("/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}).want(t, 400)
	if n := c.s.TokenRequests(); n != 5 {
		t.Fatalf("TokenRequests %d, want 5", n)
	}
	if n := c.s.Calls(); n != 0 {
		t.Fatalf("Calls %d, want 0 (token requests do not count)", n)
	}
}

func TestCustomCredentials(t *testing.T) {
	t.Parallel()
	s := New(t, Options{ClientID: "skc_1", ClientSecret: "s3cret"})
	c := &client{t: t, s: s, hc: &http.Client{}}
	c.token = c.fetchToken()
	c.do("GET", "/api/v1/roles", nil).want(t, 200)
	c.post("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}).want(t, 401)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	good := c.token

	c.token = ""
	c.do("GET", "/api/v1/users", nil).wantError(t, 401, 16, "UNAUTHENTICATED")
	c.token = "bogus"
	c.do("GET", "/api/v1/users", nil).wantError(t, 401, 16, "UNAUTHENTICATED")

	c.token = good
	c.do("GET", "/api/v1/users", nil).want(t, 200)
	c.s.RevokeTokens()
	c.do("GET", "/api/v1/users", nil).wantError(t, 401, 16, "UNAUTHENTICATED")
	c.token = c.fetchToken()
	c.do("GET", "/api/v1/users", nil).want(t, 200)
}

func TestTokenExpiry(t *testing.T) {
	c := newClient(t, Options{TokenTTL: 300 * time.Millisecond})
	c.do("GET", "/api/v1/roles", nil).want(t, 200)
	time.Sleep(350 * time.Millisecond)
	c.do("GET", "/api/v1/roles", nil).wantError(t, 401, 16, "UNAUTHENTICATED")
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	acme := c.s.OrganizationIDByExternalID("acme")
	if acme == "" {
		t.Fatal("no acme organization")
	}

	// Create, active (no invitation e-mail).
	before := time.Now().UTC()
	r := c.do("POST", "/api/v1/organizations/"+acme+"/users?send_invitation_email=false", map[string]any{
		"email":       "new.person@acme.test",
		"external_id": "acme-9000",
		"metadata":    map[string]string{"team": "blue", "floor": "3"},
		"membership":  map[string]any{"roles": []map[string]string{{"name": "admin"}}, "metadata": map[string]string{"seat": "A1"}},
		"user_profile": map[string]any{
			"given_name": "New", "family_name": "Person", "locale": "en-US", "phone_number": "+14155550199",
			"groups": []string{"a", "b"}, "custom_attributes": map[string]string{"department": "R&D", "level": "3"},
		},
	}).want(t, 201)
	u := r.user()
	id, _ := u["id"].(string)
	if !strings.HasPrefix(id, "usr_") || len(id) < 19 || len(id) > 25 {
		t.Fatalf("id %q", id)
	}
	if u["environment_id"] != EnvironmentID || u["email"] != "new.person@acme.test" || u["external_id"] != "acme-9000" {
		t.Fatalf("user %s", r.raw)
	}
	if !strings.HasPrefix(get(u, "user_profile", "id").(string), "usp_") {
		t.Fatalf("profile id: %s", r.raw)
	}
	ct, err := time.Parse(time.RFC3339Nano, u["create_time"].(string))
	if err != nil || ct.Before(before.Add(-time.Second)) {
		t.Fatalf("create_time %v %v", u["create_time"], err)
	}
	m := membershipIn(u, acme)
	if m["membership_status"] != "ACTIVE" || m["join_time"] == nil || m["expires_at"] != nil || m["display_name"] != "Acme Corp" {
		t.Fatalf("membership %v", m)
	}
	if got := strs(m["permissions"]); !slices.Equal(got, []string{"billing:manage", "billing:read", "org:manage", "org:read", "users:read", "users:write"}) {
		t.Fatalf("permissions %v", got)
	}
	if get(m, "roles", 0, "name") != "admin" || get(m, "roles", 0, "display_name") != "Administrator" || get(m, "roles", 0, "id") != c.s.RoleID("admin") {
		t.Fatalf("roles %v", m["roles"])
	}
	if _, ok := u["last_login_time"]; ok {
		t.Fatalf("last_login_time set on a new user")
	}
	if c.s.UserIDByEmail("NEW.person@acme.test") != id {
		t.Fatal("UserIDByEmail")
	}

	// Invited by default.
	r = c.do("POST", "/api/v1/organizations/"+acme+"/users", map[string]any{"email": "invited@acme.test",
		"membership": map[string]any{"inviter_email": "wile.coyote@acme.test"}}).want(t, 201)
	m = membershipIn(r.user(), acme)
	exp, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["expires_at"]))
	if m["membership_status"] != "PENDING_INVITE" || m["join_time"] != nil || m["inviter_email"] != "wile.coyote@acme.test" ||
		time.Until(exp) < 6*24*time.Hour || time.Until(exp) > 8*24*time.Hour {
		t.Fatalf("invited membership %v", m)
	}
	if get(m, "roles", 0, "name") != "member" {
		t.Fatalf("default role: %v", m["roles"])
	}

	// Duplicates.
	c.do("POST", "/api/v1/organizations/"+acme+"/users", map[string]any{"email": "New.Person@ACME.test"}).wantError(t, 409, 6, "ALREADY_EXISTS")
	r = c.do("POST", "/api/v1/organizations/"+acme+"/users", map[string]any{"email": "other@acme.test", "external_id": "acme-9000"}).wantError(t, 409, 6, "ALREADY_EXISTS")
	if !slices.Equal(r.fields(), []string{"external_id"}) {
		t.Fatalf("fields %v", r.fields())
	}
	c.do("POST", "/api/v1/organizations/org_100000000000000999/users", map[string]any{"email": "x@acme.test"}).wantError(t, 404, 5, "NOT_FOUND")

	// Get by id and external id.
	c.do("GET", "/api/v1/users/"+id, nil).want(t, 200)
	r = c.do("GET", "/api/v1/users:external/acme-9000", nil).want(t, 200)
	if r.user()["id"] != id {
		t.Fatalf("by external id: %s", r.raw)
	}

	// Update: maps and groups replace, "" clears, first_name sets the given name.
	r = c.do("PATCH", "/api/v1/users/"+id, map[string]any{
		"metadata": map[string]string{"team": "red"},
		"user_profile": map[string]any{"family_name": "", "first_name": "Newer", "groups": []string{"c"},
			"custom_attributes": map[string]string{"level": "4"}},
	}).want(t, 200)
	u = r.user()
	if get(u, "metadata", "floor") != nil || get(u, "metadata", "team") != "red" {
		t.Fatalf("metadata not replaced: %v", u["metadata"])
	}
	p := u["user_profile"].(map[string]any)
	if p["given_name"] != "Newer" || p["family_name"] != nil || p["locale"] != "en-US" {
		t.Fatalf("profile %v", p)
	}
	if !slices.Equal(strs(p["groups"]), []string{"c"}) || get(p, "custom_attributes", "department") != nil || get(p, "custom_attributes", "level") != "4" {
		t.Fatalf("profile maps %v", p)
	}
	if u["external_id"] != "acme-9000" {
		t.Fatalf("external id lost: %v", u)
	}
	// By external id; external id change; duplicate external id.
	r = c.do("PATCH", "/api/v1/users:external/acme-9000", map[string]any{"external_id": "acme-9001"}).want(t, 200)
	if r.user()["external_id"] != "acme-9001" {
		t.Fatalf("external id: %s", r.raw)
	}
	r = c.do("PATCH", "/api/v1/users/"+id, map[string]any{"external_id": "acme-0001"}).wantError(t, 409, 6, "ALREADY_EXISTS")
	if !slices.Equal(r.fields(), []string{"external_id"}) {
		t.Fatalf("fields %v", r.fields())
	}
	c.do("PATCH", "/api/v1/users/usr_100000000000000999", map[string]any{}).wantError(t, 404, 5, "NOT_FOUND")

	// Delete.
	r = c.do("DELETE", "/api/v1/users/"+id, nil).want(t, 200)
	if string(r.raw) != "{}" {
		t.Fatalf("delete body %s", r.raw)
	}
	c.do("GET", "/api/v1/users/"+id, nil).wantError(t, 404, 5, "NOT_FOUND")
	c.do("DELETE", "/api/v1/users:external/acme-0002", nil).want(t, 200)
	if c.s.UserIDByExternalID("acme-0002") != "" {
		t.Fatal("user deleted by external id still there")
	}
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	acme := c.s.OrganizationIDByExternalID("acme")
	r := c.do("POST", "/api/v1/organizations/"+acme+"/users", map[string]any{
		"email":        "not-an-email",
		"metadata":     map[string]string{"ab": "x"},
		"user_profile": map[string]any{"given_name": strings.Repeat("g", 256), "phone_number": "555"},
		"membership":   map[string]any{"roles": []map[string]string{{"name": "overlord"}}},
	}).wantError(t, 400, 3, "INVALID_ARGUMENT")
	want := []string{"email", "metadata", "user_profile.given_name", "user_profile.phone_number", "membership.roles"}
	if got := r.fields(); !slices.Equal(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	id := c.s.UserIDByEmail("wile.coyote@acme.test")
	r = c.do("PATCH", "/api/v1/users/"+id, map[string]any{"user_profile": map[string]any{"groups": []string{"x", "x"}}}).wantError(t, 400, 3, "INVALID_ARGUMENT")
	if got := r.fields(); !slices.Equal(got, []string{"user_profile.groups"}) {
		t.Fatalf("fields %v", got)
	}
	tooMany := map[string]string{}
	for i := range 11 {
		tooMany[fmt.Sprintf("key%02d", i)] = "v"
	}
	r = c.do("POST", "/api/v1/organizations", map[string]any{"display_name": "X", "metadata": tooMany}).wantError(t, 400, 3, "INVALID_ARGUMENT")
	if got := r.fields(); !slices.Equal(got, []string{"metadata"}) {
		t.Fatalf("fields %v", got)
	}
	r = c.do("POST", "/api/v1/organizations", map[string]any{"display_name": ""}).wantError(t, 400, 3, "INVALID_ARGUMENT")
	if got := r.fields(); !slices.Equal(got, []string{"display_name"}) {
		t.Fatalf("fields %v", got)
	}
}

func TestMemberships(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	acme, globex, initech := c.s.OrganizationIDByExternalID("acme"), c.s.OrganizationIDByExternalID("globex"), c.s.OrganizationIDByExternalID("initech")
	roadrunner := c.s.UserIDByEmail("road.runner@acme.test") // acme only
	path := func(org, user string) string { return "/api/v1/memberships/organizations/" + org + "/users/" + user }

	r := c.do("POST", path(globex, roadrunner)+"?send_invitation_email=false", map[string]any{
		"roles": []map[string]string{{"name": "viewer"}, {"name": "member"}}, "metadata": map[string]string{"source": "test"},
	}).want(t, 201)
	m := membershipIn(r.user(), globex)
	if m["membership_status"] != "ACTIVE" || get(m, "metadata", "source") != "test" {
		t.Fatalf("membership %v", m)
	}
	if got := strs(m["permissions"]); !slices.Equal(got, []string{"org:read", "users:read"}) {
		t.Fatalf("permissions %v", got)
	}
	if membershipIn(r.user(), acme) == nil {
		t.Fatal("user lost its acme membership")
	}
	c.do("POST", path(globex, roadrunner), map[string]any{}).wantError(t, 409, 6, "ALREADY_EXISTS")
	r = c.do("POST", path(initech, roadrunner), map[string]any{"roles": []map[string]string{{"name": "nope"}}}).wantError(t, 400, 3, "INVALID_ARGUMENT")
	if !slices.Equal(r.fields(), []string{"roles"}) {
		t.Fatalf("fields %v", r.fields())
	}
	c.do("POST", path(initech, "usr_100000000000000999"), map[string]any{}).wantError(t, 404, 5, "NOT_FOUND")
	c.do("POST", path("org_100000000000000999", roadrunner), map[string]any{}).wantError(t, 404, 5, "NOT_FOUND")

	// Invitation by external id.
	r = c.do("POST", "/api/v1/memberships/organizations/"+initech+"/users:external/acme-0002", map[string]any{"inviter_email": "bill.lumbergh@initech.test"}).want(t, 201)
	if m := membershipIn(r.user(), initech); m["membership_status"] != "PENDING_INVITE" || m["expires_at"] == nil || m["join_time"] != nil {
		t.Fatalf("invited %v", m)
	}

	// Update: roles replace the set, metadata replaces; empty roles keep the set.
	r = c.do("PATCH", path(globex, roadrunner), map[string]any{"roles": []map[string]string{{"name": "admin"}}, "metadata": map[string]string{"other": "yes"}}).want(t, 200)
	m = membershipIn(r.user(), globex)
	if len(m["roles"].([]any)) != 1 || get(m, "roles", 0, "name") != "admin" || get(m, "metadata", "source") != nil || get(m, "metadata", "other") != "yes" {
		t.Fatalf("updated %v", m)
	}
	r = c.do("PATCH", path(globex, roadrunner), map[string]any{"roles": []any{}}).want(t, 200)
	if get(membershipIn(r.user(), globex), "roles", 0, "name") != "admin" {
		t.Fatalf("empty roles changed the set: %s", r.raw)
	}
	c.do("PATCH", "/api/v1/memberships/organizations/"+globex+"/users:external/acme-0002", map[string]any{"roles": []map[string]string{{"name": "viewer"}}}).want(t, 200)
	hank := c.s.UserIDByEmail("hank.scorpio@globex.test")
	c.do("PATCH", path(acme, hank), map[string]any{"roles": []map[string]string{{"name": "viewer"}}}).wantError(t, 404, 5, "NOT_FOUND")

	// Delete: cascade=false keeps a user without memberships; the default (cascade) deletes them.
	c.do("DELETE", path(globex, roadrunner), nil).want(t, 200)
	c.do("DELETE", path(initech, roadrunner), nil).want(t, 200)
	c.do("DELETE", path(acme, roadrunner)+"?cascade=false", nil).want(t, 200)
	r = c.do("GET", "/api/v1/users/"+roadrunner, nil).want(t, 200)
	if ms := r.user()["memberships"].([]any); len(ms) != 0 {
		t.Fatalf("memberships %v", ms)
	}
	c.do("DELETE", path(acme, roadrunner), nil).wantError(t, 404, 5, "NOT_FOUND")

	c.do("DELETE", path(globex, hank), nil).want(t, 200) // Hank's only membership
	c.do("GET", "/api/v1/users/"+hank, nil).wantError(t, 404, 5, "NOT_FOUND")

	wile := c.s.UserIDByEmail("wile.coyote@acme.test") // acme and globex
	c.do("DELETE", path(globex, wile)+"?cascade=true", nil).want(t, 200)
	r = c.do("GET", "/api/v1/users/"+wile, nil).want(t, 200)
	if ms := r.user()["memberships"].([]any); len(ms) != 1 {
		t.Fatalf("memberships %v", ms)
	}
}

func TestOrganizations(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	r := c.do("POST", "/api/v1/organizations", map[string]any{"display_name": "Wayne Enterprises", "external_id": "wayne",
		"metadata": map[string]string{"plan": "enterprise"}}).want(t, 201)
	o := r.body["organization"].(map[string]any)
	id := o["id"].(string)
	if !strings.HasPrefix(id, "org_") || len(id) > 32 || o["region_code"] != "US" || o["external_id"] != "wayne" || o["create_time"] == nil {
		t.Fatalf("organization %s", r.raw)
	}
	c.do("POST", "/api/v1/organizations", map[string]any{"display_name": "Other", "external_id": "wayne"}).wantError(t, 409, 6, "ALREADY_EXISTS")

	c.do("GET", "/api/v1/organizations/"+id, nil).want(t, 200)
	r = c.do("GET", "/api/v1/organizations:external/wayne", nil).want(t, 200)
	if get(r.body, "organization", "id") != id {
		t.Fatalf("by external id %s", r.raw)
	}
	c.do("GET", "/api/v1/organizations:external/nobody", nil).wantError(t, 404, 5, "NOT_FOUND")
	r = c.do("GET", "/api/v1/organizations?external_id=wayne", nil).want(t, 200)
	if num(r.body["total_size"]) != 1 || get(r.body, "organizations", 0, "id") != id {
		t.Fatalf("filtered list %s", r.raw)
	}
	r = c.do("GET", "/api/v1/organizations", nil).want(t, 200)
	if num(r.body["total_size"]) != 4 || get(r.body, "organizations", 0, "display_name") != "Acme Corp" {
		t.Fatalf("list %s", r.raw)
	}

	r = c.do("PATCH", "/api/v1/organizations/"+id, map[string]any{"display_name": "Wayne Corp", "metadata": map[string]string{"tier": "gold"}}).want(t, 200)
	o = r.body["organization"].(map[string]any)
	if o["display_name"] != "Wayne Corp" || get(o, "metadata", "plan") != nil || get(o, "metadata", "tier") != "gold" || o["external_id"] != "wayne" {
		t.Fatalf("updated %s", r.raw)
	}
	r = c.do("PATCH", "/api/v1/organizations/"+id, map[string]any{"external_id": ""}).want(t, 200)
	if _, ok := get(r.body, "organization").(map[string]any)["external_id"]; ok {
		t.Fatalf("external id not cleared: %s", r.raw)
	}
	c.do("PATCH", "/api/v1/organizations/"+id, map[string]any{"external_id": "acme"}).wantError(t, 409, 6, "ALREADY_EXISTS")

	// Deleting an organization removes its memberships; the users stay.
	acme := c.s.OrganizationIDByExternalID("acme")
	daffy := c.s.UserIDByEmail("daffy.duck@acme.test") // acme only
	c.do("DELETE", "/api/v1/organizations/"+acme, nil).want(t, 200)
	c.do("GET", "/api/v1/organizations/"+acme, nil).wantError(t, 404, 5, "NOT_FOUND")
	r = c.do("GET", "/api/v1/users/"+daffy, nil).want(t, 200)
	if ms := r.user()["memberships"].([]any); len(ms) != 0 {
		t.Fatalf("memberships %v", ms)
	}
	if c.s.UserCount() != len(demo.Users) {
		t.Fatalf("users %d", c.s.UserCount())
	}
	c.do("GET", "/api/v1/organizations/"+acme+"/users", nil).wantError(t, 404, 5, "NOT_FOUND")
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	var emails []string
	var prevIDs []string
	tok, prev := "", ""
	for page := 0; ; page++ {
		q := "/api/v1/users?page_size=7"
		if tok != "" {
			q += "&page_token=" + url.QueryEscape(tok)
		}
		r := c.do("GET", q, nil).want(t, 200)
		if num(r.body["total_size"]) != 20 {
			t.Fatalf("total_size %v", r.body["total_size"])
		}
		if got, _ := r.body["prev_page_token"].(string); (page == 0) != (got == "") {
			t.Fatalf("page %d prev_page_token %q", page, got)
		} else if page == 1 && got != "" {
			prev = got
		}
		users := r.body["users"].([]any)
		wantLen := []int{7, 7, 6}[page]
		if len(users) != wantLen {
			t.Fatalf("page %d: %d users, want %d", page, len(users), wantLen)
		}
		for _, u := range users {
			u := u.(map[string]any)
			emails = append(emails, u["email"].(string))
			prevIDs = append(prevIDs, u["id"].(string))
			if len(u["memberships"].([]any)) == 0 {
				t.Fatalf("user without memberships %v", u)
			}
		}
		next, ok := r.body["next_page_token"].(string)
		if !ok {
			t.Fatalf("next_page_token absent: %s", r.raw)
		}
		if next == "" {
			if page != 2 {
				t.Fatalf("last page is %d", page)
			}
			break
		}
		tok = next
	}
	if !slices.Equal(emails, demo.Emails()) {
		t.Fatalf("order %v", emails)
	}
	if !slices.IsSorted(prevIDs) {
		t.Fatalf("ids not ascending %v", prevIDs)
	}
	// The previous page of page 1 is page 0.
	r := c.do("GET", "/api/v1/users?page_size=7&page_token="+url.QueryEscape(prev), nil).want(t, 200)
	if get(r.body, "users", 0, "email") != demo.Users[0].Email {
		t.Fatalf("prev page %s", r.raw)
	}
	// Every user carries all memberships.
	wile := c.s.UserIDByEmail("wile.coyote@acme.test")
	r = c.do("GET", "/api/v1/users/"+wile, nil).want(t, 200)
	if len(r.user()["memberships"].([]any)) != 2 {
		t.Fatalf("memberships %s", r.raw)
	}
	c.do("GET", "/api/v1/users?page_token=garbage!", nil).wantError(t, 400, 3, "INVALID_ARGUMENT")

	// Organization users: 9 in acme, default page size 10; max 100.
	acme := c.s.OrganizationIDByExternalID("acme")
	r = c.do("GET", "/api/v1/organizations/"+acme+"/users", nil).want(t, 200)
	if num(r.body["total_size"]) != 9 || len(r.body["users"].([]any)) != 9 || r.body["next_page_token"] != "" {
		t.Fatalf("acme users %s", r.raw)
	}
	u0 := get(r.body, "users", 0).(map[string]any)
	if u0["email"] != "wile.coyote@acme.test" || len(u0["memberships"].([]any)) != 2 {
		t.Fatalf("org list user %v", u0)
	}
	r = c.do("GET", "/api/v1/organizations/"+acme+"/users?page_size=4", nil).want(t, 200)
	if len(r.body["users"].([]any)) != 4 || r.body["next_page_token"] == "" {
		t.Fatalf("acme page %s", r.raw)
	}
	c.do("GET", "/api/v1/organizations/"+acme+"/users?page_size=101", nil).wantError(t, 400, 3, "INVALID_ARGUMENT")
	c.do("GET", "/api/v1/organizations/org_100000000000000999/users", nil).wantError(t, 404, 5, "NOT_FOUND")
}

func TestSearch(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	r := c.do("GET", "/api/v1/users:search?query=ACME.test&page_size=30", nil).want(t, 200)
	if num(r.body["total_size"]) != 6 {
		t.Fatalf("acme.test: %s", r.raw)
	}
	r = c.do("GET", "/api/v1/users:search?query=globex-&page_size=1", nil).want(t, 200)
	if num(r.body["total_size"]) != 2 || len(r.body["users"].([]any)) != 1 || r.body["next_page_token"] == "" {
		t.Fatalf("external id search: %s", r.raw)
	}
	id := c.s.UserIDByEmail("joanna@initech.test")
	r = c.do("GET", "/api/v1/users:search?query="+id, nil).want(t, 200)
	if num(r.body["total_size"]) != 1 {
		t.Fatalf("id search: %s", r.raw)
	}
	initech := c.s.OrganizationIDByExternalID("initech")
	r = c.do("GET", "/api/v1/organizations/"+initech+"/users:search?query=acme.test", nil).want(t, 200)
	if num(r.body["total_size"]) != 1 || get(r.body, "users", 0, "email") != "marvin.martian@acme.test" {
		t.Fatalf("org search: %s", r.raw)
	}

	// Length limits are part of the spec: sending them is a contract violation, answered 400.
	needSpec(t)
	bad := newClient(t, Options{Seed: true, ExpectViolations: true})
	bad.do("GET", "/api/v1/users:search?query=ab", nil).wantError(t, 400, 3, "INVALID_ARGUMENT")
	bad.do("GET", "/api/v1/users:search?query="+strings.Repeat("a", 101), nil).wantError(t, 400, 3, "INVALID_ARGUMENT")
	bad.do("GET", "/api/v1/users:search", nil).wantError(t, 400, 3, "INVALID_ARGUMENT")
	bad.do("GET", "/api/v1/users:search?query=abc&page_size=31", nil).wantError(t, 400, 3, "INVALID_ARGUMENT")
	if n := len(bad.s.Violations()); n != 4 {
		t.Fatalf("%d violations, want 4: %v", n, bad.s.Violations())
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{}) // no seed: the role catalogue is still there
	r := c.do("GET", "/api/v1/roles", nil).want(t, 200)
	roles := r.body["roles"].([]any)
	if len(roles) != len(demo.Roles) {
		t.Fatalf("roles %s", r.raw)
	}
	for i, x := range roles {
		ro := x.(map[string]any)
		if ro["name"] != demo.Roles[i].Name || ro["default_member"] != demo.Roles[i].DefaultMember || ro["permissions"] != nil ||
			!strings.HasPrefix(ro["id"].(string), "role_") {
			t.Fatalf("role %v", ro)
		}
	}
	r = c.do("GET", "/api/v1/roles?include=permissions", nil).want(t, 200)
	perms := get(r.body, "roles", 1, "permissions").([]any)
	if len(perms) != 2 {
		t.Fatalf("member permissions %v", perms)
	}
	p := perms[0].(map[string]any)
	if p["name"] != "users:read" || p["role_name"] != "member" || !strings.HasPrefix(p["id"].(string), "perm_") || p["description"] == "" {
		t.Fatalf("permission %v", p)
	}
	r = c.do("GET", "/api/v1/roles/viewer?include=permissions:all", nil).want(t, 200)
	if get(r.body, "role", "permissions", 0, "name") != "org:read" {
		t.Fatalf("viewer %s", r.raw)
	}
	c.do("GET", "/api/v1/roles/nobody", nil).wantError(t, 404, 5, "NOT_FOUND")
	r = c.do("GET", "/api/v1/users", nil).want(t, 200)
	if num(r.body["total_size"]) != 0 || len(r.body["users"].([]any)) != 0 {
		t.Fatalf("unseeded users %s", r.raw)
	}
}

func TestSeedContent(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	r := c.do("GET", "/api/v1/users/"+c.s.UserIDByEmail("wile.coyote@acme.test"), nil).want(t, 200)
	u := r.user()
	p := u["user_profile"].(map[string]any)
	if p["name"] != "Wile Coyote" || p["phone_number_verified"] != true || p["email_verified"] != true ||
		p["preferred_username"] != "wile" || get(u, "metadata", "source") != "seed" || get(p, "custom_attributes", "title") != "Chief Inventor" {
		t.Fatalf("wile %s", r.raw)
	}
	ll, err := time.Parse(time.RFC3339Nano, u["last_login_time"].(string))
	if err != nil || time.Since(ll) < 110*time.Minute || time.Since(ll) > 130*time.Minute {
		t.Fatalf("last_login_time %v", u["last_login_time"])
	}
	r = c.do("GET", "/api/v1/users/"+c.s.UserIDByEmail("daffy.duck@acme.test"), nil).want(t, 200)
	m := membershipIn(r.user(), c.s.OrganizationIDByExternalID("acme"))
	if m["membership_status"] != "PENDING_INVITE" || m["inviter_email"] != "wile.coyote@acme.test" || m["expires_at"] == nil || m["join_time"] != nil {
		t.Fatalf("daffy %v", m)
	}
	if _, ok := r.user()["last_login_time"]; ok {
		t.Fatal("daffy never logged in")
	}
	if get(r.user(), "user_profile", "phone_number_verified") != false {
		t.Fatal("phone_number_verified")
	}
}

func TestFail(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	id := c.s.UserIDByEmail("wile.coyote@acme.test")
	c.s.Fail("GET /api/v1/users/{id}", 2, 429, "3")
	for range 2 {
		r := c.do("GET", "/api/v1/users/"+id, nil).wantError(t, 429, 8, "RATE_LIMITED")
		if r.header.Get("Retry-After") != "3" {
			t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	c.do("GET", "/api/v1/roles", nil).want(t, 200) // another route is not affected
	c.do("GET", "/api/v1/users/"+id, nil).want(t, 200)

	c.s.Fail("*", 1, 503, "")
	r := c.do("GET", "/api/v1/roles", nil).wantError(t, 503, 14, "UNAVAILABLE")
	if r.header.Get("Retry-After") != "" {
		t.Fatal("unexpected Retry-After")
	}
	c.s.Fail("*", 1, 500, "")
	c.do("GET", "/api/v1/roles", nil).wantError(t, 500, 13, "INTERNAL")
	c.s.Fail("*", 1, 504, "")
	c.do("GET", "/api/v1/roles", nil).wantError(t, 504, 4, "DEADLINE_EXCEEDED")
	c.s.Fail("*", 1, 502, "")
	c.do("GET", "/api/v1/roles", nil).wantError(t, 502, 14, "UNAVAILABLE")
	c.do("GET", "/api/v1/roles", nil).want(t, 200)

	if n := c.s.Calls(); n != 9 {
		t.Fatalf("Calls %d, want 9", n)
	}
	routes := c.s.Routes()
	if routes["GET /api/v1/users/{id}"] != 3 || routes["GET /api/v1/roles"] != 6 {
		t.Fatalf("routes %v", routes)
	}
}

func TestHang(t *testing.T) {
	c := newClient(t, Options{})
	c.s.Hang("GET /api/v1/roles", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.send(ctx, "GET", "/api/v1/roles", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}
	c.do("GET", "/api/v1/roles", nil).want(t, 200)

	// A request still hanging when the test ends does not block the cleanup.
	c.s.Hang("*", 1)
	go func() { _, _ = c.send(context.Background(), "GET", "/api/v1/roles", nil) }()
	for c.s.Calls() < 3 {
		time.Sleep(time.Millisecond)
	}
}

func TestLatencyAndMaxInFlight(t *testing.T) {
	c := newClient(t, Options{Seed: true, Latency: 60 * time.Millisecond})
	start := time.Now()
	c.do("GET", "/api/v1/roles", nil).want(t, 200)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { c.do("GET", "/api/v1/users?page_size=3", nil).want(t, 200) })
	}
	wg.Wait()
	if n := c.s.MaxInFlight(); n != 5 {
		t.Fatalf("MaxInFlight %d, want 5", n)
	}
	c.s.SetLatency(0)
	start = time.Now()
	c.do("GET", "/api/v1/roles", nil).want(t, 200)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Fatalf("SetLatency(0): answered after %v", d)
	}
	// Latency respects the request's context.
	c.s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.send(ctx, "GET", "/api/v1/roles", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

// TestContractViolation proves requests are checked against openapi.json: a create-user body
// whose email is a number is recorded as a violation and answered 400 (code 3).
func TestContractViolation(t *testing.T) {
	t.Parallel()
	needSpec(t)
	c := newClient(t, Options{Seed: true, ExpectViolations: true})
	acme := c.s.OrganizationIDByExternalID("acme")
	r := c.do("POST", "/api/v1/organizations/"+acme+"/users", `{"email": 42}`).wantError(t, 400, 3, "INVALID_ARGUMENT")
	if !strings.Contains(r.body["message"].(string), "$.email") {
		t.Fatalf("message does not name the violation: %s", r.raw)
	}
	vs := c.s.Violations()
	if len(vs) != 1 || !strings.Contains(vs[0], "$.email") || !strings.Contains(vs[0], "POST /api/v1/organizations/"+acme+"/users") {
		t.Fatalf("violations %q", vs)
	}
	// A path that is not in the spec is a violation too.
	c.do("GET", "/api/v1/no-such-thing", nil).wantError(t, 400, 3, "INVALID_ARGUMENT")
	// A wrong-typed query parameter.
	c.do("GET", "/api/v1/users?page_size=many", nil).wantError(t, 400, 3, "INVALID_ARGUMENT")
	if n := len(c.s.Violations()); n != 3 {
		t.Fatalf("%d violations: %q", n, c.s.Violations())
	}
	// Well-formed requests add none.
	c.do("GET", "/api/v1/users", nil).want(t, 200)
	if n := len(c.s.Violations()); n != 3 {
		t.Fatalf("%d violations: %q", n, c.s.Violations())
	}
}

// TestResponseValidation checks that the response side is validated: a response the spec
// rejects (an organization without its required create_time) is recorded.
func TestResponseValidation(t *testing.T) {
	t.Parallel()
	needSpec(t)
	v, _, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://x/api/v1/organizations/org_1", nil)
	hdr := http.Header{"Content-Type": {"application/json"}}
	if vs := validateResponse(v, req, 200, hdr, []byte(`{"organization":{"id":"org_1"}}`)); len(vs) != 1 || !strings.Contains(vs[0], "create_time") {
		t.Fatalf("violations %q", vs)
	}
	if vs := validateResponse(v, req, 200, hdr, []byte(`{"organization":{"id":"org_1","create_time":"yesterday"}}`)); len(vs) != 1 {
		t.Fatalf("date-time not checked: %q", vs)
	}
	if vs := validateResponse(v, req, 404, hdr, []byte(`{"code":5}`)); len(vs) != 0 {
		t.Fatalf("error responses are not validated: %q", vs)
	}
}

// TestConcurrentUse runs reads and writes at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Seed: true})
	acme := c.s.OrganizationIDByExternalID("acme")
	wile := c.s.UserIDByEmail("wile.coyote@acme.test")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				c.do("GET", "/api/v1/users/"+wile, nil).want(t, 200)
				c.do("GET", "/api/v1/organizations/"+acme+"/users?page_size=5", nil).want(t, 200)
				c.do("POST", "/api/v1/organizations/"+acme+"/users?send_invitation_email=false",
					map[string]any{"email": fmt.Sprintf("u%d.%d@acme.test", i, j)}).want(t, 201)
			}
		})
	}
	wg.Wait()
	if n := c.s.UserCount(); n != 20+40 {
		t.Fatalf("users %d", n)
	}
}
