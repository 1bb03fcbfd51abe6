# common.bash - shared set-up for the bats tests (load it with: load lib/common).
# MSPIPE_BIN points at the binaries under test (make sets it; default ./bin).
# DATA is ../shared/data; tests that need it call need_data, which skips
# (saying why) in a clone without it.
# Assertions: one a line.  bash's errexit ignores a failure before && in a
# list and a command negated with !, so '[ a ] && [ b ]' checks only b and
# '! grep x f' checks nothing unless it is the test's last line: write
# '[ a ]' and '[ b ]' on two lines, and '! grep x f || false'.
set -u
REPO="${MSPIPE_REPO:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
MSPIPE_BIN="${MSPIPE_BIN:-$REPO/bin}"
PATH="$MSPIPE_BIN:$PATH"
DATA="${MSPIPE_DATA:-$REPO/../shared/data}"
PY=/usr/bin/python3
export LC_ALL=C PATH
# libmongoc's automatic init (run before main in every tool that links the
# database) makes /dev/shm/mongoc-PID; a process killed by a signal (SIGPIPE
# after | head, the SIGKILLs of restart.bats) leaves it behind, and a later
# process with the same pid then warns "Falling back to malloc for counters"
# on stderr.  The tests keep libmongoc's counters out of shared memory.
export MONGOC_DISABLE_SHM=1
# Under SANITIZE=1 the tools run with ASan.  Memory a tool still holds when
# it exits is freed by the OS and is no reason to fail a program test (the
# library's own leaks are the unit tests' business under LeakSanitizer);
# what matters for a tool is memory that grows per record.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

setup() {
	TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/mspipe.XXXXXX")"
	export MSPIPE_DB="$TMP/test.db"
}

teardown() {
	rm -rf "$TMP"
}

need_data() {
	[ -d "$DATA/waveforms" ] || skip "no ../shared/data beside the repository (real-data test)"
}

# A server-backed test that cannot run: skip, or fail when CI requires servers.
skip_or_fail() {
	if [ "${MSPIPE_REQUIRE_SERVERS:-0}" = 1 ]; then
		echo "required: $*" >&2
		return 1
	fi
	skip "$*"
}
