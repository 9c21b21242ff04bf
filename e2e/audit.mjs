// Runs graphql-http's server audit (the GraphQL over HTTP spec's MUST, SHOULD and MAY
// checks) against USERGRAPH_URL with a service's API key, and prints the results as JSON:
// [{id, name, status, reason?, body?}]. audit_test.go decides what passes.
import { auditServer } from 'graphql-http';

const url = process.env.USERGRAPH_URL;
const apiKey = process.env.USERGRAPH_API_KEY;
if (!url || !apiKey) {
  console.error('USERGRAPH_URL and USERGRAPH_API_KEY are required');
  process.exit(2);
}

// Every request carries the credentials: usergraph answers 401 to any request without them,
// before looking at anything the audit checks.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('X-API-Key', apiKey);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const out = [];
for (const r of results) {
  const entry = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    entry.reason = r.reason;
    entry.httpStatus = r.response.status;
    entry.contentType = r.response.headers.get('content-type');
    try {
      entry.body = (await r.response.text()).slice(0, 500);
    } catch {
      // the audit may have read the body already
    }
  }
  out.push(entry);
}
process.stdout.write(JSON.stringify(out));
