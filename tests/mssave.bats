#!/usr/bin/env bats
# mssave: documents and sample files as MsPASS writes them, cemetery and
# cremation, elog and history, one file per process, miniSEED output read
# back by msread and mseed2sac, re-runs that skip what was saved, errors.
load lib/common

# Documents of COLL with data_tag TAG, as JSON lines.
tagged() {
	if command -v msquery >/dev/null; then
		msquery "$1" "{\"data_tag\": \"$2\"}"
	else
		sqlite3 "$MSPIPE_DB" "select doc from \"$1\" where json_extract(doc, '\$.data_tag') = '$2'" 2>/dev/null || true
	fi
}

@test "mssave: --help, --version" {
	run mssave --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--cremate"* ]]
	run mssave --version
	[ "$status" -eq 0 ]
}

@test "mssave: bad options are usage errors (exit 2)" {
	for a in "--format sac" "--batch 0" "--batch 1x" "--reclen 1000" "--reclen 128" \
	         "--collection wf_miniseed" "--dfile a/b" "--tag=" "--bogus" "extra"; do
		run mssave $a </dev/null
		echo "$a -> $status $output"
		[ "$status" -eq 2 ]
		[[ "$output" == "mssave: "* ]]
	done
}

@test "mssave: a broken stream is an error (exit 1)" {
	run bash -c 'printf "not a record stream" | mssave --dir "$TMP/wf"'
	[ "$status" -eq 1 ]
	[[ "$output" == "mssave: stdin: "* ]]
	# cut short: the records before the cut are saved, the exit is 1
	mssynth --stream -n 3 > "$TMP/s"
	head -c 20000 "$TMP/s" > "$TMP/cut"
	run bash -c "mssave -q --tag cut --dir '$TMP/wf' < '$TMP/cut'"
	[ "$status" -eq 1 ]
}

@test "mssave: the documents have MsPASS's keys; samples round-trip through msread exactly" {
	cd "$TMP"
	mssynth --stream -n 20 --npts 300 --seed 7 > s.rec
	mssave --tag t1 --dir wf < s.rec > ids
	[ "$(wc -l < ids)" -eq 20 ]
	[ "$(ls wf | wc -l)" -eq 1 ]
	tagged wf_TimeSeries t1 > docs
	[ "$(wc -l < docs)" -eq 20 ]
	run $PY -c '
import json, sys
ids = [json.loads(l)["_id"] for l in open("ids")]
for line in open("docs"):
    d = json.loads(line)
    for k in ("npts", "delta", "sampling_rate", "starttime", "endtime", "time_standard",
              "utc_convertible", "starttime_shift", "storage_mode", "dir", "dfile", "foff",
              "nbytes", "format", "data_tag"):
        assert k in d, k
    assert d["storage_mode"] == "file" and d["format"] == "binary" and d["data_tag"] == "t1"
    assert d["nbytes"] == 8 * d["npts"] == 2400 and d["dir"].startswith("/")
    assert d["time_standard"] == "UTC" and d["utc_convertible"] is True
    assert abs(d["endtime"] - (d["starttime"] + 299 * d["delta"])) < 1e-9
    assert "channel_hang" not in d and "live" not in d
    assert d["_id"] in ids
print("ok")'
	echo "$output"
	[ "$output" = ok ]
	msread docs | msinfo --samples > back
	msinfo --samples < s.rec > orig
	run $PY -c '
import json
a = [json.loads(l) for l in open("orig")]
b = [json.loads(l) for l in open("back")]
assert len(a) == len(b) == 20
for x, y in zip(a, b):
    assert x["data"] == y["data"] and x["t0"] == y["t0"] and x["dt"] == y["dt"]
print("ok")'
	[ "$output" = ok ]
}

