#!/usr/bin/env bats
# db_ferretdb: the MongoDB backend against a real MongoDB wire-protocol
# server (FerretDB 1.24 over SQLite, started here on a free loopback port):
# the tests of the SQLite backend (query property test, partitions, indexes,
# batched saves, restart filter, explain), and results identical to SQLite's.
load lib/common
load lib/ferretdb

setup_file() {
	REPO="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	ferret_start
}

teardown_file() {
	ferret_stop
}

@test "ferretdb: random filters and sorts give the reference answers, identical to SQLite's" {
	ferret_db || return 1
	# --ferretdb: no negated conditions on paths through arrays of documents,
	# where FerretDB 1.24 does not answer as MongoDB does (see the report of
	# tests/lib/dbprop.py without it)
	$PY "$REPO/tests/lib/dbprop.py" --ferretdb --db "$M" --seed 11 --docs 250 --filters 250 --out "$TMP/mongo.out"
	$PY "$REPO/tests/lib/dbprop.py" --ferretdb --db "$TMP/s.db" --seed 11 --docs 250 --filters 250 --out "$TMP/sqlite.out"
	cmp "$TMP/mongo.out" "$TMP/sqlite.out"
}

@test "ferretdb: import/export round trip, odd keys and values, as SQLite" {
	ferret_db || return 1
	$PY - > "$TMP/odd.jsonl" <<'PY'
import json
print(json.dumps({"_id": {"$oid": "0123456789abcdef01234567"}, "sta": "it's", "k'ey": "v\"q",
                  "sql": "'); DROP TABLE x; --", "uni": "Zürich 中😀", "int": 7, "dbl": 0.1, "one": 1.0,
                  "t": True, "n": None, "arr": [1, "two"], "sub": {"a": {"b": "c"}},
                  "date": {"$date": "2011-03-11T05:46:23Z"}}, ensure_ascii=False))
PY
	msdb --db "$M" import wf "$TMP/odd.jsonl"
	msdb --db "$TMP/s.db" import wf "$TMP/odd.jsonl"
	[ "$(msdb --db "$M" export wf)" = "$(msdb --db "$TMP/s.db" export wf)" ]
	for f in '{"sql": "'"'"'); DROP TABLE x; --"}' '{"uni": "Zürich 中😀"}' '{"arr": "two"}' '{"sub.a.b": "c"}' \
	         '{"_id": {"$oid": "0123456789abcdef01234567"}}'; do
		[ "$(msquery --db "$M" wf "$f" --count)" = 1 ] || { echo "mongo: $f"; return 1; }
		[ "$(msquery --db "$TMP/s.db" wf "$f" --count)" = 1 ] || { echo "sqlite: $f"; return 1; }
	done
}

@test "ferretdb: partitions N=1..16 with and without --group-by, identical to SQLite" {
	ferret_db || return 1
	$PY -c '
import json, random
random.seed(3)
for i in range(120):
    print(json.dumps({"dfile": "f%d" % random.randrange(9), "npts": random.randrange(50), "i": i}))' > "$TMP/d.jsonl"
	msdb --db "$M" import wf_miniseed "$TMP/d.jsonl"
	msdb --db "$TMP/s.db" import wf_miniseed "$TMP/d.jsonl"
	for db in "$M" "$TMP/s.db"; do
		for n in 1 2 3 5 8 13 16; do
			for k in $(seq 1 $n); do
				msquery --db "$db" wf_miniseed --sort npts --fields i,-_id --partition "$k/$n"
				msquery --db "$db" wf_miniseed --sort npts --group-by dfile --fields i,-_id --partition "$k/$n" | sed "s/^/$k /"
			done
		done > "$TMP/parts.$(basename "$db" | tr -dc a-z0-9)"
	done
	a=$(ls "$TMP"/parts.* | head -1); b=$(ls "$TMP"/parts.* | tail -1)
	[ "$a" != "$b" ]
	cmp "$a" "$b"
	# and the union of plain slices is the full sorted result
	msquery --db "$M" wf_miniseed --sort npts --fields i,-_id > "$TMP/all"
	for k in 1 2 3 4 5 6 7; do msquery --db "$M" wf_miniseed --sort npts --fields i,-_id --partition "$k/7"; done > "$TMP/u"
	cmp "$TMP/all" "$TMP/u"
}

@test "ferretdb: indexes, batches all or nothing, restart filter, explain, distinct" {
	ferret_db || return 1
	printf '{"sta": "A", "t": 1, "npts": 10}\n{"sta": "B", "t": 2, "npts": 30}\n' | msdb --db "$M" import wf_miniseed
	msdb --db "$M" index-create wf_miniseed sta,-t
	msdb --db "$M" index-create wf_miniseed t --name by_t --unique
	[ "$(msdb --db "$M" index-list wf_miniseed)" = "$(printf '_id_\t{ "_id" : 1 }\nby_t\t{ "t" : 1 }\nsta_1_t_-1\t{ "sta" : 1, "t" : -1 }')" ]
	run sh -c "printf '{\"t\": 7}\n{\"t\": 1}\n' | msdb --db '$M' import wf_miniseed"
	[ "$status" -eq 1 ]
	[[ "$output" == *"duplicate key"* ]]
	[ "$(msquery --db "$M" wf_miniseed --count)" = 2 ]          # {t: 7} was taken out again
	msdb --db "$M" index-drop wf_miniseed by_t
	[ "$(msdb --db "$M" index-list wf_miniseed | wc -l)" = 2 ]
	id=$(msquery --db "$M" wf_miniseed '{"sta": "A"}' --fields _id | $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["_id"]))')
	echo "{\"wf_miniseed_id\": $id, \"data_tag\": \"s1\"}" | msdb --db "$M" import wf_TimeSeries
	[ "$(msquery --db "$M" wf_miniseed --not-saved-as s1 --fields sta,-_id)" = '{ "sta" : "B" }' ]
	[ "$(msquery --db "$M" wf_miniseed --not-saved-as s1 --count)" = 1 ]
	[ "$(msquery --db "$M" wf_miniseed --not-saved-as s2 --count)" = 2 ]
	msquery --db "$M" wf_miniseed --explain | grep -q '"samples":40,'
	[ "$(msquery --db "$M" wf_miniseed --distinct sta | tr '\n' ' ')" = '"A" "B" ' ]
	[ "$(msdb --db "$M" list)" = "$(printf 'wf_TimeSeries\t1\nwf_miniseed\t2')" ]
	run msquery --db "$M" wf_miniseed '{"a": {"$where": 1}}'
	[ "$status" -eq 2 ]
	run msdb --db "$M" drop wf_miniseed
	[ "$status" -eq 2 ]
	msdb --db "$M" drop wf_miniseed --yes
	[ "$(msquery --db "$M" wf_miniseed --count)" = 0 ]
}
