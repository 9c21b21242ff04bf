// A user's details, refetchable on their own through node(id:) (after an edit elsewhere).
import { graphql } from 'react-relay';

export const userDetailsFragment = graphql`
  fragment UserDetails_user on User @refetchable(queryName: "UserDetailsRefetchQuery") {
    id
    email
    externalId
    updateTime
    profile {
      name
      givenName
      familyName
      phoneNumber
      locale
      picture
      groups
    }
    metadata
    identities {
      providerName
      lastLogin
    }
  }
`;
