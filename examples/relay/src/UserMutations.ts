// Creating and updating a user. Input the API refuses comes back as userErrors, with the
// path of the field, for the form to show beside it; the payload's user updates the store.
import { graphql } from 'react-relay';

export const createUserMutation = graphql`
  mutation UserMutationsCreateUserMutation($input: CreateUserInput!) {
    createUser(input: $input) {
      user {
        ...UserDetails_user
        memberships {
          organization {
            id
          }
          roles {
            name
          }
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const updateUserMutation = graphql`
  mutation UserMutationsUpdateUserMutation($input: UpdateUserInput!) {
    updateUser(input: $input) {
      user {
        ...UserDetails_user
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;
