#!/usr/bin/env bats
# bench.bats - the chain benchmark runs to its end on a small data set and
# prints every section; the references it compares against do mssnr's work.
# Figures are printed, never asserted on (tests never judge wall-clock time).

load lib/common

@test "bench: bench_chain.sh runs every section on small shapes" {
	$PY -c 'import numpy, scipy' 2> /dev/null || skip "python3-numpy and python3-scipy are not installed"
	command -v parallel > /dev/null || skip "GNU parallel is not installed"
	cd "$REPO"
	run env BENCH_LONG=6 BENCH_SHORT=300 BENCH_RSS_BIG=1200 BENCH_MSPASS=0 TMPDIR="$TMP" \
		MSPIPE_BIN="$MSPIPE_BIN" sh bench/bench_chain.sh
	echo "$output"
	[ "$status" -eq 0 ]
	for want in "== shape long: 6 traces" "== shape short: 300 traces" "mspipe -j1" "mspipe -j2" \
	            "fixed cost of a run" "steady state" "one core a job" "NumPy/SciPy, 2 procs" "pipe limit:" \
	            "pass-through twin" "CPU per process" "MsPASS: left out" "== peak RSS per process" \
	            "== peak RSS of the database ends" "== start-up cost" "each extra partition costs"; do
		[[ "$output" == *"$want"* ]] || { echo "missing: $want"; false; }
	done
	# every saved record is accounted for, and the NumPy chain found mssnr's band
	# edges on every trace it was given (both shapes)
	[[ "$output" == *"records saved by the -j2 run: 6 of 6"* ]]
	[[ "$output" == *"records saved by the -j2 run: 300 of 300"* ]]
	[[ "$output" == *"band edges equal mssnr's (9 digits) on 6 of 6 traces"* ]]
	[[ "$output" == *"band edges equal mssnr's (9 digits) on 300 of 300 traces"* ]]
	# each round of the pipe limit saved its bytes (a tag used twice would make
	# mssave skip the records as already saved: a chain with no disk writes)
	[[ "$output" != *"disk: the 0.0 MB"* ]]
	# no number came out as a shell or bc error
	[[ "$output" != *"syntax error"* && "$output" != *"not found"* ]]
}
