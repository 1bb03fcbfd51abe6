#!/usr/bin/env bats
# hardening: what mspipe does when the world goes wrong around it.
#   - disk full under mssave (a small tmpfs): a clear error, exit 1, and a
#     consistent database; a re-run after space is freed saves each record
#     exactly once;
#   - a read-only and a locked SQLite database;
#   - output closed early; upstream killed inside a record and between records;
#     GNU parallel --retries recovering a flaky partition;
#   - security: keys and values never reach SQL as text, documents' paths
#     cannot make mssave write outside --dir, a MongoDB URI's password never
#     appears in a message, a history entry or a saved document.
# (SIGKILL of every tool of a chain and re-runs: tests/restart.bats.)
load lib/common

# N raw records saved under tag raw (sources for the re-run check), their
# documents in raw.jsonl.
raw() {
	cd "$TMP"
	mssynth --stream -n "$1" --npts "${2:-3000}" --seed 7 | mssave -q --tag raw --dir "$TMP/A"
	msquery wf_TimeSeries '{"data_tag": "raw"}' > raw.jsonl
}

# Every saved document of TAG points at bytes that are there and read back.
consistent() {
	msquery wf_TimeSeries "{\"data_tag\": \"$1\"}" > "$TMP/c.jsonl"
	$PY - "$TMP/c.jsonl" <<'EOF'
import json, os, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    p = os.path.join(d['dir'], d['dfile'])
    size = os.path.getsize(p)
    if d['foff'] + d['nbytes'] > size:
        sys.exit('%s: foff %d + nbytes %d > size %d' % (p, d['foff'], d['nbytes'], size))
    if d['nbytes'] != 8 * d['npts']:
        sys.exit('nbytes %d for npts %d' % (d['nbytes'], d['npts']))
    n += 1
print(n)
EOF
	# and they read back: no record dies in msread
	[ "$(msread < "$TMP/c.jsonl" | msinfo | grep -c '"live":false')" -eq 0 ]
}

# A tmpfs of SIZE at DIR, or skip (needs root).
small_fs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null || skip "cannot mount a tmpfs (not root?)"
	MOUNTS+=("$1")
}

MOUNTS=()
teardown() {
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
	rm -rf "$TMP"
}

@test "disk full under mssave: exit 1 with the reason, every saved document's bytes are there, a re-run saves the rest exactly once" {
	raw 200
	small_fs "$TMP/full" 1m
	# 200 x 24000 bytes do not fit in 1 MiB
	run sh -c "msread < raw.jsonl | mssave -q --tag out --batch 10 --dir '$TMP/full/wf'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"No space left on device"* ]]
	n1=$(consistent out)
	echo "# $n1 saved before the disk filled" >&3
	[ "$n1" -lt 200 ]
	# free space and run the same command again: the rest, once
	mount -o remount,size=16m "$TMP/full"
	msread < raw.jsonl | mssave -q --tag out --batch 10 --dir "$TMP/full/wf"
	[ "$(consistent out)" -eq 200 ]
	# each source once
	[ "$(msquery wf_TimeSeries '{"data_tag": "out"}' --distinct wf_TimeSeries_id | wc -l)" -eq 200 ]
}

@test "disk full under mssave --format mseed: exit 1, consistent" {
	raw 100
	small_fs "$TMP/full" 256k
	run sh -c "msread < raw.jsonl | mssave -q --tag m --format mseed --batch 7 --dir '$TMP/full/wf'"
	[ "$status" -eq 1 ]
	[[ "$output" == *"No space left on device"* ]]
	msquery wf_TimeSeries '{"data_tag": "m"}' > m.jsonl
	[ "$(msread < m.jsonl | msinfo | grep -c '"live":false')" -eq 0 ]
	mount -o remount,size=16m "$TMP/full"
	msread < raw.jsonl | mssave -q --tag m --format mseed --dir "$TMP/full/wf"
	[ "$(msquery wf_TimeSeries '{"data_tag": "m"}' --distinct wf_TimeSeries_id | wc -l)" -eq 100 ]
}

