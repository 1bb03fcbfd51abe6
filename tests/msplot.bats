#!/usr/bin/env bats
# msplot: formats by extension, pages, modes, dead traces, bad input.
load lib/common

synth() { mssynth --stream -n "${1:-12}" --npts 2000 --dt 0.05 --kill-every 5 > "$TMP/in.msp"; }

@test "msplot --help on stdout, --version, exit 0" {
	run msplot --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: msplot "* ]]
	run msplot --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msplot (mspipe "* ]]
}

@test "msplot writes a PNG of the requested size" {
	synth
	msplot -o "$TMP/a.png" --size 900x600 --align synth_ptime --window -10,20 < "$TMP/in.msp"
	$PY - "$TMP/a.png" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (900, 600), (w, h)
PY
}

@test "msplot: SVG variable area fills, wiggle-only does not" {
	synth
	msplot -o "$TMP/va.svg" --mode va < "$TMP/in.msp"
	msplot -o "$TMP/w.svg" --mode wiggle < "$TMP/in.msp"
	grep -q "<svg" "$TMP/va.svg"
	grep -q "rgb(10%,20%,45%)" "$TMP/va.svg"
	! grep -q "rgb(10%,20%,45%)" "$TMP/w.svg" || false
}

@test "msplot: dead traces are marked, or omitted with --dead omit" {
	synth 10
	run msplot -v -o "$TMP/d.svg" < "$TMP/in.msp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"10 traces"* ]]
	grep -q "rgb(75%,10%,10%)" "$TMP/d.svg"   # red labels of dead traces
	run msplot -v --dead omit -o "$TMP/o.svg" < "$TMP/in.msp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"8 traces"* ]]
	! grep -q "rgb(75%,10%,10%)" "$TMP/o.svg" || false
}

@test "msplot: pages for large ensembles (PDF pages, PNG -pN files)" {
	synth 100
	run msplot -v --per-page 40 -o "$TMP/p.pdf" < "$TMP/in.msp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"on 3 pages"* ]]
	n=$($PY -c 'import sys; b=open(sys.argv[1],"rb").read(); print(b.count(b"/Type /Page") - b.count(b"/Type /Pages"))' "$TMP/p.pdf")
	[ "$n" -eq 3 ]
	msplot --per-page 40 -o "$TMP/p.png" < "$TMP/in.msp"
	[ -s "$TMP/p.png" ]
	[ -s "$TMP/p-p2.png" ]
	[ -s "$TMP/p-p3.png" ]
	[ ! -e "$TMP/p-p4.png" ]
}

@test "msplot: Seismogram gives three traces, or one with --component" {
	mssynth --stream --kind seis -n 2 --npts 500 > "$TMP/s.msp"
	run msplot -v -o "$TMP/s.svg" < "$TMP/s.msp"
	[[ "$output" == *"6 traces"* ]]
	run msplot -v --component 2 -o "$TMP/s.svg" < "$TMP/s.msp"
	[[ "$output" == *"2 traces"* ]]
}

@test "msplot: traces ordered by a key" {
	mssynth --stream -n 3 --npts 200 > "$TMP/in.msp"
	msplot --order synth_index --descending --label synth_index -o "$TMP/k.svg" < "$TMP/in.msp"
	[ -s "$TMP/k.svg" ]
}

@test "msplot: usage errors exit 2" {
	synth 2
	run msplot < "$TMP/in.msp"
	[ "$status" -eq 2 ]
	[[ "$output" == *"output file is required"* ]]
	run msplot -o "$TMP/x.gif" < "$TMP/in.msp"
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown format"* ]]
	run msplot -o "$TMP/x.png" --window 5,1 < "$TMP/in.msp"
	[ "$status" -eq 2 ]
	run msplot -o "$TMP/x.png" --gain 2x < "$TMP/in.msp"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--gain"* ]]
	run msplot -o "$TMP/x.png" --mode dots < "$TMP/in.msp"
	[ "$status" -eq 2 ]
	run msplot -o "$TMP/x.png" --size 10x10 < "$TMP/in.msp"
	[ "$status" -eq 2 ]
	run msplot -o "$TMP/x.png" --bogus < "$TMP/in.msp"
	[ "$status" -eq 2 ]
}

@test "msplot: data and I/O errors exit 1" {
	synth 2
	run msplot -o "$TMP/nodir/x.png" < "$TMP/in.msp"
	[ "$status" -eq 1 ]
	[[ "$output" == "msplot: "* ]]
	head -c 100 "$TMP/in.msp" > "$TMP/cut.msp"
	run msplot -o "$TMP/x.png" < "$TMP/cut.msp"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stdin: "*"at record 1 (byte 0)"* ]]
	mssynth --stream -n 0 > "$TMP/empty.msp"
	run msplot -o "$TMP/x.png" < "$TMP/empty.msp"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no traces"* ]]
	run msplot -o "$TMP/x.png" --max-samples 100 < "$TMP/in.msp"
	[ "$status" -eq 1 ]
	[[ "$output" == *"window"* ]]
}

@test "msplot --position: traces placed by a key; traces without it are left out" {
	mssynth --stream -n 6 --npts 400 > "$TMP/in.msp"
	run msplot -v --position synth_index -o "$TMP/pos.svg" < "$TMP/in.msp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"6 traces"* ]]
	grep -q "<svg" "$TMP/pos.svg"
	grep -q "rgb(10%,20%,45%)" "$TMP/pos.svg"
	# a key nobody has: nothing to place, an error and no picture
	run msplot --position nokey -o "$TMP/none.svg" < "$TMP/in.msp"
	[ "$status" -eq 1 ]
	[[ "$output" == *"none of the 6 traces has the position key nokey (--position)"* ]]
	[ ! -e "$TMP/none.svg" ]
}

@test "msplot --align: traces without the key are labelled and left empty, the axis spans the aligned ones; no trace with it is an error" {
	# 3 traces without synth_ptime (epoch times near 1.3e9 s), then 4 with it
	{ mssynth --stream -n 3 --npts 2000 --ptime-offset 30 | msedit --delete synth_ptime
	  mssynth --stream -n 4 --npts 2000 -s 2 --ptime-offset 40 --t0 2011-03-11T07:00:00; } > "$TMP/mix.msp"
	msplot -o "$TMP/mix.svg" --mode wiggle --align synth_ptime < "$TMP/mix.msp"
	# the live wiggles (black strokes): only the 4 aligned traces, each across the
	# frame's width (x 190 to 1370 of 1400), not crowded into a column by an axis
	# stretched to the others' epoch times
	$PY - "$TMP/mix.svg" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
spans = []
for m in re.finditer(r'<path style="[^"]*stroke:rgb\(0%,0%,0%\)[^"]*" d="([^"]*)"', svg):
    xs = [float(v) for v in re.findall(r'[ML] ([-0-9.e]+) [-0-9.e]+', m.group(1))]
    if len(xs) > 100:
        spans.append(max(xs) - min(xs))
assert len(spans) == 4, spans
assert all(s > 1000 for s in spans), spans
PY
	# the 3 unaligned ones still have their rows (labelled "no align key")
	run msplot -v -o "$TMP/mix2.svg" --align synth_ptime < "$TMP/mix.msp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"7 traces"* ]]
	run msplot -o "$TMP/none.svg" --align nokey < "$TMP/mix.msp"
	[ "$status" -eq 1 ]
	[[ "$output" == *"msplot: none of the 7 traces has the alignment key nokey (--align)"* ]]
	[ ! -e "$TMP/none.svg" ]
}

@test "msplot --window without --align is from the earliest start; zoomed in (fewer samples than pixels), the lobes are filled through the samples" {
	# 3 contiguous records of 100 s: 10..20 s after the first start is in the first only
	mssynth --stream -n 3 --npts 2000 > "$TMP/t.msp"
	msplot -o "$TMP/w.svg" --window 10,20 < "$TMP/t.msp"
	$PY - "$TMP/w.svg" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
def paths(colour):
    return [m.group(1) for m in re.finditer(r'<path style="[^"]*%s[^"]*" d="([^"]*)"' % re.escape(colour), svg)]
wig = [d for d in paths("stroke:rgb(0%,0%,0%)") if d.count("L") > 100]
va = paths("fill:rgb(10%,20%,45%)")
# one trace drawn (the first), through its 200 samples in the window (and one
# past each edge), across the frame (x 190 to 1370)
assert len(wig) == 1, len(wig)
xs = [float(x) for x in re.findall(r"[ML] ([-0-9.e]+) ", wig[0])]
assert 200 <= len(xs) <= 203 and min(xs) <= 190 and max(xs) >= 1370, (len(xs), min(xs), max(xs))
# the filled lobes: one polygon through the samples, not a sliver per column
assert len(va) == 1 and va[0].count("M") <= 2 and va[0].count("L") >= 200, [(d.count("M"), d.count("L")) for d in va]
PY
	# a window where no trace has a sample is an error, not an empty frame
	run msplot -o "$TMP/none.svg" --window 300.1,400 < "$TMP/t.msp"
	[ "$status" -eq 1 ]
	[ "$output" = "msplot: none of the 3 traces has a sample in the window 300.1 to 400 s (after the earliest start)" ]
	[ ! -e "$TMP/none.svg" ]
	run msplot -o "$TMP/none.svg" --align synth_ptime --window 100,200 < "$TMP/t.msp"
	[ "$status" -eq 1 ]
	[ "$output" = "msplot: none of the 3 traces has a sample in the window 100 to 200 s (relative to synth_ptime)" ]
	msplot -o "$TMP/last.svg" --window 299.9,400 < "$TMP/t.msp"
}

@test "msplot --label renders times as UTC and ObjectIds short" {
	mssynth --stream -n 2 --npts 400 > "$TMP/in.msp"
	msedit --set 'pick_time=1299822383.2' --set 'oid={"$oid":"6b012dd3bb1e8fb4cc024801"}' < "$TMP/in.msp" > "$TMP/e.msp"
	msplot --label pick_time -o "$TMP/t.png" < "$TMP/e.msp"
	msplot --label oid -o "$TMP/o.png" < "$TMP/e.msp"
	[ -s "$TMP/t.png" ]
	[ -s "$TMP/o.png" ]
}
