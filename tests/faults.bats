#!/usr/bin/env bats
# I/O fault injection (LD_PRELOAD tests/lib/faultinject.c, in the manner of
# jq's tests): a read, write or close that fails at a chosen call makes every
# tool report it and exit non-zero; nothing half-written looks complete.
load lib/common

FI="${MSPIPE_BUILD:-$REPO/build}/tests/faultinject.so"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

# Record filters that exist in this build: "tool args" that read and write records.
filters() {
	for f in "mscat" "msdetrend" "msdetrend --type linear" "mstaper --fraction 0.05" \
	         "msfilter --lowpass 1" "msfilter --bandpass 0.1,2 --zerophase" \
	         "mswindow --ref synth_ptime -1000 1000 --short truncate" "msedit --set x=1" \
	         "msptime" "mssnr --ref synth_ptime" "msstack --key sta" "msbundle" "msrotate --to-enz"; do
		[ -x "$MSPIPE_BIN/${f%% *}" ] && echo "$f"
	done
	return 0
}

setup_file() {
	[ -f "$FI" ] || skip "faultinject.so not built"
}

input() { mssynth --stream -n 100 --npts 3000 > "$TMP/in.msp"; }

@test "every record filter: a failed write on stdout is exit 1 with a message" {
	input
	n=0
	while read -r f; do
		run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:1:EIO MSP_FAULT_FD=1 $f < '$TMP/in.msp' > '$TMP/out'"
		echo "$f -> $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "${f%% *}: "*"write error"* ]]
		n=$((n + 1))
	done < <(filters)
	[ "$n" -ge 1 ]
}

@test "every record filter: a write that fails late (ENOSPC) is exit 1, and the output has no end mark" {
	input
	while read -r f; do
		run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:2:ENOSPC MSP_FAULT_FD=1 $f < '$TMP/in.msp' > '$TMP/out'"
		echo "$f -> $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"No space left on device"* ]]
		# what was written is never a complete stream
		run msinfo < "$TMP/out"
		[ "$status" -eq 1 ]
	done < <(filters | grep -v -e '^msstack' -e '^msbundle')
	# (reduces write few records: msstack one per group, msbundle one empty dead
	# Seismogram per lone channel of this input, all in the first write)
}

@test "every record filter: a failed read on stdin is exit 1 with a message" {
	input
	while read -r f; do
		run sh -c "LD_PRELOAD='$FI' MSP_FAULT=read:2:EIO MSP_FAULT_FD=0 $f < '$TMP/in.msp' > '$TMP/out'"
		echo "$f -> $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "${f%% *}: stdin: read error (Input/output error) at record "* ]]
	done < <(filters)
}

@test "msinfo: failed writes of JSON lines are exit 1" {
	input
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:1:EIO MSP_FAULT_FD=1 msinfo < '$TMP/in.msp' > '$TMP/out'"
	[ "$status" -eq 1 ]
	[[ "$output" == "msinfo: stdout: write error"* ]]
}

@test "mssynth: a failed write is exit 1; a miniSEED file that cannot grow (ulimit -f) is exit 1" {
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:1:ENOSPC MSP_FAULT_FD=1 mssynth --stream -n 5 > '$TMP/out'"
	[ "$status" -eq 1 ]
	[[ "$output" == "mssynth: "*"No space left on device"* ]]
	# stdio writes inside libc are out of LD_PRELOAD's reach: a real size limit instead
	run bash -c "trap '' XFSZ; ulimit -f 8; mssynth --dataset '$TMP/ds' --stations 3 --npts 20000"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "mssynth: "*"write error (File too large)"* ]]
}

@test "msplot: a failed write of the picture is exit 1" {
	input
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:1:ENOSPC MSP_FAULT_ALL=1 msplot -o '$TMP/x.png' < '$TMP/in.msp'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "msplot: "* ]]
}

@test "the stream writer: a failed close of stdout is caught (text tools)" {
	input
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=close:1:EIO MSP_FAULT_FD=1 msinfo --summary < '$TMP/in.msp' > '$TMP/out'"
	echo "$output"
	[ "$status" -eq 1 ]
}

# A slow disk (each fdatasync of the sample file returns 300 ms late): the
# records read meanwhile are appended to the file, not held in memory until
# the sync ends (that held a batch's sample bytes, up to 16 MiB, and made
# mssave's peak RSS grow with the run), and every record is saved exactly.
@test "mssave: while slow fdatasyncs are in flight, records go to the file, not to memory; all read back exactly" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	ldd "$MSPIPE_BIN/mssave" 2>/dev/null | grep -q libasan && skip "ASan: its quarantine grows with the records"
	cd "$TMP"
	mssynth --stream -n 1200 --npts 2000 > big.rec      # 1200 x 16 kB of samples
	mssynth --stream -n 400 --npts 2000 > one.rec       # one batch: no sync in flight
	slow="LD_PRELOAD=$FI MSP_FAULT=fdatasync:1 MSP_FAULT_ALL=1 MSP_FAULT_DELAY_MS=300 MSP_FAULT_PATH=/wf/"
	env $slow /usr/bin/time -f %M -o one.kb mssave -q --tag one --batch 400 --dir wf < one.rec
	env $slow /usr/bin/time -f %M -o big.kb mssave -v -q --tag big --batch 400 --dir wf < big.rec 2> log
	cat log one.kb big.kb
	grep -q "1200 saved.*3 batches, 3 fsyncs" log
	# 800 records (12.8 MB) arrived during the two syncs in flight; holding
	# them (6.4 MB a sync) would show here
	[ "$(cat big.kb)" -lt $(($(cat one.kb) + 3072)) ]
	msquery wf_TimeSeries '{"data_tag": "big"}' | msread | msinfo --samples > back
	msinfo --samples < big.rec > orig
	# the same samples, in the same order, and the file holds exactly them
	run $PY - wf/big-*.bin <<'EOF'
import json, struct, sys
rows = lambda f: [(r["t0"], r["data"]) for r in map(json.loads, open(f))]
a, b = rows("orig"), rows("back")
assert len(a) == 1200 and a == b, (len(a), len(b))
raw = open(sys.argv[1], "rb").read()
assert raw == b"".join(struct.pack("<%dd" % len(d), *d) for _, d in a), len(raw)
print("ok")
EOF
	echo "$output"
	[ "$output" = ok ]
}
