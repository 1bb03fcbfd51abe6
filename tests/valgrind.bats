#!/usr/bin/env bats
# valgrind: memcheck on the main path of every tool, small inputs.  Any
# memory error, and any definite leak, fails the test (--error-exitcode).
# tests/valgrind.supp holds the suppressions: only leaks and uninitialised
# reads inside the libraries' own start-up code (libmongoc, fftw, fontconfig),
# each with the reason.  Skipped for the sanitizer build (ASan and valgrind
# do not mix) and where valgrind is not installed.
load lib/common

setup() {
	TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/mspipe.XXXXXX")"
	command -v valgrind >/dev/null || skip "valgrind not installed"
	if [[ "${MSPIPE_BUILD:-}" == *build-san* ]]; then skip "ASan build: valgrind does not run ASan binaries"; fi
	export MSPIPE_DB="$TMP/test.db"
	cd "$TMP"
	mssynth --stream -n 3 --npts 300 > in.msp
	mssynth --stream --kind seis -n 2 --npts 300 > seis.msp
}

# vg TOOL ARGS...: run under memcheck with stdin/stdout as given by the caller.
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	  --show-leak-kinds=definite --suppressions="$REPO/tests/valgrind.supp" \
	  --log-file="$TMP/vg.%p.log" "$@"
}

# check STATUS: the tool succeeded and valgrind reported nothing.
check() {
	local st=$1
	cat "$TMP"/vg.*.log 2>/dev/null
	[ "$st" -eq 0 ]
	[ -z "$(cat "$TMP"/vg.*.log 2>/dev/null)" ]
	rm -f "$TMP"/vg.*.log
}

@test "valgrind: record filters (mscat msinfo msdetrend mstaper msfilter msresample msedit msator msrtoa mswindow mssnr msstack msptime)" {
	for t in "mscat" "msinfo --samples" "msinfo --summary" "msdetrend --type linear" "mstaper --fraction 0.1" \
	         "msfilter --bandpass 0.1,2" "msfilter --lowpass 1 --zerophase" "msresample --rate 10" \
	         "msedit --set x=1 --rename sta=station --kill-if {\"synth_index\":1}" \
	         "msator --ref synth_ptime" "mswindow --ref synth_ptime -2 2" \
	         "mssnr --ref synth_ptime" "msstack --key sta" "msptime"; do
		st=0
		vg $t < in.msp > out 2> err || st=$?
		echo "$t: $st $(cat err)"
		check "$st"
	done
	msator --ref synth_ptime < in.msp > rel.msp
	st=0; vg msrtoa < rel.msp > out || st=$?; check "$st"
}

@test "valgrind: mssynth (stream and dataset), msbundle, msrotate, msplot" {
	st=0; vg mssynth --stream -n 2 --npts 100 > out || st=$?; check "$st"
	st=0; vg mssynth --dataset ds --stations 2 --pre 10 --npts 400 > /dev/null || st=$?; check "$st"
	mssynth --stream -n 3 --npts 300 --chan BH1,BH2,BHZ > three.msp
	st=0; vg msbundle --to-enz < three.msp > out || st=$?; check "$st"
	st=0; vg msrotate --to-enz < seis.msp > out || st=$?; check "$st"
	st=0; vg msrotate --rtz --baz-key synth_baz < seis.msp > out || st=$?; check "$st"
	st=0; vg msplot -o x.png < in.msp || st=$?; check "$st"
	st=0; vg msplot -o x.svg < seis.msp || st=$?; check "$st"
}

@test "valgrind: the database tools (msindex msdb msquery msread msnormalize mssave) on SQLite" {
	mssynth --dataset ds --stations 2 --pre 10 --npts 1000 > /dev/null
	st=0; vg msindex ds || st=$?; check "$st"
	st=0; vg msdb list > out || st=$?; check "$st"
	st=0; vg msquery wf_miniseed '{"sta": {"$in": ["S0001", "S0002"]}, "npts": {"$gt": 10}}' --sort sta,-chan > docs.json || st=$?; check "$st"
	[ -s docs.json ]
	st=0; vg msquery wf_miniseed --explain > out || st=$?; check "$st"
	st=0; vg msread < docs.json > r.msp || st=$?; check "$st"
	st=0; vg msnormalize channel source --source-tolerance 900 < r.msp > n.msp || st=$?; check "$st"
	st=0; vg msptime --phase P < n.msp > p.msp || st=$?; check "$st"
	st=0; vg mssave --tag v --dir "$TMP/wf" < p.msp > ids || st=$?; check "$st"
	st=0; vg mssave --tag m --format mseed --history --dir "$TMP/wf" < p.msp > ids || st=$?; check "$st"
	msedit --kill-if '{"chan": "BHZ"}' < p.msp > dead.msp
	st=0; vg mssave --tag d --dir "$TMP/wf" < dead.msp > ids || st=$?; check "$st"
	st=0; vg msdb export wf_TimeSeries > exp.json || st=$?; check "$st"
	st=0; vg msdb import copy exp.json || st=$?; check "$st"
	st=0; vg msdb index-create copy sta,-chan || st=$?; check "$st"
	st=0; vg msquery wf_TimeSeries '{"data_tag": "v"}' > saved.json || st=$?; check "$st"
	st=0; vg msread < saved.json > back.msp || st=$?; check "$st"
	[ "$(msinfo < back.msp | grep -c '"live":true')" -eq 6 ]
}

@test "valgrind: error paths (broken stream, bad filter, missing file) free what they hold" {
	head -c 1500 in.msp > cut.msp
	st=0; vg msdetrend < cut.msp > out 2> err || st=$?
	cat "$TMP"/vg.*.log 2>/dev/null
	[ "$st" -eq 1 ]
	[ -z "$(cat "$TMP"/vg.*.log 2>/dev/null)" ]
	rm -f "$TMP"/vg.*.log
	st=0; vg msquery wf_miniseed '{"a": {"$frob": 1}}' > out 2> err || st=$?
	cat "$TMP"/vg.*.log 2>/dev/null
	[ "$st" -eq 2 ]
	[ -z "$(cat "$TMP"/vg.*.log 2>/dev/null)" ]
	rm -f "$TMP"/vg.*.log
	echo '{"storage_mode":"file","format":"mseed","dir":"/nonexistent","dfile":"x","foff":0,"nbytes":512,"npts":10,"delta":1,"starttime":0}' > bad.json
	st=0; vg msread < bad.json > out || st=$?; check "$st"
}
