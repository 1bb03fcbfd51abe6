#!/usr/bin/env bats
# msdb: list, import/export round trip (odd keys and values verbatim),
# all-or-nothing batches, indexes, drop only with --yes, 8 concurrent
# importers into one SQLite file lose nothing, and bad-input cases.
load lib/common

@test "msdb --help on stdout and exit 0; --version" {
	run msdb --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: msdb "* ]]
	[[ "$output" == *"index-create"* ]]
	run msdb --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msdb (mspipe "* ]]
}

@test "msdb import/export: quotes, SQL text, unicode and odd types verbatim" {
	$PY - > "$TMP/odd.jsonl" <<'PY'
import json
docs = [
    {"_id": {"$oid": "0123456789abcdef01234567"}, "sta": "it's", "k'ey": "v\"q", "sql": "'); DROP TABLE x; --",
     "uni": "Zürich \u00e9\u4e2d\U0001F600", "tab": "a\tb\nc", "int": 7, "big": 9007199254740993,
     "neg": -2147483649, "dbl": 0.1, "one": 1.0, "tiny": 5e-324, "huge": 1.7976931348623157e308,
     "t": True, "f": False, "n": None, "arr": [1, "two", None, {"x": [3]}], "sub": {"a": {"b": "c"}},
     "date": {"$date": "2011-03-11T05:46:23.000Z"}, "oid": {"$oid": "ffffffffffffffffffffffff"},
     "we ird.key": 1, "$dollar": 2, "": "empty key"},
    {"\"'); DROP TABLE wf_miniseed; --": "key is SQL"},
]
for d in docs:
    print(json.dumps(d, ensure_ascii=False))
PY
	msdb import wf_miniseed "$TMP/odd.jsonl"
	msdb export wf_miniseed > "$TMP/out.jsonl"
	$PY - "$TMP/odd.jsonl" "$TMP/out.jsonl" <<'PY'
import json, sys
from bson import json_util
a = [json_util.loads(l) for l in open(sys.argv[1])]
b = [json_util.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) == 2
a[1]["_id"] = b[1]["_id"]          # given a new ObjectId on insert
for x, y in zip(a, b):
    assert x == y, (x, y)
    for k in x:
        assert type(x[k]) == type(y[k]) or k in ("int",), (k, type(x[k]), type(y[k]))
# the keys come back in their order, _id first
assert list(b[0].keys()) == list(a[0].keys())
PY
	[ "$(msquery wf_miniseed '{"sql": "'"'"'); DROP TABLE x; --"}' --count)" = 1 ]
	[ "$(msquery wf_miniseed '{"uni": "Zürich é中😀"}' --count)" = 1 ]
	[ "$(msquery wf_miniseed '{"k'"'"'ey": "v\"q"}' --count)" = 1 ]
	[ "$(msquery wf_miniseed '{"we ird": 1}' --count)" = 0 ]
	[ "$(msquery wf_miniseed '{"big": 9007199254740993}' --count)" = 1 ]
	[ "$(msquery wf_miniseed '{"oid": {"$oid": "ffffffffffffffffffffffff"}}' --count)" = 1 ]
	[ "$(msquery wf_miniseed '{"_id": {"$oid": "0123456789abcdef01234567"}}' --count)" = 1 ]
	[ "$(msquery wf_miniseed '{"arr": "two"}' --count)" = 1 ]
	[ "$(msquery wf_miniseed '{"sub.a.b": "c"}' --count)" = 1 ]
	[ "$(msdb list)" = "$(printf 'wf_miniseed\t2')" ]
}

@test "msdb import: a failed batch writes nothing of itself" {
	printf '{"a": 1}\n{"a": 2}\n' | msdb import c
	printf '{"a": 3}\n{"a": 4}\n{"a": 5}\n{"a": \n' | { ! msdb import c --batch 2; }
	[ "$(msquery c --count)" = 4 ]     # the batch {3,4} went in, {5, bad} did not
	id=$(msquery c '{"a": 1}' --fields _id | $PY -c 'import json,sys; print(json.load(sys.stdin)["_id"]["$oid"])')
	printf '{"a": 6}\n{"_id": {"$oid": "%s"}, "a": 7}\n' "$id" > "$TMP/dup"
	run msdb import c "$TMP/dup"
	[ "$status" -eq 1 ]
	[[ "$output" == *"duplicate key"* ]]
	[ "$(msquery c --count)" = 4 ]
	[ "$(msquery c '{"a": 6}' --count)" = 0 ]
}

@test "msdb: index-create, index-list, index-drop" {
	echo '{"sta": "A", "t": 1}' | msdb import wf
	msdb index-create wf sta,-t
	msdb index-create wf t --name by_t --unique
	run msdb index-list wf
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '_id_\t{ "_id" : 1 }\nby_t\t{ "t" : 1 }\nsta_1_t_-1\t{ "sta" : 1, "t" : -1 }')" ]
	run sh -c 'echo "{\"t\": 1}" | msdb import wf'
	[ "$status" -eq 1 ]    # unique index
	msdb index-drop wf by_t
	run msdb index-drop wf by_t
	[ "$status" -eq 1 ]
	[ "$(msdb index-list wf | wc -l)" = 2 ]
}

