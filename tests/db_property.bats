#!/usr/bin/env bats
# db_property: random documents (numbers, strings with quotes and SQL,
# unicode, booleans, null, ObjectIds, arrays, subdocuments, missing keys) and
# random filters and sorts; the SQLite backend's answers must equal an
# independent evaluation of MongoDB's semantics (tests/lib/dbprop.py).
load lib/common

@test "db property: 400 random filters and 20 sorts, seed 1" {
	$PY "$REPO/tests/lib/dbprop.py" --db "$TMP/p.db" --seed 1 --docs 300 --filters 400
}

@test "db property: 400 random filters and 20 sorts, seed 2, with indexes" {
	echo '{"x": 0}' | msdb --db "$TMP/p.db" import prop
	msquery --db "$TMP/p.db" prop --fields _id | $PY -c 'import json,sys; print(json.dumps({"_id": {"$in": [json.load(sys.stdin)["_id"]]}}))' > "$TMP/f"
	msdb --db "$TMP/p.db" index-create prop a
	msdb --db "$TMP/p.db" index-create prop b,-c
	msdb --db "$TMP/p.db" index-create prop s.x
	# drop the seed document again, keep the indexes
	msquery --db "$TMP/p.db" prop --count | grep -qx 1
	$PY - "$TMP/p.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM prop"); c.commit()
PY
	$PY "$REPO/tests/lib/dbprop.py" --db "$TMP/p.db" --seed 2 --docs 300 --filters 400
}
