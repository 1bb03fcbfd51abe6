#!/usr/bin/env bats
# restart: a chain over 1000 records whose mssave is killed with SIGKILL at
# random moments 20 times and re-run after each; at the end exactly 1000
# saved documents and the cemetery entries, no duplicate, and samples
# byte-identical to an uninterrupted run.  On SQLite, and on the MongoDB
# backend (FerretDB) when its binary is there.
load lib/common

teardown() {
	if [ -n "${FERRET_DIR:-}" ]; then ferret_stop; fi
	rm -rf "$TMP"
}

# The raw documents not yet saved under TAG (msquery --not-saved-as), so each
# re-run reads only the rest; mssave's own re-run check covers the overlap.
todo() {
	msquery wf_TimeSeries '{"data_tag": "raw"}' --not-saved-as "$1"
}
saved() {
	msquery "$1" "{\"data_tag\": \"$2\"}"
}

# restart_chain KILLS MAXMS: the whole scenario on $MSPIPE_DB.  Each killed run is
# the chain staged through a file: msread writes the records still to do,
# and mssave reads them through a FIFO that this test holds open.  The test
# writes a random number of bytes of them (a cut anywhere, inside a record
# or between two, never the whole), waits 0 to MAXMS-1 ms and kills mssave with
# SIGKILL.  mssave cannot have finished (its input has not ended), so every
# kill lands mid-way: while it decodes, writes samples, fsyncs or commits,
# or waits for more with a batch half full and a record half read.
restart_chain() {
	local kills=$1 maxms=$2 again=${3:-} size cut ms
	cd "$TMP"
	# 1030 raw records; the 30 whose sample file is then removed die in msread
	mssynth --stream -n 1000 --npts 500 --seed 3 | mssave -q --tag raw --dir A
	mssynth --stream -n 30 --npts 500 --seed 4 --sta GONE | mssave -q --tag raw --dir B
	rm -r B
	# the uninterrupted reference
	todo ref | msread | mssave -q --tag ref --dir R
	mkfifo feed
	killed=0
	for i in $(seq "$kills"); do
		todo step | msread > todo.msp
		size=$(stat -c %s todo.msp)
		# about 2/kills of the whole a run on average, so the kills spread
		# over the work and some is left for the last run
		cut=$((1 + (RANDOM * 32768 + RANDOM) % (2 * 4400000 / kills)))
		[ "$cut" -lt "$size" ] || cut=$((size - 1))
		ms=$((RANDOM % maxms))
		mssave -q --tag step --batch 5 --dir S < feed &
		pid=$!
		exec 7> feed
		head -c "$cut" todo.msp >&7
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		kill -KILL "$pid" && killed=$((killed + 1))
		exec 7>&-
		wait "$pid" 2>/dev/null || true
		echo "# kill $i: $cut of $size bytes fed, $ms ms later: $(saved wf_TimeSeries step | wc -l) saved" >&3
	done
	rm feed todo.msp
	before=$(saved wf_TimeSeries step | wc -l)
	echo "# $killed of $kills runs killed mid-way; $before saved before the last run" >&3
	[ "$killed" -eq "$kills" ]
	[ "$before" -lt 1000 ]
	todo step | msread | mssave -q --tag step --dir S
	# further re-runs save nothing new, even without --not-saved-as.  On
	# FerretDB only the first AGAIN raw documents (more than the 16 that make
	# mssave index the key): every source of such a re-run asks the database,
	# and FerretDB answers each by reading the whole collection (0.24 s a
	# source here: all 1030 took 8 of CI's 13 minutes)
	todo step | msread | mssave -q --tag step --dir S
	if [ -n "$again" ]; then
		msquery wf_TimeSeries '{"data_tag": "raw"}' --limit "$again" | msread | mssave -q --tag step --dir S
	else
		msread <(saved wf_TimeSeries raw) | mssave -q --tag step --dir S
	fi
	saved wf_TimeSeries step > step.jsonl
	saved wf_TimeSeries ref > ref.jsonl
	[ "$(wc -l < step.jsonl)" -eq 1000 ]
	[ "$(saved cemetery step | wc -l)" -eq 30 ]
	[ "$(saved cemetery ref | wc -l)" -eq 30 ]
	run $PY "$REPO/tests/lib/compare_saved.py" ref.jsonl step.jsonl wf_TimeSeries_id
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1000 records identical" ]
	# the cemetery entries name distinct sources
	[ "$(saved cemetery step | grep -o '"wf_TimeSeries_id" : {[^}]*}' | sort -u | wc -l)" -eq 30 ]
	# nothing is left to do
	[ "$(todo step | wc -l)" -eq 0 ]
}

