// An organization's members, page by page: a paginated fragment over the members
// connection, refetched through node(id:) when the status filter or the page changes.
import { graphql } from 'react-relay';

export const organizationMembersFragment = graphql`
  fragment OrganizationMembers_organization on Organization
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
    status: { type: "MembershipStatus" }
  )
  @refetchable(queryName: "OrganizationMembersPaginationQuery") {
    id
    displayName
    members(first: $count, after: $cursor, status: $status)
      @connection(key: "OrganizationMembers_members", filters: ["status"]) {
      totalCount
      edges {
        node {
          status
          joinTime
          user {
            id
            email
            profile {
              name
            }
          }
          roles {
            name
          }
        }
      }
    }
  }
`;

export const organizationMembersQuery = graphql`
  query OrganizationMembersQuery($id: ID!, $status: MembershipStatus) {
    organization(id: $id) {
      ...OrganizationMembers_organization @arguments(status: $status)
    }
  }
`;