@test "msdb drop: only with --yes" {
	echo '{"a": 1}' | msdb import c
	run msdb drop c
	[ "$status" -eq 2 ]
	[[ "$output" == *"--yes"* ]]
	[ "$(msquery c --count)" = 1 ]
	msdb drop c --yes
	[ "$(msdb list)" = "" ]
	run msdb drop c --yes
	[ "$status" -eq 1 ]
}

@test "msdb: 8 processes importing into one SQLite file at once lose nothing" {
	for p in $(seq 1 8); do
		$PY -c 'import sys; p = int(sys.argv[1]); [print("{\"p\": %d, \"i\": %d}" % (p, i)) for i in range(3000)]' "$p" > "$TMP/in$p"
	done
	for p in $(seq 1 8); do
		msdb import wf "$TMP/in$p" --batch 100 &
	done
	fail=0
	for job in $(jobs -p); do wait "$job" || fail=1; done
	[ "$fail" = 0 ]
	[ "$(msquery wf --count)" = 24000 ]
	for p in 1 5 8; do
		[ "$(msquery wf "{\"p\": $p}" --count)" = 3000 ]
		[ "$(msquery wf "{\"p\": $p}" --distinct i | wc -l)" = 3000 ]
	done
}

@test "msdb: bad input" {
	run msdb ; [ "$status" -eq 2 ]
	run msdb frobnicate ; [ "$status" -eq 2 ]
	run msdb list extra ; [ "$status" -eq 2 ]
	run msdb import ; [ "$status" -eq 2 ]
	run msdb import 'bad name' ; [ "$status" -eq 2 ]
	run msdb import c "$TMP/missing.jsonl" ; [ "$status" -eq 1 ]
	run msdb index-create c ; [ "$status" -eq 2 ]
	run msdb index-create c 'a,,b' ; [ "$status" -eq 2 ]
	run msdb export c '{"a": {"$foo": 1}}' ; [ "$status" -eq 2 ]
	run msdb --batch 0 import c ; [ "$status" -eq 2 ]
	run msdb --bogus list ; [ "$status" -eq 2 ]
	run sh -c 'echo "[1, 2]" | msdb import c'
	[ "$status" -eq 1 ]
	run sh -c 'echo "{\"_id\": 5}" | msdb import c'
	[ "$status" -eq 1 ]
	[[ "$output" == *"ObjectId"* ]]
	echo '{"a": 1}' | msdb import c
	run sh -c 'msdb export c > /dev/full'
	[ "$status" -eq 1 ]
}
