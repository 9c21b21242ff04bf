#!/usr/bin/env bash
# Reproduces the vendored browser files of the playground from npm.
#
# The exact versions live in package.json / package-lock.json next to this
# script. To move to new versions: edit package.json, run
#   npm install --package-lock-only --ignore-scripts
# in this directory, then run this script and `go test ./playground/...`.
#
# The script installs the locked tree with `npm ci` in a temporary directory
# (so no node_modules ever lands in the repository), copies only the handful of
# built files the page loads plus their licenses, and records their SHA-256 in
# SHA256SUMS. The Go tests compare the embedded files against SHA256SUMS, so a
# hand edit of a vendored file fails the build instead of shipping silently.
# Vendored files are copied byte for byte (no rewriting), so each checksum can
# also be compared with the file inside the npm tarball.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cp package.json package-lock.json "$tmp/"
# --ignore-scripts: we only need files from the tarballs, never install hooks.
(cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

nm="$tmp/node_modules"

# The explorer plugin bundles graphiql-explorer; npm may hoist it or nest it
# under the plugin depending on peer-dependency resolution.
gqlexplorer="$nm/graphiql-explorer"
if [ ! -d "$gqlexplorer" ]; then
	gqlexplorer="$nm/@graphiql/plugin-explorer/node_modules/graphiql-explorer"
fi

# Vendored file name -> source inside node_modules. The go:embed patterns in
# ../playground.go must match these names; TestEmbeddedAssetsMatchSHA256SUMS
# fails if a listed file is not embedded.
files=(
	"react.production.min.js=$nm/react/umd/react.production.min.js"
	"react-dom.production.min.js=$nm/react-dom/umd/react-dom.production.min.js"
	"graphiql.min.js=$nm/graphiql/graphiql.min.js"
	"graphiql.min.css=$nm/graphiql/graphiql.min.css"
	"plugin-explorer.umd.js=$nm/@graphiql/plugin-explorer/dist/index.umd.js"
	"plugin-explorer.css=$nm/@graphiql/plugin-explorer/dist/style.css"
	"LICENSE.react=$nm/react/LICENSE"
	"LICENSE.react-dom=$nm/react-dom/LICENSE"
	"LICENSE.graphiql=$nm/graphiql/LICENSE"
	"LICENSE.graphiql-explorer=$gqlexplorer/LICENSE"
)

names=()
for entry in "${files[@]}"; do
	name="${entry%%=*}"
	src="${entry#*=}"
	if [ ! -f "$src" ]; then
		echo "update.sh: $src is missing from the npm package; did its layout change?" >&2
		exit 1
	fi
	cp "$src" "$name"
	names+=("$name")
done

# @graphiql/plugin-explorer ships no LICENSE file of its own (only the
# "license" field of its package.json), so record that field instead of
# inventing a license text.
pe="$nm/@graphiql/plugin-explorer/package.json"
if [ -f "$nm/@graphiql/plugin-explorer/LICENSE" ]; then
	cp "$nm/@graphiql/plugin-explorer/LICENSE" LICENSE.graphiql-plugin-explorer
else
	node -e '
		const p = require(process.argv[1]);
		const repo = (p.repository && (p.repository.url || p.repository)) || "unknown";
		process.stdout.write(
			`${p.name}@${p.version} ships no LICENSE file.\n` +
			`Its package.json declares: "license": "${p.license}".\n` +
			`It is developed in ${repo} (${(p.repository && p.repository.directory) || ""}),\n` +
			`the same repository as graphiql, whose license text is in LICENSE.graphiql.\n`);
	' "$pe" >LICENSE.graphiql-plugin-explorer
fi
names+=("LICENSE.graphiql-plugin-explorer")

# Human-readable summary of what was vendored, straight from the installed
# package.json files (so it cannot drift from the lock file).
node -e '
	const nm = process.argv[1];
	for (const n of ["react", "react-dom", "graphiql", "@graphiql/plugin-explorer", process.argv[2]]) {
		const p = require(n.startsWith("/") ? n + "/package.json" : nm + "/" + n + "/package.json");
		console.log(`${p.name} ${p.version} ${p.license}`);
	}
' "$nm" "$gqlexplorer" >VERSIONS

# Sorted by name so the file is stable across runs.
mapfile -t sorted < <(printf '%s\n' "${names[@]}" VERSIONS | LC_ALL=C sort)
sha256sum -- "${sorted[@]}" >SHA256SUMS

echo "update.sh: vendored files:"
du -b -- "${sorted[@]}"
