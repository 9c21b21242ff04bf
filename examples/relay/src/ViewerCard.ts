// The signed-in user's card: a query for the viewer and the fragment the card renders.
import { graphql } from 'react-relay';

export const viewerCardFragment = graphql`
  fragment ViewerCard_user on User {
    id
    email
    profile {
      name
      givenName
      picture
      locale
    }
    memberships {
      organization {
        id
        displayName
      }
      status
      roles {
        name
      }
    }
  }
`;

export const viewerCardQuery = graphql`
  query ViewerCardQuery {
    viewer {
      ...ViewerCard_user
    }
  }
`;