@test "disk full under the database itself: exit 1 with SQLite's reason, nothing half-saved" {
	cd "$TMP"
	small_fs "$TMP/dbfs" 160k
	export MSPIPE_DB="$TMP/dbfs/x.db"
	# documents with big metadata fill the database file, not the sample file
	run sh -c "mssynth --stream -n 2000 --npts 2 | msedit --set 'pad=\"$(head -c 2000 /dev/zero | tr '\0' x)\"' | mssave -q --tag big --batch 10 --dir '$TMP/wf'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"full"* ]]
	# what is in the database is whole: each saved document points at its bytes
	mount -o remount,size=64m "$TMP/dbfs"
	msquery wf_TimeSeries > got.jsonl
	n=$(wc -l < got.jsonl)
	echo "# $n documents committed before the database filled" >&3
	[ "$n" -gt 0 ]
	[ "$n" -lt 2000 ]
	[ $((n % 10)) -eq 0 ]
	[ "$(msread < got.jsonl | msinfo | grep -c '"live":true')" -eq "$n" ]
}

@test "ulimit -f under mssave: the sample file cannot grow; exit 1 (File too large), consistent" {
	raw 50
	run bash -c "trap '' XFSZ; ulimit -f 500; msread < raw.jsonl | mssave -q --tag lim --batch 4 --dir '$TMP/L'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"File too large"* ]]
	n=$(consistent lim)
	[ "$n" -lt 50 ]
}

@test "fsync failure under mssave: exit 1, the batch is not committed" {
	FI="${MSPIPE_BUILD:-$REPO/build}/tests/faultinject.so"
	[ -f "$FI" ] || skip "faultinject.so not built"
	raw 30
	run sh -c "msread < raw.jsonl | LD_PRELOAD='$FI' ASAN_OPTIONS=verify_asan_link_order=0 MSP_FAULT=fdatasync:2:EIO MSP_FAULT_PATH=/F/ mssave -q --tag fs --batch 10 --dir '$TMP/F'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"fdatasync: Input/output error"* ]]
	# only the first batch (whose fdatasync succeeded) is in the database
	[ "$(consistent fs)" -eq 10 ]
	msread < raw.jsonl | mssave -q --tag fs --dir "$TMP/F"
	[ "$(consistent fs)" -eq 30 ]
}

@test "read-only database: a clear error, exit 1; the database is unchanged and still readable" {
	raw 5
	small_fs "$TMP/ro" 4m
	cp "$MSPIPE_DB" "$TMP/ro/x.db"
	export MSPIPE_DB="$TMP/ro/x.db"
	[ "$(msquery wf_TimeSeries --count)" -eq 5 ]
	mount -o remount,ro "$TMP/ro"
	run sh -c "msread < raw.jsonl | mssave -q --tag ro --dir '$TMP/wf'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"read"*"only"* || "$output" == *"mssave: "*"cannot open"* ]]
	run msdb import extra <<< '{"a": 1}'
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"msdb: "* ]]
}

@test "locked database: mssave waits for the lock, then saves exactly once; a lock held past the timeout is exit 1" {
	raw 20
	# another process holds the write lock for 2 s
	$PY -c "
import sqlite3, time, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN EXCLUSIVE'); open(sys.argv[2], 'w').close(); time.sleep(2); c.execute('COMMIT')
" "$MSPIPE_DB" "$TMP/locked" &
	lp=$!
	while [ ! -e "$TMP/locked" ]; do sleep 0.05; done
	msread < raw.jsonl | mssave -q --tag lk --dir "$TMP/wf"
	wait "$lp"
	[ "$(consistent lk)" -eq 20 ]
	# a lock that outlasts the busy timeout (MSPIPE_DB_BUSY_MS when set)
	$PY -c "
import sqlite3, time, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN EXCLUSIVE'); open(sys.argv[2], 'w').close(); time.sleep(8); c.execute('COMMIT')
" "$MSPIPE_DB" "$TMP/locked2" &
	lp=$!
	while [ ! -e "$TMP/locked2" ]; do sleep 0.05; done
	run sh -c "msread < raw.jsonl | MSPIPE_DB_BUSY_MS=500 mssave -q --tag lk2 --dir '$TMP/wf'"
	echo "$output"
	kill "$lp" 2>/dev/null || true
	wait "$lp" 2>/dev/null || true
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"locked"* ]]
	[ "$(msquery wf_TimeSeries '{"data_tag": "lk2"}' --count)" -eq 0 ]
	msread < raw.jsonl | mssave -q --tag lk2 --dir "$TMP/wf"
	[ "$(consistent lk2)" -eq 20 ]
}

