#!/usr/bin/env bats
# msread: wf documents -> records.  Real files from ../shared/data decoded and
# compared with mseed2sac and with published values; gaps; dead records for
# missing and corrupt data; binary files; usage errors.
load lib/common

docs() { $PY "$REPO/tests/lib/wfdocs.py" "$@"; }

# A FerretDB server started by a test is stopped (by its pid) whatever happens.
teardown() {
	if [ -n "${FERRET_DIR:-}" ]; then ferret_stop; fi
	rm -rf "$TMP"
}
W() { echo "$DATA/waveforms/$1"; }

@test "msread: --help, --version, and every option in the man page" {
	run msread --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--gaps"* ]]
	run msread --version
	[ "$status" -eq 0 ]
	for o in $(msread --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "${o//-/\\\\-}" "$REPO/man/man1/msread.1" || { echo "man page lacks $o"; false; }
	done
}

@test "msread: bad options are usage errors (exit 2)" {
	run msread --gaps fill </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == "msread: "*"--gaps"* ]]
	run msread --collection wf_foo </dev/null
	[ "$status" -eq 2 ]
	run msread --rate-tolerance 1x </dev/null
	[ "$status" -eq 2 ]
	run msread --nonsense </dev/null
	[ "$status" -eq 2 ]
}

@test "msread: a line that is not JSON is an error (exit 1), a missing input file too" {
	run bash -c 'echo "{not json" | msread > /dev/null'
	[ "$status" -eq 1 ]
	[[ "$output" == *"stdin:1: not a JSON document"* ]]
	run bash -c 'msread /nonexistent.jsonl > /dev/null'
	[ "$status" -eq 1 ]
}