@test "mssave: normalized copies are not saved, their *_id keys are" {
	cd "$TMP"
	$PY -c 'import struct; open("s.bin","wb").write(struct.pack("<10d", *range(10)))'
	echo "{\"_id\": {\"\$oid\": \"0123456789abcdef01234567\"}, \"npts\": 10, \"delta\": 1, \"starttime\": 100, \"time_standard\": \"UTC\", \"storage_mode\": \"file\", \"format\": \"binary\", \"dir\": \"$TMP\", \"dfile\": \"s.bin\", \"foff\": 0, \"nbytes\": 80, \"channel_lat\": 1.5, \"channel_id\": {\"\$oid\": \"0123456789abcdef01234560\"}, \"site_elev\": 0.2, \"source_depth\": 10, \"source_id\": {\"\$oid\": \"0123456789abcdef01234561\"}, \"empty\": \"\", \"sta\": \"X\"}" > d
	msread d | mssave -q --tag n --dir wf
	tagged wf_TimeSeries n > out
	run $PY -c '
import json
d = json.loads(open("out").read())
assert "channel_lat" not in d and "site_elev" not in d and "source_depth" not in d and "empty" not in d
assert d["channel_id"] == {"$oid": "0123456789abcdef01234560"}
assert d["source_id"] == {"$oid": "0123456789abcdef01234561"}
assert d["wf_TimeSeries_id"] == {"$oid": "0123456789abcdef01234567"}
assert d["parent_collection"] == "wf_TimeSeries" and d["sta"] == "X"
print("ok")'
	echo "$output"
	[ "$output" = ok ]
}

@test "mssave: Seismograms go to wf_Seismogram with tmatrix, in MsPASS's interleaved layout" {
	cd "$TMP"
	mssynth --stream --kind seis -n 3 --npts 100 > s.rec
	mssave -q --tag s --dir wf < s.rec
	tagged wf_Seismogram s > docs
	msinfo --samples < s.rec > orig
	run $PY -c '
import json, struct
docs = [json.loads(l) for l in open("docs")]
orig = [json.loads(l) for l in open("orig")]
assert len(docs) == 3
for d, r in zip(docs, orig):
    assert d["nbytes"] == 24 * 100 and len(d["tmatrix"]) == 9
    assert "cardinal" in d and "orthogonal" in d
    f = open(d["dir"] + "/" + d["dfile"], "rb"); f.seek(d["foff"])
    x = struct.unpack("<300d", f.read(2400))
    assert list(x[0::3]) == r["data"][0] and list(x[1::3]) == r["data"][1] and list(x[2::3]) == r["data"][2]
print("ok")'
	echo "$output"
	[ "$output" = ok ]
	tagged wf_Seismogram s | msread | msinfo --samples > back
	run $PY -c '
import json
a = [json.loads(l)["data"] for l in open("orig")]
b = [json.loads(l)["data"] for l in open("back")]
assert a == b
print("ok")'
	[ "$output" = ok ]
}

@test "mssave: dead records are buried in cemetery, or cremated" {
	cd "$TMP"
	mssynth --stream -n 10 --kill-every 3 > s.rec
	run bash -c "mssave --tag b --dir wf < s.rec | wc -l"
	[ "$output" -eq 7 ]
	tagged cemetery b > cem
	[ "$(wc -l < cem)" -eq 3 ]
	run $PY -c '
import json
for l in open("cem"):
    d = json.loads(l)
    assert d["data_tag"] == "b" and "tombstone" in d and d["tombstone"]["sta"] == "SYN"
    e = d["logdata"][0]
    assert e["badness"] == "ErrorSeverity.Invalid" and "kill" in e["error_message"]
    assert set(e) == {"job_id", "algorithm", "badness", "error_message", "process_id"}
print("ok")'
	[ "$output" = ok ]
	mssave -q --tag c --cremate --dir wf < s.rec
	[ "$(tagged cemetery c | wc -l)" -eq 0 ]
	[ "$(tagged wf_TimeSeries c | wc -l)" -eq 7 ]
}

@test "mssave: a record's elog goes to elog, linked by elog_id; --history to history" {
	need_data
	cd "$TMP"
	$PY "$REPO/tests/lib/wfdocs.py" "$DATA/waveforms/BW.BGLD..EHE.2008-01-01.steim1.gaps.mseed" > d
	msread d | mssave -q --tag e --history --dir wf
	tagged wf_TimeSeries e > wf.json
	tagged elog e > elog.json
	tagged history e > hist.json
	run $PY -c '
import json
w = json.loads(open("wf.json").read()); e = json.loads(open("elog.json").read())
h = json.loads(open("hist.json").read())
assert w["elog_id"] == e["_id"] and e["wf_TimeSeries_id"] == w["_id"]
assert "gap" in e["logdata"][0]["error_message"] and e["logdata"][0]["badness"] == "ErrorSeverity.Complaint"
assert w["history_object_id"] == h["_id"] and h["wf_TimeSeries_id"] == w["_id"]
assert w["has_gap"] is True and len(w["gaps"]) == 3
print("ok")'
	echo "$output"
	[ "$output" = ok ]
}

