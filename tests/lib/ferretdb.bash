# ferretdb.bash - start FerretDB 1.x (a MongoDB wire-protocol server over
# SQLite, built by scripts/ferretdb.sh) on a free loopback port for the
# tests of a bats file, and stop it (by its pid) at the end.
#   ferret_start   in setup_file: sets FERRET_URI_BASE (mongodb://127.0.0.1:PORT)
#   ferret_stop    in teardown_file
#   ferret_db      in a test: sets M to the URI of a fresh database
# Without the binary: skip, or fail when CI sets MSPIPE_REQUIRE_SERVERS=1.
FERRETDB="${MSPIPE_FERRETDB:-$REPO/build/go/bin/ferretdb}"

ferret_start() {
	FERRET_DIR="$(mktemp -d "${BATS_TMPDIR:-/tmp}/mspipe-ferret.XXXXXX")"
	export FERRET_DIR
	[ -x "$FERRETDB" ] || return 0
	mkdir -p "$FERRET_DIR/data"
	local port
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$FERRETDB" --handler=sqlite --sqlite-url="file:$FERRET_DIR/data/" --state-dir="$FERRET_DIR" \
		--listen-addr="127.0.0.1:$port" --debug-addr=- --telemetry=disable --log-level=warn \
		> "$FERRET_DIR/log" 2>&1 &
	echo $! > "$FERRET_DIR/pid"
	local i
	for i in $(seq 1 100); do
		if /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$port" 2>/dev/null; then
			echo "mongodb://127.0.0.1:$port" > "$FERRET_DIR/uri"
			return 0
		fi
		kill -0 "$(cat "$FERRET_DIR/pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "ferretdb did not start:" >&2
	cat "$FERRET_DIR/log" >&2
}

ferret_stop() {
	[ -n "${FERRET_DIR:-}" ] || return 0
	if [ -f "$FERRET_DIR/pid" ]; then
		kill "$(cat "$FERRET_DIR/pid")" 2>/dev/null || true
		wait "$(cat "$FERRET_DIR/pid")" 2>/dev/null || true
	fi
	rm -rf "$FERRET_DIR"
}

# In a test (not in a subshell, so that skip works): M is the URI of a fresh
# database; skip, or fail under MSPIPE_REQUIRE_SERVERS=1, without a server.
ferret_db() {
	[ -x "$FERRETDB" ] || { skip_or_fail "no FerretDB binary at $FERRETDB (run scripts/ferretdb.sh)"; return 1; }
	[ -f "$FERRET_DIR/uri" ] || { skip_or_fail "FerretDB did not start: $(tail -3 "$FERRET_DIR/log" 2>/dev/null)"; return 1; }
	M="$(cat "$FERRET_DIR/uri")/t$BATS_TEST_NUMBER"
}
