#!/usr/bin/env bats
# msedit: --set JSON values, --rename, --delete, --kill-if / --keep-if with
# the MongoDB filter language on Metadata + core attributes; order of
# operations; dead records; usage errors; broken streams.
load lib/common
load lib/broken

@test "msedit --help on stdout and exit 0; --version" {
	run msedit --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: msedit "* ]]
	run msedit --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msedit (mspipe "* ]]
}

@test "msedit --set: every JSON value type lands in the metadata with its BSON type" {
	mssynth --stream --count 2 --npts 10 > "$TMP/in"
	msedit --set i=7 --set big=12345678901 --set d=34.9459 --set e=-1e-3 --set 's="ANMO"' \
	       --set b=true --set n=null --set 'a=[1,"x"]' --set 'o={"snr":4.5,"band":[0.1,2]}' \
	       --set 'id={"$oid":"5f1a2b3c4d5e6f7081920a1b"}' --set 't={"$date":"2011-03-11T05:46:23Z"}' \
	       --set 'u="\u00e9"' < "$TMP/in" | msinfo > "$TMP/o"
	[ "$(wc -l < "$TMP/o")" = 2 ]
	run jq -c '.metadata | [.i,.big,.d,.e,.s,.b,.n,.a,.o,.id,.t,.u]' "$TMP/o"
	[ "${lines[0]}" = '[7,12345678901,34.9459,-0.001,"ANMO",true,null,[1,"x"],{"snr":4.5,"band":[0.1,2]},{"$oid":"5f1a2b3c4d5e6f7081920a1b"},{"$date":"2011-03-11T05:46:23Z"},"é"]' ]
	[ "$(jq -r '.history[-1].tool' "$TMP/o" | sort -u)" = msedit ]
	# replacing a key keeps one copy of it
	msedit --set 'sta="ANMO"' --set 'sta="COR"' < "$TMP/in" | msinfo | jq -r '.metadata.sta' | sort -u > "$TMP/s"
	[ "$(cat "$TMP/s")" = COR ]
}

@test "msedit: builds records with chosen coordinates (the tests' way to place stations)" {
	mssynth --stream --count 3 --npts 10 | msedit --set site_lat=34.9459 --set site_lon=-106.4572 \
		--set source_lat=38.2963 --set source_lon=142.498 --set source_depth=19.7 | msinfo > "$TMP/o"
	[ "$(jq -c '.metadata | [.site_lat,.site_lon,.source_lat,.source_lon,.source_depth]' "$TMP/o" | sort -u)" = \
	  "[34.9459,-106.4572,38.2963,142.498,19.7]" ]
}

@test "msedit --rename / --delete: renamed, replaced, removed; a missing OLD is a Complaint" {
	mssynth --stream --count 1 --npts 10 > "$TMP/in"
	msedit --rename synth_amp=amp --rename synth_freq=sta --delete synth_seed --delete nosuchkey \
	       --rename nokey=x < "$TMP/in" | msinfo > "$TMP/o"
	jq -e '.metadata | (.amp == 10 and .synth_amp == null and .sta == 1 and .synth_freq == null and
	                    .synth_seed == null and .x == null)' "$TMP/o"
	[ "$(jq -r '.elog[-1] | .severity + ": " + .message' "$TMP/o")" = "Complaint: --rename nokey=x: no key nokey; nothing renamed" ]
	[ "$(jq .live "$TMP/o")" = true ]
}