@test "msread: NL.HGN..BHZ both byte orders: 11947 samples at 40 sps, starting 2787 2776 2774 2780 2783" {
	need_data
	docs "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)" "$(W NL.HGN.00.BHZ.2003-05-29.steim2.littleendian.mseed)" |
		msread | msinfo --samples > "$TMP/out"
	run $PY -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 2
for r in rs:
    assert r["live"] and r["npts"] == 11947 and r["dt"] == 0.025, r
    assert r["data"][:5] == [2787, 2776, 2774, 2780, 2783], r["data"][:5]
    assert r["t0"] == 1054174402.0434
    assert r["metadata"]["has_gap"] is False
assert rs[0]["data"] == rs[1]["data"]
print("ok")' "$TMP/out"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "msread: every real file decodes sample by sample as mseed2sac does, times as the SEED headers say" {
	need_data
	command -v mseed2sac >/dev/null || skip "mseed2sac not installed"
	mkdir "$TMP/sac"
	files=$(ls "$DATA"/waveforms/*.mseed | grep -v gaps)
	(cd "$TMP/sac" && for f in $files; do mseed2sac "$f" >/dev/null 2>&1; done)
	docs $files > "$TMP/docs"
	msread "$TMP/docs" | msinfo --samples > "$TMP/out"
	run $PY "$REPO/tests/lib/compare_sac.py" "$TMP/sac" < "$TMP/out"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "50 records match" ]]
	# t0 to the microsecond: the documents' starttime comes from the headers (wfdocs.py)
	run $PY -c '
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
r = [json.loads(l) for l in open(sys.argv[2])]
assert len(d) == len(r) == 50
for a, b in zip(d, r):
    assert round(a["starttime"] * 1e6) == round(b["t0"] * 1e6), (a["starttime"], b["t0"])
    assert b["npts"] == a["npts"]
print("ok")' "$TMP/docs" "$TMP/out"
	[ "$output" = ok ]
}

@test "msread: int16, int32, float32 and float64 records, both byte orders (written here from the SEED layout), decode to the values written" {
	# mspipe's own decoder handles these encodings (the real files are all
	# Steim); three contiguous 512-byte records a file, with blockettes 100
	# and 1001, so the records must also land end to end on the grid
	$PY - "$TMP" <<'PYEOF'
import json, struct, sys
d = sys.argv[1]
exp = {}
for enc, fmt, size in ((1, "h", 2), (3, "i", 4), (4, "f", 4), (5, "d", 8)):
    for bo, e in ((1, ">"), (0, "<")):
        n = (512 - 128) // size
        name = "enc%d-%s.mseed" % (enc, "be" if bo else "le")
        out, vals = b"", []
        for j in range(3):
            fract = 1234 + j * n * 250  # n samples at 40 sps, in 0.0001 s
            sec = 23 + fract // 10000
            hdr = struct.pack(e + "6scc5s2s3s2sHHBBBBHHhhBBBBiHH", b"%06d" % (j + 1), b"D", b" ",
                              b"SYN  ", b"00", b"BHZ", b"XX", 2011, 70, 5, 46, sec, 0, fract % 10000,
                              n, 40, 1, 0, 0, 0, 3, 0, 128, 48)
            blk = struct.pack(e + "HHBBBB", 1000, 56, enc, bo, 9, 0)
            blk += struct.pack(e + "HHf4x", 100, 68, 40.0)
            blk += struct.pack(e + "HHBbBB", 1001, 0, 100, -17, 0, 0)
            body = hdr + blk
            body += b"\0" * (128 - len(body))
            v = [((k * 37 + j * 11) % 201 - 100) * (1 if size == 2 else 100003) for k in range(n)]
            if fmt in "fd":
                v = [x / 7.0 for x in v]
            body += struct.pack(e + fmt * n, *v)
            out += body
            # what the file holds, as float64
            vals += list(struct.unpack(e + fmt * n, struct.pack(e + fmt * n, *v)))
        open("%s/%s" % (d, name), "wb").write(out)
        exp[name] = vals
json.dump(exp, open(d + "/expected.json", "w"))
PYEOF
	docs "$TMP"/enc*.mseed > "$TMP/docs"
	[ "$(wc -l < "$TMP/docs")" -eq 8 ]
	msread "$TMP/docs" | msinfo --samples > "$TMP/out"
	run $PY -c '
import json, sys
exp = json.load(open(sys.argv[2]))
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    m = r["metadata"]
    assert r["live"], r["elog"]
    assert r["data"] == exp[m["dfile"]], m["dfile"]
    assert not m["has_gap"] and not r["elog"], (m["dfile"], r["elog"])
    assert abs(r["t0"] - (1299822383.1234 - 17e-6)) < 1e-6 and r["dt"] == 0.025, (r["t0"], r["dt"])
    n += 1
print("ok", n)' "$TMP/out" "$TMP/expected.json"
	echo "$output"
	[ "$output" = "ok 8" ]
}

@test "msread: the BW.BGLD gap file: 4 segments, zero-filled, gaps in the metadata, a Complaint" {
	need_data
	docs "$(W BW.BGLD..EHE.2008-01-01.steim1.gaps.mseed)" | msread | msinfo --samples > "$TMP/out"
	run $PY -c '
import json, sys, calendar
r = json.loads(open(sys.argv[1]).readline())
m = r["metadata"]
assert r["live"] and m["has_gap"] is True
T = lambda s: calendar.timegm((2008, 1, 1, 0, 0, 0)) + s
assert round(r["t0"] * 1e6) == round((T(0) - 0.085) * 1e6)
starts = [round(g["endtime"] * 1e6) for g in m["gaps"]]
assert starts == [round(T(s) * 1e6) for s in (4.035, 10.215, 18.455)], starts
ends = [round(g["starttime"] * 1e6) for g in m["gaps"]]
assert ends == [round(T(s) * 1e6) for s in (1.970, 8.150, 14.330)], ends
i = round((T(4.035) - r["t0"]) / r["dt"])
assert r["data"][412:i] == [0] * (i - 412) and r["data"][411] != 0 and r["data"][i] != 0
assert any(e["severity"] == "Complaint" and "gap" in e["message"] for e in r["elog"])
print("ok")' "$TMP/out"
	echo "$output"
	[ "$output" = ok ]
}

@test "msread: --gaps kill kills the gap record; --gaps interpolate draws a line" {
	need_data
	docs "$(W BW.BGLD..EHE.2008-01-01.steim1.gaps.mseed)" > "$TMP/d"
	run bash -c "msread --gaps kill '$TMP/d' | msinfo"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"live":false'* ]]
	[[ "$output" == *'gap of 412 samples'* ]]
	msread --gaps interpolate "$TMP/d" | msinfo --samples > "$TMP/out"
	run $PY -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline()); x = r["data"]
a, b = x[411], x[824]
assert all(abs(x[k] - (a + (b - a) * (k - 411) / 413)) < 1e-9 for k in range(412, 824))
print("ok")' "$TMP/out"
	[ "$output" = ok ]
}

@test "msread: a missing file kills that record only; the stream goes on" {
	need_data
	docs "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)" > "$TMP/d"
	sed 's/"dfile": "[^"]*"/"dfile": "nosuchfile.mseed"/' "$TMP/d" > "$TMP/d2"
	cat "$TMP/d2" "$TMP/d" > "$TMP/both"
	run bash -c "msread '$TMP/both' | msinfo"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | head -1 | grep -c '"live":false')" -eq 1 ]
	[[ "$(echo "$output" | head -1)" == *"nosuchfile.mseed: No such file or directory"* ]]
	[[ "$(echo "$output" | head -1)" == *'"wf_miniseed_id"'* ]]
	[ "$(echo "$output" | tail -1 | grep -c '"live":true')" -eq 1 ]
}

@test "msread: one corrupted byte in a miniSEED file kills only the record it touches" {
	need_data
	cp "$(W IV.BOB..BH_.2011-03-11_Tohoku.steim2.mseed)" "$TMP/bob.mseed"
	# a byte in the Steim data of the 400th 512-byte record (BHN: records 346..688)
	printf '\x5a' | dd of="$TMP/bob.mseed" bs=1 seek=$((399 * 512 + 200)) conv=notrunc 2>/dev/null
	docs "$TMP/bob.mseed" > "$TMP/d"
	msread "$TMP/d" | msinfo > "$TMP/out"
	run grep -c '"live":true' "$TMP/out"
	[ "$output" -eq 2 ]
	run grep '"live":false' "$TMP/out"
	[[ "$output" == *'"chan" : "BHN"'* ]] || [[ "$output" == *'176640'* ]]
	[[ "$output" == *"corrupt record at byte"* ]]
}

@test "msread: a file shorter than foff+nbytes, and a bad nbytes, give dead records" {
	need_data
	head -c 6000 "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)" > "$TMP/short.mseed"
	docs "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)" | sed "s|\"dir\": \"[^\"]*\"|\"dir\": \"$TMP\"|; s|\"dfile\": \"[^\"]*\"|\"dfile\": \"short.mseed\"|" > "$TMP/d"
	run bash -c "msread '$TMP/d' | msinfo"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"live":false'* ]]
	[[ "$output" == *"file ends after"* ]]
}

@test "msread: msread | head ends quietly" {
	need_data
	docs "$DATA"/waveforms/*.mseed > "$TMP/d"
	run bash -c "msread '$TMP/d' | head -c 100 > /dev/null"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "msread: input sorted by file opens each file once (-v counts opens)" {
	need_data
	docs "$(W IV.BOB..BH_.2011-03-11_Tohoku.steim2.mseed)" "$(W IU.COLA.00.LH_.2010-02-27.steim2.mseed)" > "$TMP/sorted"
	run bash -c "msread -v '$TMP/sorted' 2>&1 >/dev/null"
	[[ "$output" == "msread: 6 documents, 0 records dead, 2 file opens" ]]
	# interleaved: every document switches file
	paste -d '\n' <(head -3 "$TMP/sorted") <(tail -3 "$TMP/sorted") > "$TMP/mixed"
	run bash -c "msread -v '$TMP/mixed' 2>&1 >/dev/null"
	[[ "$output" == "msread: 6 documents, 0 records dead, 6 file opens" ]]
}

@test "msread: binary TimeSeries and interleaved Seismogram files (MsPASS's layout)" {
	$PY -c '
import struct, sys
ts = [float(i) * 0.5 for i in range(100)]
seis = [[float(c * 1000 + i) for i in range(50)] for c in range(3)]
with open(sys.argv[1] + "/s.bin", "wb") as f:
    f.write(struct.pack("<100d", *ts))
    for i in range(50):
        f.write(struct.pack("<3d", seis[0][i], seis[1][i], seis[2][i]))
' "$TMP"
	cat > "$TMP/d" <<JSON
{"_id": {"\$oid": "0123456789abcdef01234567"}, "npts": 100, "delta": 0.1, "starttime": 1000.5, "time_standard": "UTC", "storage_mode": "file", "format": "binary", "dir": "$TMP", "dfile": "s.bin", "foff": 0, "nbytes": 800}
{"_id": {"\$oid": "0123456789abcdef01234568"}, "npts": 50, "delta": 0.1, "starttime": 10.0, "time_standard": "Relative", "starttime_shift": 1000.0, "storage_mode": "file", "format": "binary", "dir": "$TMP", "dfile": "s.bin", "foff": 800, "nbytes": 1200, "tmatrix": [1,0,0,0,1,0,0,0,1], "cardinal": true, "orthogonal": true}
{"_id": {"\$oid": "0123456789abcdef01234569"}, "npts": 50, "delta": 0.1, "starttime": 10.0, "time_standard": "UTC", "storage_mode": "file", "format": "binary", "dir": "$TMP", "dfile": "s.bin", "foff": 800, "nbytes": 1000}
JSON
	msread "$TMP/d" | msinfo --samples > "$TMP/out"
	run $PY -c '
import json, sys
a, b, c = [json.loads(l) for l in open(sys.argv[1])]
assert a["live"] and a["kind"] == "TimeSeries" and a["data"] == [i * 0.5 for i in range(100)]
assert a["metadata"]["wf_TimeSeries_id"] == {"$oid": "0123456789abcdef01234567"}
assert b["live"] and b["kind"] == "Seismogram" and b["tref"].lower() == "relative", b["tref"]
assert b["data"] == [[float(k * 1000 + i) for i in range(50)] for k in range(3)], b["data"][0][:3]
assert b["metadata"]["wf_Seismogram_id"] == {"$oid": "0123456789abcdef01234568"}
assert b["metadata"]["parent_collection"] == "wf_Seismogram"
assert not c["live"] and "nbytes 1000" in c["elog"][0]["message"]
print("ok")' "$TMP/out"
	echo "$output"
	[ "$output" = ok ]
}

@test "msread: gridfs documents die clearly without a MongoDB database" {
	echo '{"_id": {"$oid": "0123456789abcdef01234567"}, "npts": 10, "delta": 1, "starttime": 0, "time_standard": "UTC", "storage_mode": "gridfs", "gridfs_id": {"$oid": "0123456789abcdef01234560"}}' > "$TMP/d"
	run bash -c "msread '$TMP/d' | msinfo"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"live":false'* ]]
	[[ "$output" == *"needs a MongoDB database"* ]]
}

@test "msread: gridfs samples from a MongoDB-protocol server (FerretDB), TimeSeries and Seismogram" {
	[ -f "$REPO/tests/lib/ferretdb.bash" ] || skip "no tests/lib/ferretdb.bash"
	source "$REPO/tests/lib/ferretdb.bash"
	[ -x "$FERRETDB" ] || { skip_or_fail "no FerretDB binary at $FERRETDB (scripts/ferretdb.sh)"; return; }
	$PY -c 'import pymongo, gridfs' 2>/dev/null || skip_or_fail "python3-pymongo not installed"
	ferret_start
	ferret_db || return 1
	U="$M"
	[ -n "$U" ] || { skip_or_fail "FerretDB did not start"; return; }
	port="${U##*:}"
	port="${port%%/*}"
	$PY - "$port" "$TMP" <<'PY' > "$TMP/d"
import json, struct, sys, time, pymongo, gridfs
port, tmp = sys.argv[1], sys.argv[2]
for _ in range(100):
    try:
        c = pymongo.MongoClient("mongodb://127.0.0.1:%s/" % port, serverSelectionTimeoutMS=200)
        c.admin.command("ping"); break
    except Exception:
        time.sleep(0.1)
fs = gridfs.GridFS(c["iotest"])
ts = fs.put(struct.pack("<1000d", *[i * 0.25 for i in range(1000)]))
# MsPASS's GridFS Seismogram: C order, component-blocked
seis = fs.put(struct.pack("<300d", *[c * 1000.0 + i for c in range(3) for i in range(100)]))
print(json.dumps({"_id": {"$oid": "0123456789abcdef01234567"}, "npts": 1000, "delta": 1, "starttime": 0,
                  "time_standard": "UTC", "storage_mode": "gridfs", "gridfs_id": {"$oid": str(ts)}}))
print(json.dumps({"_id": {"$oid": "0123456789abcdef01234568"}, "npts": 100, "delta": 1, "starttime": 0,
                  "time_standard": "UTC", "storage_mode": "gridfs", "gridfs_id": {"$oid": str(seis)},
                  "tmatrix": [1, 0, 0, 0, 1, 0, 0, 0, 1]}))
print(json.dumps({"_id": {"$oid": "0123456789abcdef01234569"}, "npts": 1000, "delta": 1, "starttime": 0,
                  "time_standard": "UTC", "storage_mode": "gridfs", "gridfs_id": {"$oid": "0123456789abcdef0123456a"}}))
PY
	run bash -c "msread --db 'mongodb://127.0.0.1:$port/iotest?serverSelectionTimeoutMS=3000' '$TMP/d' | msinfo --samples > '$TMP/out'"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run $PY -c '
import json, sys
a, b, c = [json.loads(l) for l in open(sys.argv[1])]
assert a["live"] and a["data"] == [i * 0.25 for i in range(1000)]
assert b["live"] and b["kind"] == "Seismogram" and b["data"] == [[k * 1000.0 + i for i in range(100)] for k in range(3)]
assert not c["live"] and "GridFS" in c["elog"][0]["message"]
print("ok")' "$TMP/out"
	echo "$output"
	[ "$output" = ok ]
}

@test "msread: checks against the document: npts/starttime/delta differences are Complaints, endtime off by > dt/2 kills" {
	need_data
	docs "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)" > "$TMP/d"
	# MsPASS 2.4.3 counted no gap positions: a different npts is only a Complaint
	sed 's/"npts": 11947/"npts": 11900/' "$TMP/d" > "$TMP/d1"
	run bash -c "msread '$TMP/d1' | msinfo"
	[[ "$output" == *'"live":true'* ]]
	[[ "$output" == *"document npts 11900, data hold 11947"* ]]
	[[ "$output" == *'"npts" : 11947'* ]]
	# an endtime 1 s off: dead
	$PY -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline()); d["endtime"] += 1.0; print(json.dumps(d))' "$TMP/d" > "$TMP/d2"
	run bash -c "msread '$TMP/d2' | msinfo"
	[[ "$output" == *'"live":false'* ]]
	[[ "$output" == *"more than dt/2 apart"* ]]
	# an endtime 0.01 s off (dt 0.025): fine
	$PY -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline()); d["endtime"] += 0.01; print(json.dumps(d))' "$TMP/d" > "$TMP/d3"
	run bash -c "msread '$TMP/d3' | msinfo"
	[[ "$output" == *'"live":true'* ]]
}

@test "msread: a write error on stdout is an error (exit 1)" {
	need_data
	[ -w /dev/full ] || skip "no /dev/full"
	docs "$(W NL.HGN.00.BHZ.2003-05-29.steim2.mseed)" > "$TMP/d"
	run bash -c "msread '$TMP/d' > /dev/full"
	[ "$status" -eq 1 ]
	[[ "$output" == "msread: stdout: "* ]]
}

@test "msread: every segment msindex finds reads as ObsPy reads it (MsPASS's reader: obspy.read + merge fill 0)" {
	need_data
	command -v msindex >/dev/null && command -v msquery >/dev/null || skip "msindex or msquery not built"
	OBSPY="$(sh "$REPO/scripts/pyref.sh" 2>/dev/null)" || skip_or_fail "no ObsPy venv (scripts/pyref.sh needs PyPI)"
	msindex "$DATA/waveforms"
	msquery wf_miniseed > "$TMP/docs"
	msread "$TMP/docs" | msinfo --samples > "$TMP/recs"
	run "$OBSPY" "$REPO/tests/lib/obspy_compare.py" read "$TMP/recs" "$TMP/docs"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(wc -l < "$TMP/docs") ok" ]
}
