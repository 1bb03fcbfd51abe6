#!/usr/bin/env bats
# manpages: every tool has its man page and its test file, every long option
# that --help prints is documented, and every page renders without warnings.
load lib/common

tools() {
	local f
	for f in "$REPO"/tools/ms*.c; do basename "$f" .c; done
}

@test "every tool has man/man1/msNAME.1 and tests/msNAME.bats" {
	local t missing=""
	for t in $(tools); do
		[ -f "$REPO/man/man1/$t.1" ] || missing="$missing man/man1/$t.1"
		[ -f "$REPO/tests/$t.bats" ] || missing="$missing tests/$t.bats"
	done
	[ -z "$missing" ] || { echo "missing:$missing"; return 1; }
}

@test "every long option in --help appears in the man page" {
	local t o missing=""
	for t in $(tools); do
		[ -f "$REPO/man/man1/$t.1" ] || continue
		# man pages write - as \-; compare on the plain text
		sed 's/\\-/-/g' "$REPO/man/man1/$t.1" > "$TMP/page"
		for o in $("$t" --help | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u); do
			name="${o#--}"
			grep -qE -- "--$name([^a-z0-9-]|\$)" "$TMP/page" ||
				missing="$missing $t:--$name"
		done
	done
	[ -z "$missing" ] || { echo "undocumented:$missing"; return 1; }
}

@test "every man1 page has the standard sections" {
	local f s missing=""
	for f in "$REPO"/man/man1/*.1; do
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -qE "^\\.SH \"?$s\"?\$" "$f" || missing="$missing $(basename "$f"):$s"
		done
	done
	[ -z "$missing" ] || { echo "missing sections:$missing"; return 1; }
}

@test "the stream format (man5) and the overview (man7) exist" {
	[ -f "$REPO/man/man5/mspipe.5" ]
	[ -f "$REPO/man/man7/mspipe.7" ]
}

@test "every man page renders without groff warnings" {
	command -v groff >/dev/null || skip "no groff"
	local f bad=""
	for f in "$REPO"/man/man*/*.[1-9]; do
		out=$(groff -man -ww -z -t "$f" 2>&1)
		[ -z "$out" ] || bad="$bad $(basename "$f"): $out"
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}
