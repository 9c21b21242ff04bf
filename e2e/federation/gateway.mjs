// A supergraph of usergraph and a small "seats" subgraph, as a team would run it: composes
// both subgraphs' SDL with @apollo/composition and serves the result with @apollo/gateway,
// forwarding each client's Authorization header to every subgraph. Prints
// {"gateway": url} on one line when it listens; runs until killed.
//
// USERGRAPH_URL: usergraph's /graphql; USERGRAPH_API_KEY: a service key, used only to read
// usergraph's _service { sdl } for composition (as `rover subgraph introspect` would).
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';

const usergraphURL = process.env.USERGRAPH_URL;
const apiKey = process.env.USERGRAPH_API_KEY;
const listen = { host: '127.0.0.1', port: 0 };

// seats: the number of paid seats of an organization, owned by a billing subgraph. A pure
// function of the id, so the test can predict it.
export function seatsFor(id) {
  let n = 0;
  for (const c of id) n = (n * 31 + c.charCodeAt(0)) % 1000;
  return n;
}

const seatsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Organization @key(fields: "id") {
    id: ID!
    "Paid seats."
    seats: Int!
  }
  type Query {
    "An organization as billing knows it: only its id; the gateway asks usergraph for the rest."
    billedOrganization(id: ID!): Organization
  }
`);

// The seats subgraph, like usergraph, answers only callers that the gateway vouches for
// with the client's own credentials.
const seats = new ApolloServer({
  // Traces are for Apollo's hosted service, which this run does not reach.
  plugins: [ApolloServerPluginInlineTraceDisabled()],
  schema: buildSubgraphSchema({
    typeDefs: seatsTypeDefs,
    resolvers: {
      Query: {
        billedOrganization: (_, { id }) => ({ id, seats: seatsFor(id) }),
      },
      Organization: {
        __resolveReference(ref, ctx) {
          if (!ctx.authorization) {
            throw new GraphQLError('no credentials forwarded', { extensions: { code: 'UNAUTHENTICATED' } });
          }
          return { id: ref.id, seats: seatsFor(ref.id) };
        },
      },
    },
  }),
});
const seatsServer = await startStandaloneServer(seats, {
  listen,
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});

const res = await fetch(usergraphURL, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
  body: JSON.stringify({ query: '{ _service { sdl } }' }),
});
const body = await res.json();
if (!res.ok || body.errors) {
  console.error('reading usergraph _service { sdl }:', res.status, JSON.stringify(body));
  process.exit(1);
}

const composed = composeServices([
  { name: 'usergraph', url: usergraphURL, typeDefs: parse(body.data._service.sdl) },
  { name: 'seats', url: seatsServer.url, typeDefs: seatsTypeDefs },
]);
if (composed.errors) {
  for (const e of composed.errors) console.error('composition:', e.message);
  process.exit(1);
}

const gateway = new ApolloGateway({
  supergraphSdl: composed.supergraphSdl,
  buildService: ({ url }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request, context }) {
        if (context.authorization) request.http.headers.set('authorization', context.authorization);
      },
    }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen,
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
process.stdout.write(JSON.stringify({ gateway: url, supergraphSdl: composed.supergraphSdl }) + '\n');
