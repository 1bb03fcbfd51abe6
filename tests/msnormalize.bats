#!/usr/bin/env bats
# msnormalize: channel, site and source attributes joined into records from
# the StationXML and QuakeML in ../shared/data (values from PROVENANCE.md),
# unmatched records killed or kept, usage errors.
load lib/common

need_index() {
	need_data
	command -v msindex >/dev/null || skip "msindex not built"
	msindex "$DATA"/stations/*.xml "$DATA"/events/*.xml
}
docs() { $PY "$REPO/tests/lib/wfdocs.py" "$@"; }

@test "msnormalize: --help, --version" {
	run msnormalize --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--keep-unmatched"* ]]
	run msnormalize --version
	[ "$status" -eq 0 ]
}

@test "msnormalize: usage errors (exit 2)" {
	for a in "" "station" "channel channel" "channel site source channel" \
	         "--source-tolerance 4s source" "--source-tolerance -1 source" \
	         "--source-offset x source" "--source-time-key= source" "--bogus channel"; do
		run msnormalize $a </dev/null
		echo "[$a] -> $status $output"
		[ "$status" -eq 2 ]
		[[ "$output" == "msnormalize: "* ]]
	done
}

@test "msnormalize: a broken stream is an error (exit 1)" {
	run bash -c 'printf "garbage" | msnormalize --db "$TMP/x.db" channel > /dev/null'
	[ "$status" -eq 1 ]
}

@test "msnormalize: IV.BOB and II.PFO get channel and source (Tohoku) attributes" {
	need_index
	docs "$DATA"/waveforms/IV.BOB*.mseed "$DATA"/waveforms/II.PFO*.mseed | msread |
		msnormalize --source-tolerance 100 channel site source | msinfo > "$TMP/out"
	run $PY -c '
import json, sys, calendar
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 5
origin = calendar.timegm((2011, 3, 11, 5, 46, 23)) + 0.20
for r in rs:
    m = r["metadata"]
    assert r["live"], r["elog"]
    for k in ("channel_lat", "channel_lon", "channel_elev", "channel_hang", "channel_vang",
              "channel_id", "site_lat", "site_id", "source_lat", "source_lon", "source_depth",
              "source_time", "source_id"):
        assert k in m, k
    assert abs(m["source_time"] - origin) < 1e-6 and abs(m["source_depth"] - 19.7) < 1e-9
    assert abs(m["source_lat"] - 38.2963) < 1e-9 and abs(m["source_lon"] - 142.498) < 1e-9
    assert "$oid" in m["channel_id"] and "$oid" in m["source_id"]
    if m["sta"] == "BOB":
        assert abs(m["channel_lat"] - 44.76792) < 1e-9 and abs(m["channel_lon"] - 9.44782) < 1e-9
        assert abs(m["channel_elev"] - 0.910) < 1e-9
        hv = {"BHE": (90, 90), "BHN": (0, 90), "BHZ": (0, 0)}[m["chan"]]
        assert (m["channel_hang"], m["channel_vang"]) == hv, (m["chan"], m["channel_hang"], m["channel_vang"])
    else:
        assert abs(m["channel_lat"] - 33.6107) < 1e-9 and abs(m["channel_elev"] - 1.28) < 1e-9
        assert m["channel_vang"] == 0
print("ok")' "$TMP/out"
	echo "$output"
	[ "$output" = ok ]
}

@test "msnormalize: CX.PB01's 13 windows each get their own event (offset 300 s)" {
	need_index
	docs "$DATA"/waveforms/CX.PB01*.mseed | msread | msnormalize --source-offset 300 channel source |
		msinfo > "$TMP/out"
	run $PY -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 39
ids = set()
for r in rs:
    m = r["metadata"]
    assert r["live"], r["elog"]
    assert abs(r["t0"] - 300 - m["source_time"]) < 0.05, (r["t0"], m["source_time"])
    assert abs(m["channel_lat"] + 21.04323) < 1e-9
    ids.add(m["source_id"]["$oid"])
assert len(ids) == 13
print("ok")' "$TMP/out"
	echo "$output"
	[ "$output" = ok ]
}

@test "msnormalize: no match kills with an elog entry; --keep-unmatched keeps it live with a Complaint" {
	need_index
	docs "$DATA"/waveforms/NL.HGN.00.BHZ.2003-05-29.steim2.mseed | msread > "$TMP/hgn"
	run bash -c "msnormalize channel < '$TMP/hgn' | msinfo"
	[[ "$output" == *'"live":false'* ]]
	[[ "$output" == *"MiniseedMatcher found no channel for NL_HGN_00_BHZ_"* ]]
	run bash -c "msnormalize --keep-unmatched source < '$TMP/hgn' | msinfo"
	[[ "$output" == *'"live":true'* ]]
	[[ "$output" == *'"Complaint"'* ]]
	[[ "$output" == *"OriginTimeMatcher found no source"* ]]
}

@test "msnormalize: dead records pass through untouched; normalized records save only the ids" {
	need_index
	docs "$DATA"/waveforms/IV.BOB*.mseed | msread | msnormalize --source-tolerance 100 channel source |
		mssave -q --tag n --dir "$TMP/wf"
	command -v msquery >/dev/null || skip "msquery not built"
	msquery wf_TimeSeries '{"data_tag": "n"}' > "$TMP/docs"
	[ "$(wc -l < "$TMP/docs")" -eq 3 ]
	! grep -q channel_lat "$TMP/docs" || false
	grep -q '"channel_id"' "$TMP/docs"
	grep -q '"source_id"' "$TMP/docs"
	# read back: channel_id in the record, so normalization is by id
	msread "$TMP/docs" | msnormalize channel | msinfo > "$TMP/out"
	[ "$(grep -c '"channel_lat" : 44.7679' "$TMP/out")" -eq 3 ]
	mssynth --stream -n 2 --kill-every 1 | msnormalize channel | msinfo > "$TMP/dead"
	! grep -q channel_lat "$TMP/dead" || false
}
