#!/usr/bin/env bats
# The main job (make demo) on a small data set: it runs end to end, accounts for
# every record, and writes its plots.
load lib/common

@test "demo: the whole chain on 20 stations (plus the real data when present)" {
	run env DEMO_OUT="$TMP/demo" DEMO_STATIONS=20 DEMO_PARTITIONS=4 sh "$REPO/examples/demo/run.sh"
	echo "$output" | tail -25
	[ "$status" -eq 0 ]
	# every record of the first pass is saved or buried
	line=$(echo "$output" | grep "accounted for")
	n=$(echo "$line" | awk '{print $3}')
	m=$(echo "$line" | awk '{print $5}')
	[ "$n" -eq "$m" ]
	[ "$n" -ge 60 ]
	[[ "$output" == *"second pass"* && "$output" == *"stacks"* ]]
	[ -s "$TMP/demo/section.png" ]
	$PY -c 'import sys; b=open(sys.argv[1],"rb").read(8); assert b == b"\x89PNG\r\n\x1a\n"' "$TMP/demo/section.png"
}