@test "output closed early: a reader that goes away ends a tool quietly by SIGPIPE (even when ignored); a closed stdout is exit 1" {
	cd "$TMP"
	mssynth --stream -n 200 --npts 3000 > in.msp
	for t in mscat msdetrend "mstaper --fraction 0.1" "msfilter --lowpass 1" msinfo; do
		run bash -c "set -o pipefail; $t < in.msp | head -c 100 > /dev/null"
		echo "$t: $status $output"
		[ "$status" -eq 141 ]
		[ -z "$output" ]
		# SIGPIPE ignored by the parent: the tool still sees EPIPE and ends the same way
		run bash -c "trap '' PIPE; $t < in.msp | head -c 100 > /dev/null; exit \${PIPESTATUS[0]}"
		echo "$t (SIGPIPE ignored): $status $output"
		[ "$status" -eq 141 ]
		[ -z "$output" ]
	done
	# help fits in the pipe, so it is written whole before head goes (0), or
	# meets the closed pipe (141): quiet either way
	run bash -c "set -o pipefail; msread --help | head -c 100 > /dev/null"
	echo "msread --help: $status $output"
	[ "$status" -eq 0 ] || [ "$status" -eq 141 ]
	[ -z "$output" ]
	# stdout closed before the tool starts
	for t in mscat msdetrend msinfo; do
		run bash -c "$t < in.msp >&-"
		echo "$t >&-: $status $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "$t: stdout: "* ]]
	done
}

@test "upstream killed inside a record and between records: downstream exits 1 and says which" {
	cd "$TMP"
	mssynth --stream -n 50 --npts 3000 > in.msp
	# between records: the first 10 records whole, no end mark
	size=$($PY "$REPO/tests/lib/mspstream.py" frames in.msp | sed -n 11p | cut -d' ' -f2)
	head -c "$size" in.msp > between.msp
	run msdetrend < between.msp
	[ "$status" -eq 1 ]
	[[ "$output" == *"input ends without an end-of-stream mark"* ]]
	# inside a record
	head -c $((size + 1000)) in.msp > inside.msp
	run msdetrend < inside.msp
	[ "$status" -eq 1 ]
	[[ "$output" == *"record cut short"* ]]
	# a real kill of a producer in full flow
	mkfifo p
	mssynth --stream -n 1000000 --npts 3000 > p &
	pp=$!
	msdetrend < p > out.msp 2> err &
	dp=$!
	sleep 0.3
	kill -KILL "$pp"
	rc=0
	wait "$dp" || rc=$?
	cat err
	[ "$rc" -eq 1 ]
	grep -E "record cut short|input ends without an end-of-stream mark" err
	# and what the killed chain wrote is never a complete stream
	run msinfo --summary < out.msp
	[ "$status" -eq 1 ]
}

@test "parallel --retries 3: a partition whose upstream dies once is re-run and saved exactly once" {
	command -v parallel >/dev/null || skip "no GNU parallel"
	raw 120 500
	cat > job.sh <<EOF
#!/bin/bash
# partition \$1 of 4; the first try of partition 2 loses its upstream mid-stream
set -o pipefail
export MSPIPE_DB="$MSPIPE_DB"
k=\$1
cut() { if [ "\$k" = 2 ] && [ ! -e "$TMP/tried" ]; then touch "$TMP/tried"; head -c 30000; else cat; fi; }
msquery wf_TimeSeries '{"data_tag": "raw"}' --sort _id --partition \$k/4 | msread | cut | msdetrend | mssave -q --tag par --batch 5 --dir "$TMP/P"
EOF
	chmod +x job.sh
	run parallel --retries 3 --joblog "$TMP/jl" ./job.sh ::: 1 2 3 4
	echo "$output"
	cat "$TMP/jl"
	[ "$status" -eq 0 ]
	[ -e "$TMP/tried" ]
	# partition 2's first try was cut (the marker) and yet all 120 are saved, once:
	# parallel re-ran it and mssave's re-run check kept what the cut try had saved
	[ "$(consistent par)" -eq 120 ]
	[ "$(msquery wf_TimeSeries '{"data_tag": "par"}' --distinct wf_TimeSeries_id | wc -l)" -eq 120 ]
}

