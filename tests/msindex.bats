#!/usr/bin/env bats
# msindex: a whole data set into the database.  Real files from ../shared/data
# compared with mseed2sac (an independent decoder) and with PROVENANCE.md;
# StationXML/QuakeML values as the XML says; no duplicates on reloading (same
# file, the same content in the other format, two runs at once); corrupt
# records (one that trips libmseed 2.19.8) reported in stderr and elog while
# the run goes on; usage errors.
load lib/common

# A FerretDB server started by a test is stopped (by its pid) whatever happens.
teardown() {
	if [ -n "${FERRET_DIR:-}" ]; then ferret_stop; fi
	rm -rf "$TMP"
}

q() { sqlite3 "$MSPIPE_DB" "$@"; }
count() { q "select count(*) from $1"; }
W() { echo "$DATA/waveforms/$1"; }

@test "msindex: --help, --version, and every option in the man page" {
	run msindex --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--db"* && "$output" == *"--dry-run"* ]]
	run msindex --version
	[ "$status" -eq 0 ]
	sed 's/\\-/-/g' "$REPO/man/man1/msindex.1" > "$TMP/page"
	for o in $(msindex --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$o" "$TMP/page" || { echo "man page lacks $o"; false; }
	done
}

@test "msindex: bad options are usage errors (exit 2)" {
	run msindex
	[ "$status" -eq 2 ]
	[[ "$output" == "msindex: "* ]]
	run msindex --rate-tolerance 1x /dev/null
	[ "$status" -eq 2 ]
	run msindex --rate-tolerance 0 /dev/null
	[ "$status" -eq 2 ]
	run msindex --nonsense /dev/null
	[ "$status" -eq 2 ]
	run msindex --dry-run --db "$TMP/x.db" /dev/null
	[ "$status" -eq 2 ]
}

@test "msindex: all of ../shared/data: 54 segments, 4 sites, 8 channels, 14 events; again: no duplicates" {
	need_data
	run msindex -v "$DATA"
	[ "$status" -eq 0 ]
	[[ "$output" == *"gaps.mseed: miniseed, 128 records, 4 segment(s), 4 new"* ]]
	[ "$(count wf_miniseed)" -eq 54 ]
	[ "$(count site)" -eq 4 ]
	[ "$(count channel)" -eq 8 ]
	[ "$(count source)" -eq 14 ]
	run msindex -v "$DATA"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 new document(s), 106 already there"* ]]
	[ "$(count wf_miniseed)" -eq 54 ]
	[ "$(count site)" -eq 4 ]
	[ "$(count channel)" -eq 8 ]
	[ "$(count source)" -eq 14 ]
}

@test "msindex: segments, sample counts and start times agree with mseed2sac on every real file" {
	need_data
	command -v mseed2sac >/dev/null || skip "mseed2sac not installed"
	msindex "$DATA/waveforms"
	# one directory per file: mseed2sac merges all its inputs into one trace list
	for f in "$DATA"/waveforms/*.mseed; do
		d="$TMP/sac/$(basename "$f")"
		mkdir -p "$d"
		(cd "$d" && mseed2sac "$f" >/dev/null 2>&1)
		$PY "$REPO/tests/lib/sac_segments.py" "$d"
	done | sort -u > "$TMP/sac.txt"
	# (the two NL.HGN files are the same recording: one line after sort -u)
	q "select json_extract(doc,'\$.net')||'.'||json_extract(doc,'\$.sta')||'.'||coalesce(json_extract(doc,'\$.loc'),'')||'.'||json_extract(doc,'\$.chan'), printf('%.6f', json_extract(doc,'\$.starttime')), json_extract(doc,'\$.npts') from wf_miniseed" |
		tr '|' ' ' | sort -u > "$TMP/ix.txt"
	[ "$(wc -l < "$TMP/sac.txt")" -eq 53 ]
	run diff "$TMP/sac.txt" "$TMP/ix.txt"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "msindex: BW.BGLD gap file gives the 4 segments of PROVENANCE.md; NL.HGN 11947 samples at 40 sps" {
	need_data
	msindex "$(W BW.BGLD..EHE.2008-01-01.steim1.gaps.mseed)" "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)"
	run q "select printf('%.3f %d %.3f', json_extract(doc,'\$.starttime'), json_extract(doc,'\$.npts'), json_extract(doc,'\$.endtime')) from wf_miniseed where json_extract(doc,'\$.sta')='BGLD' order by json_extract(doc,'\$.foff')"
	[ "${lines[0]}" = "1199145599.915 412 1199145601.970" ]
	[ "${lines[1]}" = "1199145604.035 824 1199145608.150" ]
	[ "${lines[2]}" = "1199145610.215 824 1199145614.330" ]
	[ "${lines[3]}" = "1199145618.455 50668 1199145871.790" ]
	run q "select json_extract(doc,'\$.npts'), json_extract(doc,'\$.sampling_rate'), json_extract(doc,'\$.delta'), json_extract(doc,'\$.loc'), json_extract(doc,'\$.foff'), json_extract(doc,'\$.nbytes') from wf_miniseed where json_extract(doc,'\$.sta')='HGN'"
	[ "$output" = "11947|40.0|0.025|00|0|8192" ]
}

@test "msindex: wf_miniseed documents carry exactly MsPASS's keys (loc only when not empty, dir absolute)" {
	need_data
	cd "$DATA/waveforms"
	msindex --dry-run BW.BGLD..EHE.2008-01-01.steim1.10records.mseed IU.COLA.00.LH_.2010-02-27.steim2.mseed > "$TMP/docs"
	cd "$TMP"
	run $PY -c '
import json, os, sys
want = {"_id","net","sta","chan","sampling_rate","delta","starttime","last_packet_time","npts",
        "endtime","foff","nbytes","sample_rate_tolerance","storage_mode","format","dir","dfile","time_standard"}
ds = [json.loads(l) for l in open(sys.argv[1])]
assert len(ds) == 4, len(ds)
for d in ds:
    assert d["collection"] == "wf_miniseed"
    d = d["doc"]
    keys = set(d)
    if d["sta"] == "BGLD":
        assert keys == want, keys ^ want
        assert d["npts"] == 4120 and d["nbytes"] == 5120 and d["foff"] == 0
    else:
        assert keys == want | {"loc"} and d["loc"] == "00", keys
        assert d["npts"] == 4200 and d["sampling_rate"] == 1.0
    assert d["storage_mode"] == "file" and d["format"] == "mseed" and d["time_standard"] == "UTC"
    assert os.path.isabs(d["dir"]) and os.path.exists(os.path.join(d["dir"], d["dfile"]))
    assert abs(d["endtime"] - (d["starttime"] + (d["npts"] - 1) * d["delta"])) < 1e-9
print("ok")' "$TMP/docs"
	echo "$output"
	[ "$output" = ok ]
}

@test "msindex: stations and events hold what their XML says" {
	need_data
	msindex "$DATA/stations" "$DATA/events"
	run q "select printf('%.5f %.5f %.3f %g %g %g %d %d', json_extract(doc,'\$.lat'), json_extract(doc,'\$.lon'), json_extract(doc,'\$.elev'), json_extract(doc,'\$.edepth'), json_extract(doc,'\$.hang'), json_extract(doc,'\$.vang'), json_extract(doc,'\$.starttime'), json_extract(doc,'\$.endtime')) from channel where json_extract(doc,'\$.sta')='BOB' order by json_extract(doc,'\$.chan')"
	# BHE az 90 dip 0; BHN az 0 dip 0; BHZ az 0 dip -90; 2003-07-25 to open (2051-01-01)
	[ "${lines[0]}" = "44.76792 9.44782 0.910 0 90 90 1059091200 2556144000" ]
	[ "${lines[1]}" = "44.76792 9.44782 0.910 0 0 90 1059091200 2556144000" ]
	[ "${lines[2]}" = "44.76792 9.44782 0.910 0 0 0 1059091200 2556144000" ]
	run q "select printf('%s %.3f %g %d', json_extract(doc,'\$.loc'), json_extract(doc,'\$.elev'), json_extract(doc,'\$.edepth'), json_extract(doc,'\$.endtime')) from channel where json_extract(doc,'\$.sta')='PFO' order by json_extract(doc,'\$.loc')"
	[ "${lines[0]}" = "00 1.280 5.3 1341201599" ]
	[ "${lines[1]}" = "10 1.280 5.3 1383177599" ]
	# every channel's chan_id, site's site_id and source's source_id is its own _id
	[ "$(q "select count(*) from channel where json_extract(doc,'\$.chan_id.\$oid') = json_extract(doc,'\$._id.\$oid')")" -eq 8 ]
	[ "$(q "select count(*) from site where json_extract(doc,'\$.site_id.\$oid') = json_extract(doc,'\$._id.\$oid')")" -eq 4 ]
	[ "$(q "select count(*) from source where json_extract(doc,'\$.source_id.\$oid') = json_extract(doc,'\$._id.\$oid')")" -eq 14 ]
	run q "select printf('%.4f %.3f %.1f %.2f %s %s', json_extract(doc,'\$.lat'), json_extract(doc,'\$.lon'), json_extract(doc,'\$.depth'), json_extract(doc,'\$.time'), json_extract(doc,'\$.magnitude'), json_extract(doc,'\$.magnitude_type')) from source where json_extract(doc,'\$.event_id')='3279407'"
	# 2011-03-11T05:46:23.2 = 1299822383.2
	[ "$output" = "38.2963 142.498 19.7 1299822383.20 9.1 MW" ]
}

@test "msindex: the FDSN text files after the XML (and the other way round) add nothing" {
	need_data
	msindex "$DATA/stations/"*.xml "$DATA/events/"*.xml
	[ "$(count channel)" -eq 8 ]
	run msindex -v "$DATA/stations/channels.derived.fdsn-station.txt" "$DATA/events/events.derived.fdsn-event.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 site(s) (0 new), 8 channel(s) (0 new)"* ]]
	[[ "$output" == *"14 event(s), 0 new"* ]]
	export MSPIPE_DB="$TMP/other.db"
	msindex "$DATA/stations/channels.derived.fdsn-station.txt" "$DATA/events/events.derived.fdsn-event.txt"
	run msindex -v "$DATA/stations" "$DATA/events"
	[ "$status" -eq 0 ]
	[ "$(count site)" -eq 4 ]
	[ "$(count channel)" -eq 8 ]
	[ "$(count source)" -eq 14 ]
}

@test "msindex: two runs at once on the same files do not duplicate" {
	need_data
	msindex "$DATA/waveforms/IV.BOB..BH_.2011-03-11_Tohoku.steim2.mseed" &
	msindex "$DATA/waveforms" "$DATA/stations" &
	msindex "$DATA/stations" "$DATA/waveforms/CX.PB01..BH_.2011_13events_5sps.steim2.mseed" &
	wait
	msindex "$DATA/waveforms" &
	msindex "$DATA/waveforms" &
	wait
	[ "$(count wf_miniseed)" -eq 54 ]
	[ "$(count channel)" -eq 8 ]
	[ "$(count site)" -eq 4 ]
}

@test "msindex: a corrupt record: what came before is kept, the rest reported in stderr and elog, the run goes on (exit 1)" {
	need_data
	f="$TMP/bad.mseed"
	cp "$(W BW.BGLD..EHE.2008-01-01.steim1.gaps.mseed)" "$f"
	# record 50 (byte 25600): quality indicator 'D' -> '#'
	printf '#' | dd of="$f" bs=1 seek=$((25600 + 6)) conv=notrunc 2>/dev/null
	run msindex "$f" "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"msindex: $f: record at byte 25600: bad data quality indicator"* ]]
	# segments 1-3 whole, segment 4 up to record 49; then the next file
	[ "$(count wf_miniseed)" -eq 5 ]
	run q "select json_extract(doc,'\$.nbytes') from wf_miniseed where json_extract(doc,'\$.dfile')='bad.mseed' order by json_extract(doc,'\$.foff') desc limit 1"
	[ "$(( $(q "select json_extract(doc,'\$.foff') from wf_miniseed where json_extract(doc,'\$.dfile')='bad.mseed' order by json_extract(doc,'\$.foff') desc limit 1") + output ))" -eq 25600 ]
	[ "$(count elog)" -eq 4 ]
	run q "select json_extract(doc,'\$.logdata[0].error_message'), json_extract(doc,'\$.logdata[0].badness'), json_extract(doc,'\$.wf_miniseed_id') is not null from elog limit 1"
	[[ "$output" == *"record at byte 25600"*"|ErrorSeverity.Complaint|1" ]]
	# again: nothing new, not even elog entries
	run msindex "$f"
	[ "$status" -eq 1 ]
	[ "$(count wf_miniseed)" -eq 5 ]
	[ "$(count elog)" -eq 4 ]
}

@test "msindex: an ASCII record declaring more samples than it holds is refused before libmseed sees it" {
	need_data
	f="$TMP/ascii.mseed"
	cp "$(W BW.BGLD..EHE.2008-01-01.steim1.10records.mseed)" "$f"
	# record 3 (byte 1024): encoding 0 (ASCII) at blockette 1000 (byte 52), 5904 samples
	printf '\000' | dd of="$f" bs=1 seek=$((1024 + 52)) conv=notrunc 2>/dev/null
	printf '\027\020' | dd of="$f" bs=1 seek=$((1024 + 30)) conv=notrunc 2>/dev/null
	run msindex "$f"
	[ "$status" -eq 1 ]
	[[ "$output" == *"record at byte 1024: 5904 samples declared but"* ]]
	[ "$(count wf_miniseed)" -eq 1 ]
	[ "$(q "select json_extract(doc,'\$.nbytes') from wf_miniseed")" -eq 1024 ]
}

@test "msindex: a file cut inside a record, a corrupt first record, a missing file, an unknown file" {
	need_data
	head -c 5000 "$(W BW.BGLD..EHE.2008-01-01.steim1.10records.mseed)" > "$TMP/cut.mseed"
	cp "$(W BW.BGLD..EHE.2008-01-01.steim1.10records.mseed)" "$TMP/first.mseed"
	printf 'X' | dd of="$TMP/first.mseed" bs=1 seek=6 conv=notrunc 2>/dev/null
	echo "not seismic" > "$TMP/notes.txt"
	run msindex "$TMP/cut.mseed" "$TMP/nonexistent.mseed" "$TMP/notes.txt" "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cut.mseed: record at byte 4608: record of 512 bytes but only 392 bytes read"* ]]
	[[ "$output" == *"nonexistent.mseed: No such file or directory"* ]]
	[[ "$output" == *"notes.txt: not miniSEED, StationXML, QuakeML or FDSN text"* ]]
	[ "$(count wf_miniseed)" -eq 2 ]
	# elog: the cut file's segment links its entry; the missing and the
	# unknown file are named by dir and dfile; a second run adds none
	[ "$(count elog)" -eq 3 ]
	[ "$(q "select count(*) from elog where json_extract(doc,'\$.wf_miniseed_id') is not null")" -eq 1 ]
	[ "$(q "select json_extract(doc,'\$.dir')||'/'||json_extract(doc,'\$.dfile') from elog where json_extract(doc,'\$.dfile')='nonexistent.mseed'")" = "$(cd "$TMP" && pwd -P)/nonexistent.mseed" ]
	[[ "$(q "select json_extract(doc,'\$.logdata[0].error_message') from elog where json_extract(doc,'\$.dfile')='notes.txt'")" == *"notes.txt: not miniSEED"* ]]
	run msindex "$TMP/cut.mseed" "$TMP/nonexistent.mseed" "$TMP/notes.txt"
	[ "$status" -eq 1 ]
	[ "$(count elog)" -eq 3 ]
	# a directory: unknown files are skipped quietly; the corrupt one (detected
	# as unknown, since its first record is not miniSEED) too
	rm -f "$MSPIPE_DB"
	mkdir "$TMP/d" && mv "$TMP/notes.txt" "$TMP/d/" && cp "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)" "$TMP/d/"
	run msindex "$TMP/d"
	[ "$status" -eq 0 ]
	[ "$(count wf_miniseed)" -eq 1 ]
	# a symbolic link back up the tree does not loop
	mkdir "$TMP/d/sub" && ln -s .. "$TMP/d/sub/up" && cp "$(W BW.BGLD..EHE.2008-01-01.steim1.10records.mseed)" "$TMP/d/sub/"
	run msindex -v "$TMP/d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"a link back to a directory being walked, skipped"* ]]
	[ "$(count wf_miniseed)" -eq 2 ]
}

@test "msindex: bad StationXML, QuakeML and text files load nothing and are reported" {
	printf '<?xml version="1.0"?>\n<FDSNStationXML><Network code="XX"><Station code="S"><Channel code="BHZ"><Latitude>north</Latitude></Channel></Station></Network></FDSNStationXML>\n' > "$TMP/bad.xml"
	printf '<q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"><eventParameters><event publicID="e1"></event></eventParameters>' > "$TMP/cut.xml"
	printf '#EventID|Time|Latitude|Longitude|Depth/km\n1|2011-01-01T00:00:00|95|0|10\n' > "$TMP/ev.txt"
	run msindex "$TMP/bad.xml" "$TMP/cut.xml" "$TMP/ev.txt"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad.xml: StationXML XX.S: channel .BHZ: Latitude is not a number (nothing loaded from it)"* ]]
	[[ "$output" == *"cut.xml: XML line 1:"* ]]
	[[ "$output" == *"ev.txt: FDSN event text line 2: missing or bad value"* ]]
}

@test "msindex: wf_miniseed documents read back with msread (same samples as the index says)" {
	need_data
	command -v msread >/dev/null || skip "no msread"
	msindex --dry-run "$(W BW.BGLD..EHE.2008-01-01.steim1.gaps.mseed)" |
		$PY -c 'import json,sys
for l in sys.stdin: print(json.dumps(json.loads(l)["doc"]))' > "$TMP/docs"
	msread "$TMP/docs" | msinfo > "$TMP/recs"
	run $PY -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["npts"] for r in rs] == [412, 824, 824, 50668], [r["npts"] for r in rs]
assert all(r["live"] for r in rs)
print("ok")' "$TMP/recs"
	echo "$output"
	[ "$output" = ok ]
}

@test "msindex: --progress reports files, records and MB on stderr; an empty file named on the command line is an error" {
	need_data
	run msindex --progress "$DATA/waveforms"
	[ "$status" -eq 0 ]
	[[ "$output" == *"msindex: 8 files, 1633 records, 1.2 MB"* ]]
	: > "$TMP/empty.mseed"
	run msindex "$TMP/empty.mseed"
	[ "$status" -eq 1 ]
	[[ "$output" == *"empty.mseed: empty file"* ]]
}

@test "msindex: StationXML station epochs, missing azimuth/dip, null dates" {
	cat > "$TMP/st.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1">
 <Network code="XX">
  <Station code="A" startDate="2000-01-01T00:00:00" endDate="2009-12-31T23:59:59">
   <Latitude>10</Latitude><Longitude>20</Longitude><Elevation>100</Elevation>
   <Channel code="HHZ" locationCode="" startDate="2000-01-01T00:00:00" endDate="2009-12-31T23:59:59">
    <Latitude>10</Latitude><Longitude>20</Longitude><Elevation>100</Elevation><Depth>1.5</Depth>
   </Channel>
  </Station>
  <Station code="A" startDate="2010-01-01T00:00:00">
   <Latitude>10.5</Latitude><Longitude>20</Longitude><Elevation>120</Elevation>
   <Channel code="HHZ" locationCode="">
    <Latitude>10.5</Latitude><Longitude>20</Longitude><Elevation>120</Elevation><Depth>0</Depth><Azimuth>0</Azimuth><Dip>-90</Dip>
   </Channel>
  </Station>
 </Network>
</FDSNStationXML>
XML
	run msindex -v "$TMP/st.xml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 site(s) (2 new), 2 channel(s) (2 new)"* ]]
	run q "select printf('%d %d %s %s %.3f', json_extract(doc,'\$.starttime'), json_extract(doc,'\$.endtime'), coalesce(json_extract(doc,'\$.hang'),'none'), coalesce(json_extract(doc,'\$.vang'),'none'), json_extract(doc,'\$.elev')) from channel order by json_extract(doc,'\$.elev')"
	# first epoch: no azimuth/dip given -> no hang/vang; second: no dates -> 0 .. 2051-01-01
	[ "${lines[0]}" = "946684800 1262303999 none none 0.100" ]
	[ "${lines[1]}" = "0 2556144000 0.0 0.0 0.120" ]
	run q "select printf('%d %d', json_extract(doc,'\$.starttime'), json_extract(doc,'\$.endtime')) from site order by json_extract(doc,'\$.starttime')"
	[ "${lines[0]}" = "946684800 1262303999" ]
	[ "${lines[1]}" = "1262304000 2556144000" ]
	run msindex -v "$TMP/st.xml"
	[[ "$output" == *"2 site(s) (0 new), 2 channel(s) (0 new)"* ]]
	# epochs that share only their boundary instant are two sites
	sed -e 's/2009-12-31T23:59:59/2010-01-01T00:00:00/g' -e 's/code="A"/code="B"/' "$TMP/st.xml" > "$TMP/st2.xml"
	run msindex -v "$TMP/st2.xml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 site(s) (2 new), 2 channel(s) (2 new)"* ]]
}

# The ObsPy venv (scripts/pyref.sh makes it; CI can reach PyPI).
obspy_py() {
	OBSPY="$(sh "$REPO/scripts/pyref.sh" 2>"$TMP/pip.err")" ||
		skip_or_fail "cannot set up ObsPy in build/pyvenv: $(tail -1 "$TMP/pip.err")"
}
# SQL: a number as %.6f, or "none" when the key is absent
num() { echo "CASE WHEN json_extract(doc,'\$.$1') IS NULL THEN 'none' ELSE printf('%.6f', json_extract(doc,'\$.$1')) END"; }

@test "msindex: channels, events and segments agree with ObsPy's readers (what MsPASS stores)" {
	need_data
	obspy_py
	msindex "$DATA"
	"$OBSPY" "$REPO/tests/lib/obspy_index.py" channel "$DATA"/stations/*.xml > "$TMP/ref.chan"
	q "select json_extract(doc,'\$.net')||'.'||json_extract(doc,'\$.sta')||'.'||json_extract(doc,'\$.loc')||'.'||json_extract(doc,'\$.chan')||' '||$(num lat)||' '||$(num lon)||' '||$(num elev)||' '||$(num edepth)||' '||$(num hang)||' '||$(num vang)||' '||$(num starttime)||' '||$(num endtime) from channel" | sort > "$TMP/got.chan"
	[ "$(wc -l < "$TMP/ref.chan")" -eq 8 ]
	run diff "$TMP/ref.chan" "$TMP/got.chan"
	echo "$output"
	[ "$status" -eq 0 ]
	"$OBSPY" "$REPO/tests/lib/obspy_index.py" source "$DATA"/events/*.xml > "$TMP/ref.src"
	q "select json_extract(doc,'\$.event_id')||' '||$(num time)||' '||$(num lat)||' '||$(num lon)||' '||$(num depth)||' '||$(num magnitude)||' '||json_extract(doc,'\$.magnitude_type') from source" | sort > "$TMP/got.src"
	[ "$(wc -l < "$TMP/ref.src")" -eq 14 ]
	run diff "$TMP/ref.src" "$TMP/got.src"
	echo "$output"
	[ "$status" -eq 0 ]
	for f in "$DATA"/waveforms/*.mseed; do
		"$OBSPY" "$REPO/tests/lib/obspy_index.py" traces "$f"
	done | sort -u > "$TMP/ref.tr"
	[ "$(wc -l < "$TMP/ref.tr")" -eq 53 ]
	q "select json_extract(doc,'\$.net')||'.'||json_extract(doc,'\$.sta')||'.'||coalesce(json_extract(doc,'\$.loc'),'')||'.'||json_extract(doc,'\$.chan')||' '||printf('%.6f', json_extract(doc,'\$.starttime'))||' '||json_extract(doc,'\$.npts') from wf_miniseed" | sort -u > "$TMP/got.tr"
	run diff "$TMP/ref.tr" "$TMP/got.tr"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "msindex: the MongoDB backend (FerretDB): same documents, no duplicates on a second run" {
	need_data
	[ -f "$REPO/tests/lib/ferretdb.bash" ] || skip "no tests/lib/ferretdb.bash"
	source "$REPO/tests/lib/ferretdb.bash"
	[ -x "$FERRETDB" ] || skip_or_fail "no FerretDB binary at $FERRETDB (run scripts/ferretdb.sh)"
	ferret_start
	[ -f "$FERRET_DIR/uri" ] || skip_or_fail "FerretDB did not start: $(tail -3 "$FERRET_DIR/log" 2>/dev/null)"
	ferret_db || return 1
	U="$M"
	run msindex -v --db "$U" "$DATA"
	[ "$status" -eq 0 ]
	[[ "$output" == *"80 new document(s), 26 already there"* ]]
	run msindex -v --db "$U" "$DATA"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 new document(s), 106 already there"* ]]
	run msdb --db "$U" list
	[ "$status" -eq 0 ]
	[[ "$output" == *"channel"*"8"* && "$output" == *"site"*"4"* && "$output" == *"source"*"14"* && "$output" == *"wf_miniseed"*"54"* ]]
}
