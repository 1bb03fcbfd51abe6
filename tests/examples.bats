#!/usr/bin/env bats
# The workflows in examples/: each runs, and results do not depend on the fan-out
# (-j1 or -j2, 1 or 16 partitions, parallel or xargs save the same documents and
# samples); a failed partition is resumed without duplicates; partial stacks merged
# equal one pass.
load lib/common

EX="$REPO/examples"
mk() { make -s -C "$EX/$1" MSPIPE_BIN="$MSPIPE_BIN" WORK="$TMP/w" STATIONS=6 "${@:2}"; }

# canonical dump of what a tag holds
dump() {
	MSPIPE_DB="$TMP/w/ms.db" msquery wf_TimeSeries "{\"data_tag\":\"$1\"}" \
	  | MSPIPE_DB="$TMP/w/ms.db" msread | msinfo --samples | $PY "$REPO/tests/lib/canon.py"
}

@test "examples/getting-started: the serial chain saves every record" {
	run mk getting-started
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"saved:  18 TimeSeries"* ]]
	[[ "$output" == *"buried: 0 in cemetery"* ]]
}

@test "examples/partitions: joblog, resume-failed, exactly once" {
	# first run: every partition fails (records bounded below their size)
	run env MSPIPE_MAX_RECORD=1024 make -s -C "$EX/partitions" MSPIPE_BIN="$MSPIPE_BIN" WORK="$TMP/w" STATIONS=6 N=4
	[ "$status" -ne 0 ]
	[ "$(awk -F'\t' 'NR > 1 && $7 != 0' "$TMP/w/joblog" | wc -l)" -eq 4 ]
	# resume: only the failed ones run again, and all of them succeed
	run mk partitions resume N=4
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"saved: 18"* ]]
	[ "$(awk -F'\t' 'NR > 1 && $7 == 0' "$TMP/w/joblog" | wc -l)" -eq 4 ]
	# running everything again adds nothing
	run mk partitions N=4
	[[ "$output" == *"saved: 18"* ]]
}

@test "fan-out does not change results: 1 partition -j1, 16 partitions -j2, xargs -P2" {
	mk partitions N=1 J=1 TAG=one >/dev/null
	mk partitions N=16 J=2 TAG=sixteen >/dev/null
	mk xargs N=5 J=2 TAG=xa >/dev/null
	dump one > "$TMP/one"
	dump sixteen > "$TMP/sixteen"
	dump xa > "$TMP/xa"
	[ "$(wc -l < "$TMP/one")" -eq 18 ]
	cmp "$TMP/one" "$TMP/sixteen"
	cmp "$TMP/one" "$TMP/xa"
}

@test "examples/reduce: 8 partial stacks merged equal the one-pass stack" {
	mk partitions N=3 TAG=part >/dev/null
	run mk reduce N=8 IN_TAG=part check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"merged partial stacks = one pass"* ]]
	[ "$(msinfo < "$TMP/w/merged.msp" | wc -l)" -eq 1 ]
}

@test "examples/sshlogin: parallel --sshlogin over sshd on loopback gives the same result" {
	load lib/cluster
	if ! start_sshd "$TMP/ssh"; then
		stop_sshd "$TMP/ssh"
		skip_or_fail "sshd cannot run here (openssh-server missing or refused)"
	fi
	run mk sshlogin N=4 SSHLOGIN=2/127.0.0.1 TAG=ssh
	stop_sshd "$TMP/ssh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"saved: 18"* ]]
	# every job really went through ssh
	[ "$(awk -F'\t' 'NR > 1 && $2 == "127.0.0.1" && $7 == 0' "$TMP/w/joblog" | wc -l)" -eq 4 ]
	mk partitions N=1 J=1 TAG=one >/dev/null
	dump one > "$TMP/one"
	dump ssh > "$TMP/ssh.txt"
	cmp "$TMP/one" "$TMP/ssh.txt"
}

@test "examples/slurm: a job array over partitions (slurmctld and slurmd on this machine)" {
	load lib/cluster
	[ "$(id -u)" -eq 0 ] || skip "starting Slurm daemons needs root"
	if ! start_slurm "$TMP/slurm"; then
		cat "$TMP/slurm/start.log" "$TMP/slurm/slurmctld.log" 2>/dev/null | tail -5 >&2
		stop_slurm "$TMP/slurm"
		skip_or_fail "Slurm cannot run here"
	fi
	run mk slurm N=4 TAG=slurm
	stop_slurm "$TMP/slurm"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"saved: 18"* ]]
	[ "$(ls "$TMP"/w/chain_*_*.out | wc -l)" -eq 4 ]
	mk partitions N=1 J=1 TAG=one >/dev/null
	dump one > "$TMP/one"
	dump slurm > "$TMP/slurm.txt"
	cmp "$TMP/one" "$TMP/slurm.txt"
}
