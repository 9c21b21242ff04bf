#!/usr/bin/env bash
# Measures usergraph (Scalekit mode) and a reference Apollo gateway side by side, in one run,
# over one fake Scalekit (cmd/fakescalekit), and prints one JSON line per measurement plus a
# Markdown table of ratios.
#
#   bench/scalekit-vs-apollo.sh PATH_TO_APOLLO_PEER [OUT_FILE]
#
# PATH_TO_APOLLO_PEER is a copy of the reference gateway with its dependencies installed
# (`npm ci` done); it is started with `node src/index.js`. Environment: DURATION (measured
# seconds per run, default 10), WARMUP (default 3), LATENCIES (default "0ms 20ms"),
# WORKLOADS (default "hotuser randomuser deep userspage"), CLIENTS (default "1 64").
# Everything listens on 127.0.0.1 with free ports and is stopped at the end. Each round
# starts with one cold deep query per server ("deep-cold": wall time of the first deep
# query on a fresh process, in ms). NO_RESPONSE_CACHE=1 also measures a second usergraph
# with USERGRAPH_RESPONSE_CACHE=false ("usergraph-norc"): every request runs its resolvers.
set -euo pipefail
peer=${1:?usage: $0 PATH_TO_APOLLO_PEER [OUT_FILE]}
out=${2:-/dev/stdout}
[ -f "$peer/src/index.js" ] || { echo "no src/index.js in $peer" >&2; exit 2; }
DURATION=${DURATION:-10} WARMUP=${WARMUP:-3}
LATENCIES=${LATENCIES:-"0ms 20ms"} WORKLOADS=${WORKLOADS:-"hotuser randomuser deep userspage"} CLIENTS=${CLIENTS:-"1 64"}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
(cd "$root" && go build -o "$work/usergraph" . && go build -o "$work/fakescalekit" ./cmd/fakescalekit && go build -o "$work/loadtest" ./cmd/loadtest)

key=ugk_$(head -c 32 /dev/urandom | base64 | tr -d '=+/\n' | head -c 43)
hash=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
peerkey=peer-$(head -c 16 /dev/urandom | base64 | tr -d '=+/\n')

wait_for() { for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done; echo "timed out waiting for $2 in $1" >&2; cat "$1" >&2; return 1; }

for lat in $LATENCIES; do
  # Each process writes its own fresh file: a line left by the previous round must not be
  # mistaken for this one's.
  rm -f "$work/fake.env" "$work/ug.log" "$work/peer.out"
  "$work/fakescalekit" -latency "$lat" -orgs 50 -users 5000 -validate=false >"$work/fake.env" 2>"$work/fake.log" & pids+=($!)
  wait_for "$work/fake.env" SCALEKIT_CLIENT_SECRET
  fake=$(sed -n 's/^SCALEKIT_ENVIRONMENT_URL=//p' "$work/fake.env")
  mkdir -p "$work/ug"
  (cd "$work/ug" && exec env $(cat "$work/fake.env") USERGRAPH_TOKEN_AUDIENCE='*' USERGRAPH_API_KEYS="bench:$hash" \
      USERGRAPH_RATE_LIMIT=0 "$work/usergraph" -addr 127.0.0.1:0 >"$work/ug.log" 2>&1) & ug=$!; pids+=($ug)
  wait_for "$work/ug.log" "usergraph listening"
  ugport=$(grep -o 'localhost:[0-9]*' "$work/ug.log" | head -1 | cut -d: -f2)
  servers="usergraph apollo"
  if [ "${NO_RESPONSE_CACHE:-}" = 1 ]; then
    rm -f "$work/norc.log"; mkdir -p "$work/norc"
    (cd "$work/norc" && exec env $(cat "$work/fake.env") USERGRAPH_TOKEN_AUDIENCE='*' USERGRAPH_API_KEYS="bench:$hash" \
        USERGRAPH_RATE_LIMIT=0 USERGRAPH_RESPONSE_CACHE=false "$work/usergraph" -addr 127.0.0.1:0 >"$work/norc.log" 2>&1) & norc=$!; pids+=($norc)
    wait_for "$work/norc.log" "usergraph listening"
    norcport=$(grep -o 'localhost:[0-9]*' "$work/norc.log" | head -1 | cut -d: -f2)
    servers="usergraph usergraph-norc apollo"
  fi
  (cd "$peer" && exec env $(cat "$work/fake.env") PORT=0 PEER_API_KEY="$peerkey" NODE_ENV=production node src/index.js >"$work/peer.out" 2>"$work/peer.log") & ap=$!; pids+=($ap)
  wait_for "$work/peer.out" "127.0.0.1:"
  apport=$(head -1 "$work/peer.out" | cut -d: -f2)
  # One cold deep query on each fresh server: after finding an organization, the deep query
  # alone, timed. The second organization: usergraph reads the first one's members at start
  # to learn the member lists (scalekit.Client.Warm), so the first one's page is not cold.
  org=$(curl -s -H "X-API-Key: $key" -H 'Content-Type: application/json' \
    -d '{"query":"{ organizations(first: 2) { nodes { id } } }"}' "http://127.0.0.1:$ugport/graphql" | grep -o 'org_[A-Za-z0-9]*' | sed -n 2p)
  deep=$(printf '{"query":"query Deep($org: ID!) { organization(id: $org) { displayName members(first: 100) { totalCount nodes { status user { email profile { name } memberships { status organization { displayName } roles { name permissions { name } } } } } } } }","variables":{"org":"%s"}}' "$org")
  target() { # sets url, auth, pid and the loadtest's credential variable for server $1
    case $1 in
      usergraph) url="http://127.0.0.1:$ugport/graphql" auth="X-API-Key: $key" pid=$ug cred="LOADTEST_API_KEY=$key" ;;
      usergraph-norc) url="http://127.0.0.1:$norcport/graphql" auth="X-API-Key: $key" pid=$norc cred="LOADTEST_API_KEY=$key" ;;
      apollo) url="http://127.0.0.1:$apport/graphql" auth="Authorization: Bearer $peerkey" pid=$ap cred="LOADTEST_TOKEN=$peerkey" ;;
    esac
  }
  for s in $servers; do
    target $s
    curl -s -H "$auth" -H 'Content-Type: application/json' -d '{"query":"{ organizations(first: 1) { nodes { id } } }"}' "$url" >/dev/null
    ms=$(curl -s -o "$work/cold.json" -w '%{time_total}' -H "$auth" -H 'Content-Type: application/json' -d "$deep" "$url" | awk '{printf "%.1f", $1*1000}')
    ok=$(grep -c '"members"' "$work/cold.json" || true)
    echo "{\"server\":\"$s\",\"latency\":\"$lat\",\"workload\":\"deep-cold\",\"clients\":1,\"ms\":$ms,\"answered\":$ok}" >>"$out"
  done
  for wl in $WORKLOADS; do
    for c in $CLIENTS; do
      # Side by side: each server in turn, on the same fake, one after the other.
      for s in $servers; do
        target $s
        metrics=()
        [ $s = apollo ] || metrics=(-metrics "${url%/graphql}/metrics")
        env "$cred" "$work/loadtest" -url "$url" -query "$wl" -clients "$c" \
          -duration "${DURATION}s" -warmup "${WARMUP}s" -json -pid "$pid" -scalekit-counters "$fake/_fake/counters" \
          "${metrics[@]}" 2>>"$work/loadtest.log" | sed "s/^{/{\"server\":\"$s\",\"latency\":\"$lat\",/" >>"$out" || true
      done
    done
  done
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; pids=()
done