@test "security: keys and values that look like SQL are stored and found verbatim; no table is dropped" {
	cd "$TMP"
	cat > evil.jsonl <<'EOF'
{"k": "x'); DROP TABLE wf_TimeSeries; --", "n": 1}
{"a\"); DROP TABLE evil; --": "v", "n": 2}
{"k": "' OR '1'='1", "n": 3}
{"k\u0027 OR 1=1 --": 1, "n": 4}
{"$.k": "json path", "n": 5}
EOF
	mssynth --stream -n 2 | mssave -q --tag keep --dir "$TMP/wf"
	msdb import evil evil.jsonl
	[ "$(msquery evil --count)" -eq 5 ]
	n() { msquery evil "$1" -f n | grep -o '"n" : [0-9]*'; }
	[ "$(n '{"k": "x'"'"'); DROP TABLE wf_TimeSeries; --"}')" = '"n" : 1' ]
	# a '"' in a queried key is refused by the SQLite backend (SQLite's JSON
	# paths cannot quote it), with a message and nothing run
	run msquery evil '{"a\"); DROP TABLE evil; --": "v"}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"in a queried key is not supported"* ]]
	msquery evil '{"n": 2}' | grep -qF '"a\"); DROP TABLE evil; --" : "v"'
	[ "$(n '{"k": "'"'"' OR '"'"'1'"'"'='"'"'1"}')" = '"n" : 3' ]
	[ "$(n '{"k'"'"' OR 1=1 --": {"$exists": true}}')" = '"n" : 4' ]
	# a key that is a JSON path to SQLite's json_extract is a plain key here
	msquery evil '{"n": 5}' | grep -qF '"$.k" : "json path"'
	[ "$(n '{"$.k": "json path"}' 2>/dev/null)" = "" ]
	# an operator-looking value is a value
	[ "$(msquery evil '{"k": {"$in": ["1 OR 1=1", "x"]}}' --count)" -eq 0 ]
	# regex text reaches the matcher as a bound value
	[ "$(msquery evil '{"k": {"$regex": "DROP TABLE"}}' --count)" -eq 1 ]
	# sort and projection keys
	run msquery evil --sort "k'); DROP TABLE evil; --" -f "n'); DROP TABLE evil; --"
	echo "$output"
	[ "$(msquery evil --count)" -eq 5 ]
	[ "$(msquery wf_TimeSeries --count)" -eq 2 ]
	# a collection name with SQL in it is refused, not run
	run msquery "evil; DROP TABLE evil" '{}'
	[ "$status" -eq 2 ] || [ "$status" -eq 1 ]
	[ "$(msquery evil --count)" -eq 5 ]
	# metadata keys and values of records, saved by mssave, come back verbatim
	mssynth --stream -n 1 | msedit --set 'q="'"'"'); DROP TABLE wf_TimeSeries; --"' | mssave -q --tag evil --dir "$TMP/wf"
	[ "$(msquery wf_TimeSeries '{"q": "'"'"'); DROP TABLE wf_TimeSeries; --"}' --count)" -eq 1 ]
	[ "$(msquery wf_TimeSeries --count)" -eq 3 ]
}

