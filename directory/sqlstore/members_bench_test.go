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
			var st *Store
			var err error
			if dialect == "sqlite" {
				st, err = OpenSQLite(ctx, filepath.Join(b.TempDir(), "members.db"), Options{})
			} else {
				st, err = OpenPostgres(ctx, postgrestest.Start(b), Options{})
			}
			require.NoError(b, err)
			b.Cleanup(func() { _ = st.Close() })
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
