#!/bin/sh
# ferretdb.sh - build FerretDB 1.x (a MongoDB wire-protocol server over SQLite)
# into build/go/bin/ferretdb, for the MongoDB backend tests.  No MongoDB
# server package exists in Debian; FerretDB comes from the Go module proxy.
#
# `go install ...@v1.24.0` fails here: the proxy refuses the module's version
# list (needed for the deprecation check), and the module zip carries an empty
# build/version/version.txt, which makes the binary panic at start.  So the
# script downloads the pinned module, copies its source, writes the version
# file and builds with `go build`.  Run by `make check` only when the binary
# is missing.  Usage: scripts/ferretdb.sh [OUTDIR]   (default build/go/bin)
set -eu
VERSION=v1.24.0
cd "$(dirname "$0")/.."
OUT="${1:-$PWD/build/go/bin}"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
[ -x "$GO" ] || { echo "ferretdb.sh: no Go toolchain (looked for go and /usr/local/go/bin/go)" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
export GOPATH="${GOPATH:-$HOME/go}"
mkdir -p "$OUT" build/ferretdb-src
SRC="build/ferretdb-src/FerretDB-$VERSION"
if [ ! -f "$SRC/go.mod" ]; then
	"$GO" mod download github.com/FerretDB/FerretDB@$VERSION
	MOD="$("$GO" env GOMODCACHE)/github.com/!ferret!d!b/!ferret!d!b@$VERSION"
	rm -rf "$SRC"
	cp -r "$MOD" "$SRC"
	chmod -R u+w "$SRC"
fi
echo "$VERSION" > "$SRC/build/version/version.txt"
start=$(date +%s)
(cd "$SRC" && "$GO" build -o "$OUT/ferretdb" ./cmd/ferretdb)
echo "ferretdb.sh: built $OUT/ferretdb ($VERSION) in $(( $(date +%s) - start )) s"
