#!/bin/sh
# seed-corpus.sh NAME DIR - write seed inputs for the fuzz target NAME into DIR.
# Run from the repository root (make fuzz does).  Streams come from
# bin/mssynth when it is built and from tests/lib/mspstream.py (an
# independent Python encoder), plus damaged variants of them.
set -eu
name="$1"
dir="$2"
mkdir -p "$dir"
# inputs that once crashed a target (fuzz/regress/NAME/) always stay in its corpus
if [ -d "fuzz/regress/$name" ]; then cp fuzz/regress/"$name"/* "$dir"/; fi
PY=/usr/bin/python3
MSPS=tests/lib/mspstream.py
case "$name" in
fuzz_stream|fuzz_reader)
	if [ -x bin/mssynth ]; then
		bin/mssynth --stream --count 0 > "$dir/empty-stream"
		bin/mssynth --stream --count 1 --npts 0 > "$dir/npts0"
		bin/mssynth --stream --count 2 --npts 16 --kill-every 2 > "$dir/ts-dead"
		bin/mssynth --stream --count 1 --npts 8 --kind seis > "$dir/seis"
		bin/mssynth --stream --count 3 --npts 4 --chan BH1,BH2,BHZ --noise 0 > "$dir/three"
		cat "$dir/ts-dead" "$dir/seis" > "$dir/concatenated"
	fi
	$PY $MSPS golden "$dir/golden"
	$PY $MSPS base "$dir/base"
	$PY $MSPS cut "$dir/base" "$dir/cut" 1700
	$PY $MSPS flip "$dir/base" "$dir/flip-payload" 2800
	$PY $MSPS u16 "$dir/base" "$dir/version" 4 2
	$PY $MSPS drop "$dir/base" "$dir/lost" 1
	# BSON well framed but invalid inside, checksums right (fuzz_reader: the
	# frame paths carry it, the decoder refuses it)
	$PY $MSPS poke "$dir/base" "$dir/bson-contents" 68 0x20
	printf '{"sta": "ANMO"}\n' > "$dir/json"
	;;
fuzz_mseed_index|fuzz_mseed_decode)
	# real records (both byte orders, Steim1/2, 512 and 4096 bytes), a cut
	# file, and the ASCII record that over-reads in libmseed 2.19.8
	D=${MSPIPE_DATA:-../shared/data}/waveforms
	if [ -d "$D" ]; then
		for f in "$D"/*.mseed; do head -c 8192 "$f" > "$dir/$(basename "$f")"; done
		f="$D/BW.BGLD..EHE.2008-01-01.steim1.10records.mseed"
		head -c 1300 "$f" > "$dir/cut"
		head -c 512 "$f" > "$dir/ascii-overcount"
		printf '\000' | dd of="$dir/ascii-overcount" bs=1 seek=52 conv=notrunc 2>/dev/null
		printf '\027\020' | dd of="$dir/ascii-overcount" bs=1 seek=30 conv=notrunc 2>/dev/null
		# a full SEED volume: a control header before the data records
		{ printf '000001V 0100056 2.4121992,001~'; head -c 482 /dev/zero | tr '\0' ' '; head -c 2048 "$f"; } > "$dir/full-seed"
	fi
	# one record of each fixed-size encoding (int16, int32, float32,
	# float64) in each byte order, with blockettes 100 and 1001, written
	# from the SEED layout here (no mspipe code involved)
	$PY - "$dir" <<'PYEOF'
import struct, sys
for enc, fmt, size in ((1, "h", 2), (3, "i", 4), (4, "f", 4), (5, "d", 8)):
    for bo, e in ((1, ">"), (0, "<")):
        n = (512 - 128) // size
        hdr = struct.pack(e + "6scc5s2s3s2sHHBBBBHHhhBBBBiHH", b"000001", b"D", b" ",
                          b"SYN  ", b"00", b"BHZ", b"XX", 2011, 70, 5, 46, 23, 0, 1234,
                          n, 40, 1, 0, 0, 0, 3, 0, 128, 48)
        b1000 = struct.pack(e + "HHBBBB", 1000, 56, enc, bo, 9, 0)
        b100 = struct.pack(e + "HHf4x", 100, 68, 40.0)
        b1001 = struct.pack(e + "HHBbBB", 1001, 0, 100, -17, 0, 0)
        body = hdr + b1000 + b100 + b1001
        body += b"\0" * (128 - len(body))
        vals = [((k * 37) % 201 - 100) * (1 if size == 2 else 1000) for k in range(n)]
        if fmt in "fd":
            vals = [v / 7.0 for v in vals]
        body += struct.pack(e + fmt * n, *vals)
        open("%s/enc%d-%s" % (sys.argv[1], enc, "be" if bo else "le"), "wb").write(body)
PYEOF
	;;
fuzz_stationxml)
	# real files as they are when they fit the target's -max_len (fuzz/options),
	# and a small copy of each (fuzz/xml-reduce.py)
	for f in ${MSPIPE_DATA:-../shared/data}/stations/*.xml; do
		[ -f "$f" ] || continue
		[ "$(wc -c < "$f")" -le 8192 ] && cp "$f" "$dir/"
		$PY fuzz/xml-reduce.py "$f" "$dir/small-$(basename "$f")" 6000
	done
	printf '<FDSNStationXML><Network code="XX"><Station code="S"><Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation><Channel code="BHZ" locationCode="00" startDate="2010-01-01T00:00:00"><Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation><Depth>0</Depth><Azimuth>0</Azimuth><Dip>-90</Dip></Channel></Station></Network></FDSNStationXML>' > "$dir/minimal.xml"
	;;
fuzz_quakeml)
	for f in ${MSPIPE_DATA:-../shared/data}/events/*.xml; do
		[ -f "$f" ] || continue
		[ "$(wc -c < "$f")" -le 8192 ] && cp "$f" "$dir/"
		$PY fuzz/xml-reduce.py "$f" "$dir/small-$(basename "$f")" 6000
	done
	printf '<q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2" xmlns="http://quakeml.org/xmlns/bed/1.2"><eventParameters><event publicID="smi:x?eventid=1"><preferredOriginID>o</preferredOriginID><origin publicID="o"><time><value>2011-01-01T00:00:00Z</value></time><latitude><value>1</value></latitude><longitude><value>2</value></longitude><depth><value>1000</value></depth></origin><magnitude><mag><value>5</value></mag><type>Mw</type></magnitude></event></eventParameters></q:quakeml>' > "$dir/minimal.xml"
	;;
fuzz_fdsntext)
	cp ${MSPIPE_DATA:-../shared/data}/stations/*.txt ${MSPIPE_DATA:-../shared/data}/events/*.txt "$dir/" 2>/dev/null || true
	printf '#Network|Station|Latitude|Longitude|Elevation|SiteName|StartTime|EndTime\nXX|S|1|2|3|Somewhere|2010-01-01T00:00:00|\n' > "$dir/station-level.txt"
	printf '#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName\n1|2011-01-01T00:00:00|1|2|10|a||||Mw|5.1||X\n' > "$dir/event.txt"
	;;
fuzz_wfdoc)
	# JSON lines as msquery prints them; the target points every document
	# at its scratch directory (b.bin: 64 doubles, m.mseed: 10 Steim1 records)
	printf '%s\n' '{"_id":{"$oid":"5f1a2b3c4d5e6f7081920a1b"},"storage_mode":"file","format":"mseed","dfile":"m.mseed","foff":0,"nbytes":512,"npts":412,"delta":0.005,"starttime":1199145599.995,"net":"BW","sta":"BGLD","chan":"EHE"}' > "$dir/mseed1"
	printf '%s\n' '{"storage_mode":"file","format":"mseed","dfile":"m.mseed","foff":512,"nbytes":4608,"npts":3000,"sampling_rate":200,"starttime":1199145602.0,"endtime":1199145617.0}' > "$dir/mseed9"
	printf '%s\n' '{"storage_mode":"file","format":"binary","dfile":"b.bin","foff":0,"nbytes":512,"npts":64,"delta":0.1,"starttime":0,"time_standard":"UTC"}' > "$dir/binary"
	printf '%s\n' '{"storage_mode":"file","format":"binary","dfile":"b.bin","foff":8,"nbytes":480,"npts":20,"delta":0.1,"starttime":0,"tmatrix":[1,0,0,0,1,0,0,0,1],"time_standard":"Relative","starttime_shift":5}' > "$dir/seis"
	printf '%s\n%s\n' '{"storage_mode":"gridfs","gridfs_id":{"$oid":"5f1a2b3c4d5e6f7081920a1b"},"npts":3,"delta":1,"starttime":0}' '{"npts":-1,"delta":0,"starttime":"x"}' > "$dir/two"
	;;
fuzz_filter|fuzz_sql)
	# "FILTER\nDOC" from pairs of lines: one seed per operator and the
	# MongoDB corner cases
	i=0
	while read -r f && read -r d; do
		i=$((i + 1))
		printf '%s\n%s' "$f" "$d" > "$dir/seed$i"
	done <<'SEEDS'
{"sta": "ANMO"}
{"sta": "ANMO", "net": "IU"}
{"npts": {"$gte": 100, "$lt": 200}}
{"npts": 150.0}
{"a": {"$in": [1, "x", null, {"$regex": "^b"}]}}
{"a": ["bc", 2]}
{"a": {"$nin": [[1, 2]]}, "b": {"$exists": false}}
{"a": [1, 2]}
{"a.b.0": {"$ne": null}}
{"a": [{"b": [1]}, {"b": 2}]}
{"$or": [{"a": {"$not": {"$gt": 5}}}, {"$nor": [{"c": NaN}]}], "$and": [{}]}
{"a": NaN, "c": {"$numberLong": "9007199254740993"}}
{"s": {"$regex": "^(BH|HH)[ZNE]$", "$options": "im"}}
{"s": "bhz\nHHE"}
{"d": {"$gt": {"$date": "2011-03-11T00:00:00Z"}}, "o": {"$oid": "5f1a2b3c4d5e6f7081920a1b"}}
{"d": {"$date": "2012-01-01T00:00:00Z"}, "o": {"$oid": "5f1a2b3c4d5e6f7081920a1b"}}
{"x": {"y": 1, "z": [1, {"w": true}]}}
{"x": {"y": 1.0, "z": [1, {"w": true}]}}
{"a": {"$size": 1}}
{}
SEEDS
	;;
*)
	echo "seed-corpus.sh: no seeds for $name (an empty corpus is fine)" >&2
	;;
esac
