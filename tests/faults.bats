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
	[ "$status" -eq 1 ] && [[ "$output" == "msinfo: stdout: write error"* ]]
}

@test "mssynth: a failed write is exit 1; a miniSEED file that cannot grow (ulimit -f) is exit 1" {
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:1:ENOSPC MSP_FAULT_FD=1 mssynth --stream -n 5 > '$TMP/out'"
	[ "$status" -eq 1 ] && [[ "$output" == "mssynth: "*"No space left on device"* ]]
	# stdio writes inside libc are out of LD_PRELOAD's reach: a real size limit instead
	run bash -c "trap '' XFSZ; ulimit -f 8; mssynth --dataset '$TMP/ds' --stations 3 --npts 20000"
	echo "$output"
	[ "$status" -eq 1 ] && [[ "$output" == "mssynth: "*"write error (File too large)"* ]]
}

@test "msplot: a failed write of the picture is exit 1" {
	input
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=write:1:ENOSPC MSP_FAULT_ALL=1 msplot -o '$TMP/x.png' < '$TMP/in.msp'"
	echo "$output"
	[ "$status" -eq 1 ] && [[ "$output" == "msplot: "* ]]
}

@test "the stream writer: a failed close of stdout is caught (text tools)" {
	input
	run sh -c "LD_PRELOAD='$FI' MSP_FAULT=close:1:EIO MSP_FAULT_FD=1 msinfo --summary < '$TMP/in.msp' > '$TMP/out'"
	echo "$output"
	[ "$status" -eq 1 ]
}
