#!/usr/bin/env bats
# msrtoa: relative -> UTC; rtoa(ator(x)) is x bit for bit; records without a
# valid shift are killed; usage errors; broken streams.
load lib/common
load lib/broken

@test "msrtoa --help on stdout and exit 0; --version" {
	run msrtoa --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: msrtoa "* ]]
	run msrtoa --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msrtoa (mspipe "* ]]
}

# everything but the history, metadata as a set of keys
strip() { msinfo --samples | jq -cS 'del(.history)'; }

@test "msrtoa(msator(x)) is x: t0 bit for bit, samples, metadata" {
	mssynth --stream --count 6 --npts 300 --kind seis > "$TMP/in"
	strip < "$TMP/in" > "$TMP/a"
	msator --ref synth_ptime < "$TMP/in" | msrtoa | strip > "$TMP/b"
	cmp "$TMP/a" "$TMP/b"
	# shifts far from t0, where t0 - s + s rounds: still exact
	for s in 0.1 3.3 1e-7 12345.678 -1299823200.3 2.5e9; do
		msator --shift "$s" < "$TMP/in" | msrtoa | strip > "$TMP/c"
		cmp "$TMP/a" "$TMP/c" || { echo "shift $s"; return 1; }
	done
	# and on t0 values that are not epochs
	mssynth --stream --count 3 --npts 10 --t0 0.123456789 --step 0.3 > "$TMP/in2"
	strip < "$TMP/in2" > "$TMP/a2"
	msator --shift 1299823512.37 < "$TMP/in2" | msrtoa | strip > "$TMP/b2"
	cmp "$TMP/a2" "$TMP/b2"
	msator --shift 1299823512.37 < "$TMP/in2" | msinfo | jq -e '.metadata.ator_exact.t0' >/dev/null
}

@test "msrtoa: UTC and dead records pass unchanged" {
	mssynth --stream --count 4 --npts 50 --kill-every 2 > "$TMP/in"
	msinfo < "$TMP/in" > "$TMP/a"
	msrtoa < "$TMP/in" | msinfo > "$TMP/b"
	cmp "$TMP/a" "$TMP/b"
}

@test "msrtoa: relative data with no valid shift is killed with a reason" {
	$PY - "$REPO/tests/lib" "$TMP/rel" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mspstream as m
open(sys.argv[2], "wb").write(m.record(1, 5.0, 0.1, [1.0] * 10, utc=False) +
                              m.record(1, 5.0, 0.1, [1.0] * 10, utc=False, t0shift=150.0) +
                              m.record(1, 5.0, 0.1, [1.0] * 10, utc=False, t0shift=50.0) + m.endmark(3))
PY
	msrtoa < "$TMP/rel" | msinfo | jq -c '[.live, .tref, .t0, .elog[-1].message]' > "$TMP/o"
	[ "$(sed -n 1p "$TMP/o")" = '[false,"relative",5,"time shift to UTC is not defined (relative data that were never absolute)"]' ]
	[ "$(sed -n 2p "$TMP/o")" = '[true,"UTC",155,null]' ]   # MsPASS: any shift > 100 s is taken
	[ "$(sed -n 3p "$TMP/o")" = '[false,"relative",5,"time shift to UTC is not defined (relative data that were never absolute)"]' ]
}

@test "msrtoa: usage errors exit 2" {
	mssynth --stream --count 1 --npts 10 > "$TMP/in"
	for args in "extra" "--bogus" "--ref Ptime"; do
		eval "run msrtoa $args < '$TMP/in'"
		[ "$status" -eq 2 ] || { echo "args: $args -> $status: $output"; return 1; }
		[[ "$output" == msrtoa:* ]]
	done
}

@test "msrtoa: broken input streams exit 1 with the standard message" {
	for c in cut noend empty json text version header payload toobig lost; do
		expect_broken $c msrtoa
	done
}
