#!/usr/bin/env bats
# db_mockup: the MongoDB backend against MockupDB (python3-mockupdb, scripted
# replies): the exact commands sent (find with filter/sort/projection/limit/
# skip and getMore paging, the count aggregate, distinct, insert batches) and
# error handling (connection refused, duplicate key with the written part of
# the batch deleted again, server errors, a hang-up in the middle of a cursor).
load lib/common

mockup() {
	/usr/bin/python3 -c 'import mockupdb' 2>/dev/null || { skip_or_fail "python3-mockupdb is not installed"; return 1; }
	run timeout 120 /usr/bin/python3 "$REPO/tests/lib/mockup_check.py" "$1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "ok $1" ]
}

@test "mockupdb: find sends filter, sort (+_id), projection, limit, skip; pages with getMore" { mockup find; }
@test "mockupdb: --count is one aggregate with \$match" { mockup count; }
@test "mockupdb: --distinct sends distinct and prints MongoDB's order" { mockup distinct; }
@test "mockupdb: import sends one ordered insert per batch, every document with an _id" { mockup insert; }
@test "mockupdb: duplicate key fails the batch and deletes its written part" { mockup duplicate; }
@test "mockupdb: a hang-up mid-cursor is an error after the documents received" { mockup hangup; }
@test "mockupdb: connection refused is exit 1, and a URI password is never shown" { mockup refused; }
@test "mockupdb: a server error reply is exit 1 with its message" { mockup error; }