@test "security: dir and dfile in documents cannot make mssave write outside --dir" {
	cd "$TMP"
	mkdir -p out victim
	# records whose metadata claims other places
	mssynth --stream -n 3 | msedit --set 'dir="../victim"' --set 'dfile="../../victim/x.bin"' > a.msp
	mssynth --stream -n 3 --seed 2 | msedit --set "dir=\"$TMP/victim\"" --set 'dfile="/etc/passwd"' > b.msp
	mscat a.msp b.msp | mssave -q --tag p --dir "$TMP/out"
	[ -z "$(ls -A victim)" ]
	[ "$(find "$TMP" -newer a.msp -type f -name '*.bin' | grep -vc "^$TMP/out/")" -eq 0 ]
	# the saved documents name the file mssave wrote, not the claims
	msquery wf_TimeSeries '{"data_tag": "p"}' -f dir,dfile > d.jsonl
	[ "$(grep -c "\"dir\" : \"$TMP/out\"" d.jsonl)" -eq 6 ]
	! grep -e victim -e passwd d.jsonl || false
	# a tag with path separators cannot steer the default file name
	mssynth --stream -n 1 | mssave -q --tag "../../victim/t" --dir "$TMP/out"
	[ -z "$(ls -A victim)" ]
	ls -A out | grep -q '^\.\._\.\._victim_t-'
	# --dfile is a file name, not a path
	run mssave --dfile ../x.bin < a.msp
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not a file name"* ]]
	# an existing file (or a symbolic link planted in --dir) is never written through
	ln -s "$TMP/victim/planted" out/link.bin
	run sh -c "mssynth --stream -n 1 | mssave -q --tag s --dfile link.bin --dir '$TMP/out'"
	echo "$output"
	[ "$status" -eq 1 ]
	[ ! -e victim/planted ]
	# msread only reads: a document pointing anywhere writes nothing anywhere
	echo '{"storage_mode":"file","format":"binary","dir":"../victim","dfile":"../../victim/new","foff":0,"nbytes":80,"npts":10,"delta":1,"starttime":0}' | msread | msinfo | grep -q '"live":false'
	[ -z "$(ls -A victim)" ]
}

@test "security: a MongoDB URI's password never appears in messages, history or saved documents" {
	cd "$TMP"
	U='mongodb://user:secret@127.0.0.1:1/x?serverSelectionTimeoutMS=200'
	mssynth --stream -n 2 > s.msp
	mssave -q --tag raw --dir "$TMP/wf" < s.msp
	msquery wf_TimeSeries > docs.json
	run msquery --db "$U" wf_TimeSeries
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *secret* ]]
	run sh -c "mssave --db '$U' < s.msp"
	[ "$status" -eq 1 ]
	[[ "$output" != *secret* ]]
	run msdb --db "$U" list
	[ "$status" -eq 1 ]
	[[ "$output" != *secret* ]]
	run msindex --db "$U" "$TMP"
	[[ "$output" != *secret* ]]
	run msquery "--dbx=$U" wf_TimeSeries
	[ "$status" -eq 2 ]
	[[ "$output" != *secret* ]]
	run msquery --db "mongodb://user:secret@[bad" wf_TimeSeries
	[ "$status" -ne 0 ]
	[[ "$output" != *secret* ]]
	# the history of records that passed through a tool given the URI
	msread --db "$U" docs.json > r.msp
	msinfo < r.msp > r.json
	grep -q '"tool" : "msread"' r.json
	! grep -q secret r.json || false
	grep -q 'user:\*\*\*@' r.json
	# saved: documents and history entries
	msread "--db=$U" docs.json | mssave -q --history --tag h --dir "$TMP/wf"
	! msquery history | grep -q secret || false
	! msquery wf_TimeSeries | grep -q secret || false
	msquery history | grep -q 'user:\*\*\*@'
}

