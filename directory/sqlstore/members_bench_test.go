package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/directorytest"
	"github.com/usergraph/usergraph/directory/sqlstore/postgrestest"
)

// BenchmarkMembers answers one batch of consecutive pages of 100 members of an organization
// of 1,000, as the gateway asks for a long members list (aliased pages): pages=10 reads the
// whole organization. A statement whose pages each cost their own 100 members costs ten times
// pages=1 at pages=10 (compare the ns/page metric); one that reads the organization past each
// page's cursor, or counts it once per page, costs more.
//
//	go test -run '^$' -bench Members -benchtime 50x ./directory/sqlstore
func BenchmarkMembers(b *testing.B) {
	const members, pageSize = 1000, 100
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			st := openBenchStore(b, dialect)
			org := directorytest.MustNewOrganization(b, ctx, st, "Members")
			for i := range members {
				directorytest.MustCreateUser(b, ctx, st, org, fmt.Sprintf("m%04d@members.test", i))
			}
			all, err := st.Members(ctx, []directory.MembersQuery{{OrganizationID: org, First: directory.MaxPageSize}})
			require.NoError(b, err)
			require.Equal(b, members, all[0].TotalCount)
			var pages []directory.MembersQuery
			after := ""
			for range members / pageSize {
				pages = append(pages, directory.MembersQuery{OrganizationID: org, First: pageSize, After: after})
				// Each page starts after the last member of the page before.
				got, err := st.Members(ctx, pages[len(pages)-1:])
				require.NoError(b, err)
				after = got[0].Cursors[pageSize-1]
			}
			for _, n := range []int{1, 10} {
				b.Run(fmt.Sprintf("pages=%d", n), func(b *testing.B) {
					batch := pages[:n]
					b.ReportAllocs()
					for b.Loop() {
						got, err := st.Members(ctx, batch)
						if err != nil || len(got[n-1].Items) != pageSize {
							b.Fatalf("members: %v", err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/page")
				})
			}
		})
	}
}

// BenchmarkMembersByStatus answers the first page of 100 members with one status in an
// organization of 10,000 whose other members all have another status. The 100 are spread
// evenly, one every 100 members in user id order, so that a page that reads the
// organization's members in order and throws away those of the other status reads all
// 10,000. The total comes with the page, as always. PostgreSQL's tables are vacuumed and
// analyzed first, as autovacuum would have done for a table of that size, so that the
// planner knows them. With one organization holding the whole table, PostgreSQL may count
// the total by reading the table rather than the index: it plans before knowing which
// status is asked for, and expects half the members to have it.
//
//	go test -run '^$' -bench MembersByStatus -benchtime 200x ./directory/sqlstore
func BenchmarkMembersByStatus(b *testing.B) {
	const members, every, pageSize = 10000, 100, 100
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			st := openBenchStore(b, dialect)
			org := directorytest.MustNewOrganization(b, ctx, st, "Members")
			// One transaction for them all: creating users one by one would take longer
			// than the benchmark.
			require.NoError(b, st.writeOnce(ctx, false, func(c conn) error {
				t := now()
				for i := range members {
					u := &directory.User{ID: newID(userPrefix), Email: fmt.Sprintf("m%05d@members.test", i),
						CreateTime: t, UpdateTime: t, Profile: directory.UserProfile{ID: newID(profilePrefix)}}
					if err := insertUser(ctx, c, u); err != nil {
						return err
					}
					m := newMembership(u.ID, org, false, t)
					if i%every == 0 {
						m.Status = directory.MembershipInactive
					}
					if err := insertMembership(ctx, c, m, nil); err != nil {
						return err
					}
				}
				return nil
			}))
			if dialect == "postgres" {
				_, err := st.writer.ExecContext(ctx, "VACUUM ANALYZE")
				require.NoError(b, err)
			}
			// User ids grow in creation order, so the members with the status are every
			// hundredth in user id order, from the first to the last hundred.
			all, err := st.Members(ctx, []directory.MembersQuery{{OrganizationID: org, First: pageSize,
				Status: directory.MembershipInactive}})
			require.NoError(b, err)
			require.Equal(b, members/every, all[0].TotalCount)
			require.Len(b, all[0].Items, pageSize)
			batch := []directory.MembersQuery{{OrganizationID: org, First: pageSize, Status: directory.MembershipInactive}}
			b.ReportAllocs()
			for b.Loop() {
				got, err := st.Members(ctx, batch)
				if err != nil || len(got[0].Items) != pageSize {
					b.Fatalf("members: %v", err)
				}
			}
		})
	}
}

// openBenchStore opens a store of the dialect on a new, empty database, closed when the
// benchmark ends.
func openBenchStore(b *testing.B, dialect string) *Store {
	ctx := context.Background()
	var st *Store
	var err error
	if dialect == "sqlite" {
		st, err = OpenSQLite(ctx, filepath.Join(b.TempDir(), "members.db"), Options{})
	} else {
		st, err = OpenPostgres(ctx, postgrestest.Start(b), Options{})
	}
	require.NoError(b, err)
	b.Cleanup(func() { _ = st.Close() })
	return st
}