@test "mssave: a re-run with the same tag saves nothing twice; another tag saves again" {
	need_data
	cd "$TMP"
	$PY "$REPO/tests/lib/wfdocs.py" "$DATA"/waveforms/IV.BOB*.mseed "$DATA"/waveforms/NL.HGN.00.BHZ.2003-05-29.steim2.mseed > d
	msread d | mssave -q --tag r --dir wf
	run bash -c "msread d | mssave -v --tag r --dir wf 2>&1 >/dev/null"
	[[ "$output" == *"4 records: 0 saved, 0 buried, 0 cremated, 4 skipped"* ]]
	[ "$(tagged wf_TimeSeries r | wc -l)" -eq 4 ]
	msread d | mssave -q --tag r2 --dir wf
	[ "$(tagged wf_TimeSeries r2 | wc -l)" -eq 4 ]
}

@test "mssave: the re-run check asks the database only for sources it may have saved; repeats in a run are caught before and after their batch commits" {
	cd "$TMP"
	mssynth --dataset ds --stations 40 --npts 200 --pre 5 --seed 3 > /dev/null
	msindex ds > /dev/null
	msquery wf_miniseed --sort dir,dfile --limit 60 | msread | mssave -q --tag r --dir wf
	# all 120: the first 60 are "maybe" in the filter and found in the database
	run bash -c "msquery wf_miniseed --sort dir,dfile | msread | mssave -vv --tag r --dir wf 2>&1 >/dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"120 records: 60 saved, 0 buried, 0 cremated, 60 skipped"* ]]
	[[ "$output" == *"re-run check: 120 sources in a 1024 KiB filter, 60 asked the database"* ]]
	[ "$(tagged wf_TimeSeries r | wc -l)" -eq 120 ]
	# a source twice in one stream, not next to itself: saved once, whether its
	# first record's batch is still filling (default) or synced and committed (--batch 1)
	msquery wf_miniseed --sort dir,dfile --limit 3 | msread > three
	mscat three three > six
	for b in 500 1; do
		run bash -c "mssave -v --batch $b --tag dup$b --dir wf < six 2>&1 >/dev/null"
		[[ "$output" == *"6 records: 3 saved, 0 buried, 0 cremated, 3 skipped"* ]]
		[ "$(tagged wf_TimeSeries dup$b | wc -l)" -eq 3 ]
	done
}

@test "mssave: --format mseed writes Steim2 for counts that msread and mseed2sac read back" {
	need_data
	cd "$TMP"
	$PY "$REPO/tests/lib/wfdocs.py" "$DATA"/waveforms/IU.COLA*.mseed > d
	msread d > a.rec
	mssave -q --tag m --format mseed --dfile out.mseed --dir wf < a.rec
	tagged wf_TimeSeries m > docs
	[ "$(wc -l < docs)" -eq 3 ]
	grep -q '"format" : "mseed"' docs
	msread docs | msinfo --samples > back
	msinfo --samples < a.rec > orig
	# a saved miniSEED document is a wf_TimeSeries one: its source stays wf_miniseed_id
	grep -q '"parent_collection" : "wf_TimeSeries"' back
	grep -q '"wf_miniseed_id"' back
	run $PY -c '
import json
a = [json.loads(l) for l in open("orig")]; b = [json.loads(l) for l in open("back")]
for x, y in zip(a, b):
    assert x["data"] == y["data"] and round(x["t0"] * 1e6) == round(y["t0"] * 1e6), (x["t0"], y["t0"])
print("ok")'
	[ "$output" = ok ]
	command -v mseed2sac >/dev/null || skip "mseed2sac not installed"
	mkdir sac && (cd sac && mseed2sac ../wf/out.mseed >/dev/null 2>&1)
	run $PY "$REPO/tests/lib/compare_sac.py" sac < orig
	echo "$output"
	[ "$output" = "3 records match" ]
}

@test "mssave: with small batches (each synced while the next is read) every record reads back exactly" {
	cd "$TMP"
	{ mssynth --stream -n 40 --npts 3000; mssynth --stream --kind seis -n 20 --npts 500 --seed 2; } > s.rec
	mssave -q --tag b --batch 3 --dir wf < s.rec
	{ tagged wf_TimeSeries b; tagged wf_Seismogram b; } | msread | msinfo --samples > back
	msinfo --samples < s.rec > orig
	run $PY -c '
import json
key = lambda r: (r["kind"], r["t0"], json.dumps(r["data"]))
a = sorted(key(json.loads(l)) for l in open("orig"))
b = sorted(key(json.loads(l)) for l in open("back"))
assert len(a) == 60 and a == b, (len(a), len(b))
print("ok")'
	echo "$output"
	[ "$output" = ok ]
}