@test "I/O errors in the database tools (LD_PRELOAD): each reports it and exits 1, nothing half-saved looks complete" {
	FI="${MSPIPE_BUILD:-$REPO/build}/tests/faultinject.so"
	[ -f "$FI" ] || skip "faultinject.so not built"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
	raw 60
	mssynth --dataset ds --stations 2 --pre 10 --npts 400 > /dev/null
	f() { LD_PRELOAD="$FI" "$@"; }
	# msquery and msdb export: the JSON lines cannot be written.  They write
	# through stdio, whose writes glibc makes inside libc (not through the
	# write symbol LD_PRELOAD replaces), so the kernel's ENOSPC of /dev/full
	# is the fault here
	[ "$(msquery wf_TimeSeries | wc -l)" -eq 60 ]
	run sh -c "msquery wf_TimeSeries > /dev/full"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "msquery: stdout: write error (No space left on device)" ]]
	run sh -c "msdb export wf_TimeSeries > /dev/full"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "msdb: stdout: write error (No space left on device)" ]]
	# msread: the sample file cannot be read (EIO on pread is a dead record, an
	# open that fails too); the documents cannot be read from stdin
	# (stdio again: getline's reads are libc's own, so a directory as stdin
	# gives the kernel's EISDIR instead of an injected EIO)
	run sh -c "msread < '$TMP' > out"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "msread: stdin: read error (Is a directory)" ]]
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:2:EIO MSP_FAULT_FD=1 msread < raw.jsonl > out"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"msread: stdout: write error"* ]]
	run msinfo < out
	[ "$status" -eq 1 ]
	# mssave: the sample file's write fails on the third batch
	run sh -c "msread < raw.jsonl | LD_PRELOAD='$FI' MSP_FAULT=write:3:EIO MSP_FAULT_PATH=/W/ mssave -q --tag w --batch 1 --dir '$TMP/W'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"write: Input/output error"* ]]
	[ "$(consistent w)" -eq 2 ]
	[ "$(msquery wf_TimeSeries '{"data_tag": "w"}' --count)" -eq 2 ]
	# mssave: the sample file cannot be created
	run sh -c "msread < raw.jsonl | LD_PRELOAD='$FI' MSP_FAULT=open:1:EACCES MSP_FAULT_PATH=/V/ mssave -q --tag v --dir '$TMP/V'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mssave: "*"Permission denied"* ]]
	[ "$(msquery wf_TimeSeries '{"data_tag": "v"}' --count)" -eq 0 ]
	# mssave: the ids cannot be written to stdout
	# (stdio: /dev/full's ENOSPC); the samples and documents are saved all
	# the same, so a re-run finds them saved
	run sh -c "msread < raw.jsonl | mssave --tag o --dir '$TMP/O' > /dev/full"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "mssave: stdout: write error (No space left on device)" ]]
	[ "$(consistent o)" -eq 60 ]
	# msindex: a miniSEED file that cannot be read is reported, exit 1
	# (msindex maps the files, so the fault is on the first file's open); the
	# other file is indexed all the same
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=open:1:EIO MSP_FAULT_PATH=.mseed msindex ds"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "msindex: ds/waveforms/XX.S0001..mseed: Input/output error" ]]
	[ "$(msquery wf_miniseed '{"dfile": "XX.S0001..mseed"}' --count)" -eq 0 ]
	[ "$(msquery wf_miniseed '{"dfile": "XX.S0002..mseed"}' --count)" -eq 3 ]
	# msindex: a file truncated by another process while it is mapped (SIGBUS
	# on the missing pages): named, exit 1, the files before it committed, its
	# own transaction not; a second run indexes the rest
	mssynth --dataset ds3 --stations 3 --pre 10 --npts 400 > /dev/null
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=mmapshrink:2 MSP_FAULT_PATH=.mseed MSPIPE_DB='$TMP/sb.db' msindex ds3"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "msindex: ds3/waveforms/XX.S0002..mseed: the file shrank or could not be read while it was being indexed (SIGBUS); the files before it are indexed, run msindex again" ]]
	[ ! -s ds3/waveforms/XX.S0002..mseed ]
	[ "$(MSPIPE_DB="$TMP/sb.db" msquery wf_miniseed --distinct dfile)" = '"XX.S0001..mseed"' ]
	[ "$(MSPIPE_DB="$TMP/sb.db" msquery wf_miniseed --count)" -eq 3 ]
	MSPIPE_DB="$TMP/sb.db" msindex ds3
	[ "$(MSPIPE_DB="$TMP/sb.db" msquery wf_miniseed --count)" -eq 6 ]
	[ "$(MSPIPE_DB="$TMP/sb.db" msquery wf_miniseed '{"dfile": "XX.S0003..mseed"}' --count)" -eq 3 ]
	# msdb import: its input cannot be read (glibc's stdio reads are out of
	# LD_PRELOAD's reach: a closed stdin and a directory instead)
	msquery wf_TimeSeries > exp.json
	run sh -c "msdb import copy <&-"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"msdb: stdin: read error (Bad file descriptor)"* ]]
	run sh -c "msdb import copy < /"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"msdb: stdin: read error (Is a directory)"* ]]
	[ "$(msquery copy --count)" -eq 0 ]
}