@test "restart: 20 SIGKILLs of mssave, re-run after each: 1000 saved + 30 buried, no duplicate, same samples" {
	command -v msquery >/dev/null || skip "msquery not built"
	restart_chain 20 50
}

@test "restart: the same on the MongoDB backend (FerretDB), 10 SIGKILLs" {
	command -v msquery >/dev/null || skip "msquery not built"
	[ -f "$REPO/tests/lib/ferretdb.bash" ] || skip "no tests/lib/ferretdb.bash"
	source "$REPO/tests/lib/ferretdb.bash"
	[ -x "$FERRETDB" ] || { skip_or_fail "no FerretDB binary at $FERRETDB (scripts/ferretdb.sh)"; return; }
	ferret_start
	ferret_db || return 1
	MSPIPE_DB="$M"
	[ -n "$MSPIPE_DB" ] || { skip_or_fail "FerretDB did not start"; return; }
	export MSPIPE_DB
	restart_chain 10 1000 20
}

# SIGKILL of any one tool of a five-tool chain (msquery | msread | msdetrend |
# msfilter | mssave), the victim and the moment chosen at random, then the
# same command again: every raw record saved exactly once, the samples
# identical to an uninterrupted run.  A killed upstream tool leaves its
# consumers a stream cut inside or between records: they exit 1, and mssave
# commits nothing of the batch it was filling.
chain() {
	msquery wf_TimeSeries '{"data_tag": "raw"}' --not-saved-as "$1" | msread | msdetrend \
	  | msfilter --lowpass 2 | mssave -q --tag "$1" --batch 7 --dir "$TMP/$1"
}

@test "restart: SIGKILL of each tool of a chain at random moments, then the same command: exactly once, same samples" {
	command -v msquery >/dev/null || skip "msquery not built"
	cd "$TMP"
	mssynth --stream -n 300 --npts 12000 --seed 5 | mssave -q --tag raw --dir "$TMP/A"
	chain ref
	msquery wf_TimeSeries '{"data_tag": "ref"}' > ref.jsonl
	tools=(msquery msread msdetrend msfilter mssave)
	hits=0
	for i in $(seq 10); do
		victim=${tools[$((i % 5))]}
		chain "s$i" &
		sub=$!
		# kill the victim (a child of this chain's subshell) at a random moment
		# of its run: once it is there, after 0 to 40 ms (the whole chain
		# takes about 0.1 s on an idle machine)
		for _ in $(seq 500); do pgrep -P "$sub" -x "$victim" > /dev/null && break; done
		cs=$((RANDOM % 5))
		sleep "0.0$cs"
		pid=$(pgrep -P "$sub" -x "$victim" || true)
		what="had ended"
		if [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; then hits=$((hits + 1)); what=killed; fi
		wait "$sub" 2>/dev/null || true
		before=$(msquery wf_TimeSeries "{\"data_tag\": \"s$i\"}" --count)
		echo "# $victim $what $((cs * 10)) ms after it started: $before of 300 saved" >&3
		chain "s$i"
		msquery wf_TimeSeries "{\"data_tag\": \"s$i\"}" > got.jsonl
		[ "$(wc -l < got.jsonl)" -eq 300 ]
		run $PY "$REPO/tests/lib/compare_saved.py" ref.jsonl got.jsonl wf_TimeSeries_id
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = "300 records identical" ]
	done
	echo "# $hits of 10 kills found their victim running" >&3
	# (msquery prints 300 short lines and is often gone before its kill)
	[ "$hits" -ge 3 ]
}
