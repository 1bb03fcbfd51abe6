#!/bin/sh
# seed-corpus.sh NAME DIR - write seed inputs for the fuzz target NAME into DIR.
# Run from the repository root (make fuzz does).  Streams come from
# bin/mssynth when it is built and from tests/lib/mspstream.py (an
# independent Python encoder), plus damaged variants of them.
set -eu
name="$1"
dir="$2"
mkdir -p "$dir"
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
	printf '{"sta": "ANMO"}\n' > "$dir/json"
	;;
*)
	echo "seed-corpus.sh: no seeds for $name (an empty corpus is fine)" >&2
	;;
esac