@test "mssave: --format mseed buries what miniSEED cannot hold (a Seismogram)" {
	cd "$TMP"
	mssynth --stream --kind seis -n 1 > s.rec
	mssave -q --tag ms --format mseed --dir wf < s.rec
	[ "$(tagged cemetery ms | wc -l)" -eq 1 ]
	tagged cemetery ms | grep -q "one component"
}

@test "mssave: a write error on stdout is an error (exit 1)" {
	[ -w /dev/full ] || skip "no /dev/full"
	mssynth --stream -n 2 > "$TMP/s"
	run bash -c "mssave --tag f --dir '$TMP/wf' < '$TMP/s' > /dev/full"
	[ "$status" -eq 1 ]
}

@test "mssave: round trip from hand-made wf_miniseed documents: identical samples and times" {
	need_data
	cd "$TMP"
	$PY "$REPO/tests/lib/wfdocs.py" $(ls "$DATA"/waveforms/*.mseed) > d
	msread d > first.rec
	mssave -q --tag rt --dir wf < first.rec
	tagged wf_TimeSeries rt | msread | msinfo --samples > back
	msinfo --samples < first.rec > orig
	run $PY -c '
import json
a = {json.dumps(r["metadata"]["wf_miniseed_id"]): r for r in map(json.loads, open("orig"))}
b = {json.dumps(r["metadata"]["wf_miniseed_id"]): r for r in map(json.loads, open("back"))}
assert len(a) == len(b) == 51, (len(a), len(b))
for k in a:
    x, y = a[k], b[k]
    assert x["data"] == y["data"] and x["t0"] == y["t0"] and x["npts"] == y["npts"]
print("ok")'
	echo "$output"
	[ "$output" = ok ]
}

@test "mssave: real round trip msindex -> msquery -> msread -> mssave -> msquery the tag -> msread: as libmseed and mseed2sac decode, times to the microsecond" {
	need_data
	command -v msindex >/dev/null && command -v msquery >/dev/null || skip "msindex or msquery not built"
	cd "$TMP"
	cc -O2 -o mseed_dump "$REPO/tests/lib/mseed_dump.c" -lmseed
	./mseed_dump "$DATA"/waveforms/*.mseed > traces.jsonl
	msindex "$DATA/waveforms"
	n=$(msquery wf_miniseed --count)
	msquery wf_miniseed --sort dir,dfile | msread > first.rec
	msinfo --samples < first.rec > first.json
	# the first read against libmseed's own trace assembly, file by file
	run $PY "$REPO/tests/lib/compare_traces.py" traces.jsonl < first.json
	echo "$output"
	[ "$output" = "$n records match libmseed" ]
	# and against mseed2sac (files without gaps: mseed2sac writes one SAC file per segment)
	if command -v mseed2sac >/dev/null; then
		mkdir sac
		(cd sac && for f in "$DATA"/waveforms/*.mseed; do case $f in *gaps*) ;; *) mseed2sac "$f" >/dev/null 2>&1 ;; esac; done)
		grep -v 'gaps.mseed' first.json > nogap.json
		run $PY "$REPO/tests/lib/compare_sac.py" sac < nogap.json
		echo "$output"
		[ "$output" = "$(wc -l < nogap.json) records match" ]
	fi
	mssave -q --tag rt --dir wf < first.rec
	msquery wf_TimeSeries '{"data_tag": "rt"}' | msread | msinfo --samples > second.json
	run $PY -c '
import json
a = {json.dumps(r["metadata"]["wf_miniseed_id"]): r for r in map(json.loads, open("first.json"))}
b = {json.dumps(r["metadata"]["wf_miniseed_id"]): r for r in map(json.loads, open("second.json"))}
assert len(a) == len(b) and set(a) == set(b), (len(a), len(b))
for k in a:
    x, y = a[k], b[k]
    assert x["data"] == y["data"] and x["npts"] == y["npts"] and x["dt"] == y["dt"]
    assert round(x["t0"] * 1e6) == round(y["t0"] * 1e6) and x["t0"] == y["t0"]
print("%d records identical" % len(a))'
	echo "$output"
	[ "$output" = "$n records identical" ]
}

@test "mssave: --format mseed files read in ObsPy: codes, start to the microsecond, samples (Steim2 and float64)" {
	need_data
	OBSPY="$(sh "$REPO/scripts/pyref.sh" 2>/dev/null)" || skip_or_fail "no ObsPy venv (scripts/pyref.sh needs PyPI)"
	cd "$TMP"
	$PY "$REPO/tests/lib/wfdocs.py" "$DATA"/waveforms/IU.COLA*.mseed > d
	(msread d; mssynth --stream -n 2 --npts 3000 --step 500) > mix.rec
	msinfo --samples < mix.rec > mix.json
	mssave -q --tag o --format mseed --dir wf --dfile o.mseed < mix.rec
	run "$OBSPY" "$REPO/tests/lib/obspy_compare.py" mseed wf/o.mseed mix.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "5 ok" ]
}

@test "mssave: every batch's documents commit only after an fdatasync that began once their sample bytes were written (strace, slow syncs)" {
	command -v strace >/dev/null || skip "strace not installed"
	cd "$TMP"
	mssynth --stream -n 20 --npts 100 > s.rec
	# Each fdatasync of the sample file returns 20 ms late (tests/lib/faultinject.c),
	# so the next batch's bytes are appended while it is in flight: they are not
	# covered by it, and the batch it covers must still commit.
	FI="${MSPIPE_BUILD:-$REPO/build}/tests/faultinject.so"
	slow=""
	[ -f "$FI" ] && slow="LD_PRELOAD=$FI ASAN_OPTIONS=${ASAN_OPTIONS}:verify_asan_link_order=0 MSP_FAULT=fdatasync:1 MSP_FAULT_ALL=1 MSP_FAULT_DELAY_MS=20 MSP_FAULT_PATH=/wf/"
	env $slow strace -f -xx -s 24 -e trace=openat,write,pwrite64,fdatasync,fsync -o trace \
		mssave -q --tag s --batch 3 --dir wf < s.rec
	run $PY - "$MSPIPE_DB" <<'EOF'
import json, re, sqlite3, sys
unhex = lambda s: bytes.fromhex(s.replace("\\x", ""))
sample = wal = None
written = 0     # sample bytes written so far
durable = 0     # sample bytes an fdatasync that has returned was called after
entry = {}      # thread -> sample bytes written when its fdatasync began
commits = []    # durable bytes at each WAL commit frame after the first sample byte
overlap = 0     # sample writes while an fdatasync was in flight
pend = {}
def begin(pid, call):
    if sample and re.match(r"f(data)?sync\(%s\b" % sample, call):
        entry[pid] = written
def end(pid, call):
    global sample, wal, written, durable, overlap
    m = re.match(r'openat\(AT_FDCWD, "([^"]*)".* = (\d+)$', call)
    if m:
        path = unhex(m.group(1)).decode()
        if "/wf/" in path: sample = m.group(2)
        if path.endswith("-wal"): wal = m.group(2)
        return
    m = re.match(r'(write|pwrite64)\((\d+), "([^"]*)"(\.\.\.)?, (\d+).* = (-?\d+)$', call)
    if m and m.group(2) == sample:
        written += int(m.group(6))
        overlap += bool(entry)
    elif m and m.group(2) == wal and m.group(5) == "24" and written:
        if int.from_bytes(unhex(m.group(3))[4:8], "big"):
            commits.append(durable)
    m = re.match(r"f(data)?sync\((\d+)\) += (-?\d+)$", call)
    if m and m.group(2) == sample and pid in entry:
        assert m.group(3) == "0", call
        durable = max(durable, entry.pop(pid))
for line in open("trace"):
    pid, call = line.rstrip("\n").split(" ", 1)
    call = call.strip()
    if call.endswith("<unfinished ...>"):
        pend[pid] = call[:-len("<unfinished ...>")].rstrip()
        begin(pid, pend[pid])
        continue
    m = re.match(r"<\.\.\. \w+ resumed>(.*)", call)
    if m:
        end(pid, pend.pop(pid) + m.group(1))
        continue
    begin(pid, call)
    end(pid, call)
# what each commit needed durable: the end of its batch's last sample byte
db = sqlite3.connect(sys.argv[1])
ends = [json.loads(d)["foff"] + json.loads(d)["nbytes"]
        for (d,) in db.execute('select doc from "wf_TimeSeries" order by rowid')]
need = [max(ends[i:i + 3]) for i in range(0, len(ends), 3)]
assert len(ends) == 20 and len(commits) == len(need) == 7, (len(ends), commits, need)
for k, (have, want) in enumerate(zip(commits, need)):
    assert have >= want, "batch %d committed with %d bytes synced, needs %d" % (k, have, want)
print("ok", len(commits), "(%d sample writes while a sync was in flight)" % overlap)
EOF
	echo "$output"
	[ "${output%% (*}" = "ok 7" ]
}