@test "fuzz regressions: msread on the documents that crashed fuzz_wfdoc (fuzz/regress/fuzz_wfdoc)" {
	need_data
	cd "$TMP"
	cp "$DATA/waveforms/BW.BGLD..EHE.2008-01-01.steim1.10records.mseed" m.mseed
	$PY -c "import struct,sys; sys.stdout.buffer.write(b''.join(struct.pack('<d', i * 0.5) for i in range(64)))" > b.bin
	for f in "$REPO"/fuzz/regress/fuzz_wfdoc/*; do
		# as the target does: every document's dir is the scratch directory
		$PY -c "
import json, sys
for line in open(sys.argv[1], errors='replace'):
    try: d = json.loads(line)
    except Exception: continue
    d['dir'] = sys.argv[2]; print(json.dumps(d))
" "$f" "$TMP" > docs.jsonl
		run sh -c "msread < docs.jsonl | msinfo > out.json"
		echo "$(basename "$f"): $status $output"
		[ "$status" -eq 0 ]
		case "$(basename "$f")" in
		# npts 3e10 (240 GB of samples): a dead record, not "out of memory"
		npts-beyond-memory) grep -q 'is beyond what one record can hold' out.json ;;
		# npts 0 of a binary file: a live record without samples (memcpy of nothing)
		npts-zero-binary) grep -q '"npts":0,"live":true' out.json ;;
		esac
	done
}

@test "records with extreme core values (NaN t0, dt 1e-300 or 1e300, dt <= 0, t0 1e300, inf/NaN samples, 0 or 1 sample) through every record tool: no crash" {
	cd "$TMP"
	$PY - "$REPO/tests/lib" <<'EOF2'
import sys
sys.path.insert(0, sys.argv[1])
import mspstream as m
cases = {
    'tinydt': (0.0, 1e-300, [1.0] * 100), 'hugedt': (0.0, 1e300, [1.0] * 100),
    'huget0': (1e300, 0.01, [1.0] * 100), 'nant0': (float('nan'), 0.01, [1.0] * 100),
    'negdt': (0.0, -0.01, [1.0] * 100), 'zerodt': (0.0, 0.0, [1.0] * 100),
    'infsamp': (0.0, 0.01, [float('inf'), float('nan')] * 50), 'one': (0.0, 0.01, [1.0]),
    'empty': (0.0, 0.01, []),
}
for name, (t0, dt, s) in cases.items():
    data = m.record(1, t0, dt, s, meta=[('sta', 'X'), ('synth_ptime', 0.5)]) + m.endmark(1)
    open('w-' + name + '.msp', 'wb').write(data)
EOF2
	n=0
	for f in w-*.msp; do
		for t in "msinfo --samples" "msdetrend --type linear" "mstaper --fraction 0.1" \
		         "msfilter --bandpass 0.1,2" "msfilter --lowpass 1 --zerophase" "msresample --rate 10" \
		         "mswindow 0 0.5 --short pad" "mswindow --ref synth_ptime -0.1 0.1" \
		         "msator --ref synth_ptime" "mssnr --ref synth_ptime" "msstack --key sta" \
		         "msstack --key sta --method median" "msptime" "msbundle" "msplot -o p.png" \
		         "mssave -q --tag w --dir $TMP/wf" "mssave -q --tag m --format mseed --dir $TMP/wf"; do
			st=0
			timeout 120 $t < "$f" > out 2> err || st=$?
			if [ "$st" -ge 2 ] || { [ "$st" -eq 1 ] && [ ! -s err ]; }; then
				echo "$f | $t -> $st: $(cat err)"
				n=$((n + 1))
			fi
		done
	done
	[ "$n" -eq 0 ]
	# what was saved reads back
	msquery wf_TimeSeries > saved.json
	msread < saved.json | msinfo > /dev/null
}