@test "msedit --kill-if: kills matching records with the filter in the elog; operations run in order" {
	mssynth --stream --count 4 --npts 10 --chan BHZ,BHN > "$TMP/in"
	msedit --kill-if '{"chan": "BHN"}' < "$TMP/in" | msinfo > "$TMP/o"
	[ "$(jq -c '[.metadata.chan, .live]' "$TMP/o" | tr '\n' ' ')" = '["BHZ",true] ["BHN",false] ["BHZ",true] ["BHN",false] ' ]
	[ "$(jq -r 'select(.live == false) | .elog[-1].message' "$TMP/o" | sort -u)" = 'matched --kill-if {"chan": "BHN"}' ]
	# a filter sees the edits made before it, not those after it
	[ "$(msedit --set q=1 --kill-if '{"q": 1}' < "$TMP/in" | msinfo | jq -s 'map(select(.live)) | length')" = 0 ]
	[ "$(msedit --kill-if '{"q": 1}' --set q=1 < "$TMP/in" | msinfo | jq -s 'map(select(.live)) | length')" = 4 ]
	# a killed record gets no further edits
	msedit --kill-if '{"chan": "BHN"}' --set z=1 < "$TMP/in" | msinfo | jq -c 'select(.live == false) | .metadata.z' | sort -u > "$TMP/z"
	[ "$(cat "$TMP/z")" = null ]
}

@test "msedit --keep-if: only matching live records go on; dead records always do" {
	mssynth --stream --count 6 --npts 10 --chan BHZ,BHN,BHE --kill-every 3 > "$TMP/in"
	msedit --keep-if '{"chan": {"$regex": "^BH[ZN]$"}}' < "$TMP/in" | msinfo > "$TMP/o"
	# records 3 and 6 (BHE) are dead: they pass; no live BHE is left
	[ "$(jq -c '[.metadata.chan, .live]' "$TMP/o" | tr '\n' ' ')" = '["BHZ",true] ["BHN",true] ["BHE",false] ["BHZ",true] ["BHN",true] ["BHE",false] ' ]
	[ "$(msedit --keep-if '{"chan": "XXX"}' < "$TMP/in" | msinfo | wc -l)" = 2 ]
	# records a filter only looked at pass byte for byte (no history entry)
	msedit --keep-if '{"chan": {"$exists": true}}' --kill-if '{"chan": "XXX"}' --delete nokey < "$TMP/in" > "$TMP/same"
	cmp <(mscat < "$TMP/in") "$TMP/same"
}

@test "msedit: filters see the core attributes, which override stale Metadata mirrors" {
	$PY - "$REPO/tests/lib" "$TMP/in" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mspstream as m
# Metadata claims npts 5, starttime 0 and delta 1: the record says otherwise
meta = [("npts", 5), ("starttime", 0.0), ("delta", 1.0), ("sta", "ANMO")]
open(sys.argv[2], "wb").write(m.record(1, 1000.0, 0.25, [0.0] * 12, meta=meta) +
                              m.record(3, -5.0, 0.5, [0.0] * 6, meta=meta, utc=False,
                                       t0shift=1299822383.0, shift_valid=True) + m.endmark(2))
PY
	k() { msedit --kill-if "$1" < "$TMP/in" | msinfo | jq -c '.live' | tr '\n' ' '; }
	[ "$(k '{"npts": 12}')" = "false true " ]
	[ "$(k '{"npts": 5}')" = "true true " ]
	[ "$(k '{"starttime": 1000, "delta": 0.25, "sampling_rate": 4}')" = "false true " ]
	[ "$(k '{"t0": {"$lt": 0}, "dt": 0.5}')" = "true false " ]
	[ "$(k '{"endtime": 1002.75}')" = "false true " ]
	[ "$(k '{"tref": "relative", "t0shift": 1299822383}')" = "true false " ]
	[ "$(k '{"kind": "Seismogram"}')" = "true false " ]
	[ "$(k '{"kind": "TimeSeries", "live": true, "sta": "ANMO"}')" = "false true " ]
	[ "$(k '{"t0shift": {"$exists": false}}')" = "false true " ]
}

@test "msedit: the filter language (MongoDB semantics) on real-looking headers" {
	mssynth --stream --count 4 --npts 10 --chan BHZ,BHN > "$TMP/in0"
	msedit --set 'Parrival={"snr": 4.5, "band": [0.1, 2.0]}' --set 'tags=["a","b"]' --set n=3 < "$TMP/in0" > "$TMP/in"
	k() { msedit --kill-if "$1" < "$TMP/in" | msinfo | jq -s 'map(select(.live == false)) | length'; }
	[ "$(k '{"Parrival.snr": {"$gt": 4}}')" = 4 ]
	[ "$(k '{"Parrival.snr": {"$gt": 5}}')" = 0 ]
	[ "$(k '{"Parrival.band": 2}')" = 4 ]                 # any element of an array
	[ "$(k '{"tags": "b"}')" = 4 ]
	[ "$(k '{"n": 3.0}')" = 4 ]                           # int32 3 equals double 3.0
	[ "$(k '{"n": "3"}')" = 0 ]                           # a string never equals a number
	[ "$(k '{"n": {"$ne": "3"}}')" = 4 ]
	[ "$(k '{"missing": null}')" = 4 ]
	[ "$(k '{"missing": {"$exists": true}}')" = 0 ]
	[ "$(k '{"$or": [{"chan": "BHN"}, {"n": {"$gte": 4}}]}')" = 2 ]
	[ "$(k '{"$nor": [{"chan": "BHN"}]}')" = 2 ]
	[ "$(k '{"chan": {"$in": ["BHZ", "HHZ"]}}')" = 2 ]
	[ "$(k '{"chan": {"$nin": ["BHZ", "HHZ"]}}')" = 2 ]
	[ "$(k '{"chan": {"$not": {"$regex": "z$", "$options": "i"}}}')" = 2 ]
}

@test "msedit: dead records pass through untouched" {
	mssynth --stream --count 4 --npts 10 --kill-every 2 > "$TMP/in"
	msedit --set x=1 --delete sta --kill-if '{}' < "$TMP/in" | msinfo | jq -c 'select(.history[-1].tool != "msedit")' > "$TMP/a"
	msinfo < "$TMP/in" | jq -c 'select(.live == false)' > "$TMP/b"
	cmp "$TMP/a" "$TMP/b"
}

@test "msedit: usage errors exit 2 with a helpful message" {
	mssynth --stream --count 1 --npts 10 > "$TMP/in"
	e() { run msedit "$@" < "$TMP/in"; [ "$status" -eq 2 ] || { echo "$*: $status $output"; return 1; }; }
	e; [ "${lines[0]}" = "msedit: nothing to do: give --set, --rename, --delete, --kill-if or --keep-if" ]
	e --set sta=ANMO; [ "${lines[0]}" = "msedit: --set sta: ANMO is not a JSON value (a string needs quotes: --set 'sta=\"ANMO\"')" ]
	e --set t0=5; [[ "${lines[0]}" == "msedit: --set: t0 is a core attribute"* ]]
	e --rename npts=n
	e --rename a=delta
	e --delete starttime
	e --set a.b=1; [[ "${lines[0]}" == *"no '.'"* ]]
	e --set '$a=1'
	e --set =1
	e --set a
	e --set 'a=1, "b": 2'
	e --set 'a=1} {"b": 2'
	e --set a=
	e --kill-if '{"a": {"$size": 1}}'; [ "${lines[0]}" = 'msedit: --kill-if: field "a": unsupported operator $size' ]
	e --keep-if '{"a": {"$in": 5}}'; [ "${lines[0]}" = 'msedit: --keep-if: field "a": $in needs an array' ]
	e --kill-if '{"$or": []}'
	e --kill-if '{"a": 1} {"b": 2}'
	e --kill-if 'sta == "ANMO"'
	e --kill-if ''
	e --kill-if '{"$where": "1"}'
	e --set a=1 extra
	e --bogus
}

@test "msedit: broken input streams exit 1 with the standard message" {
	for c in cut noend empty json text version header payload toobig lost; do
		expect_broken $c msedit --set a=1
	done
}
