#!/usr/bin/env bats
# msstack: group stacks (sum, mean, median, robust), grouping rules, exact
# partial stacks and their merge, bad input.
load lib/common

# every long option in --help appears in the man page
@test "msstack: --help options all documented in msstack.1" {
	run msstack --help
	[ "$status" -eq 0 ]
	sed 's/\\-/-/g' "$REPO/man/man1/msstack.1" > "$TMP/man"
	for o in $(printf '%s\n' "$output" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$o" "$TMP/man" || {
			echo "undocumented: $o"
			false
		}
	done
	run msstack --version
	[ "$status" -eq 0 ]
}

@test "msstack: 64 copies of a wavelet with noise stack back to it, noise down by sqrt(N)" {
	mssynth --stream --count 64 --npts 400 --dt 0.01 --noise 1 --amp 10 --ptime-offset 2 --seed 5 \
		| msstack --key sta --ref synth_ptime --window -1,1 --method mean | msinfo --samples > "$TMP/mean"
	mssynth --stream --count 1 --npts 400 --dt 0.01 --noise 0 --amp 10 --ptime-offset 2 \
		| msstack --key sta --ref synth_ptime --window -1,1 | msinfo --samples > "$TMP/clean"
	mssynth --stream --count 64 --npts 400 --dt 0.01 --noise 1 --amp 10 --ptime-offset 2 --seed 5 \
		| msstack --key sta --ref synth_ptime --window -1,1 | msinfo --samples > "$TMP/sum"
	$PY - "$TMP/mean" "$TMP/clean" "$TMP/sum" <<'PY'
import json, sys, math
m, c, s = (json.loads(open(p).read()) for p in sys.argv[1:4])
assert m["metadata"]["stack_count"] == 64 and m["npts"] == 201 and abs(m["t0"] + 1) < 1e-12
r = [a - b for a, b in zip(m["data"], c["data"])]
rms = math.sqrt(sum(v * v for v in r) / len(r))
assert abs(rms - 1 / 8) < 0.125 * 0.15, rms
assert max(m["data"]) > 9.5
# sum is MsPASS's stack: 64 times the mean
assert all(abs(a - 64 * b) <= 1e-9 * max(1, abs(a)) for a, b in zip(s["data"], m["data"]))
assert s["metadata"]["stack_method"] == "sum"
PY
}

@test "msstack: median and robust recover the wavelet" {
	for meth in median robust; do
		mssynth --stream --count 32 --npts 400 --dt 0.01 --noise 0.5 --amp 10 --ptime-offset 2 \
			| msstack --key sta --ref synth_ptime --window -1,1 --method $meth | msinfo --samples > "$TMP/$meth"
	done
	$PY - "$TMP/median" "$TMP/robust" <<'PY'
import json, sys, math
for p in sys.argv[1:]:
    r = json.loads(open(p).read())
    x = r["data"]
    i = max(range(len(x)), key=lambda k: x[k])
    assert abs(i - 100) <= 1 and abs(x[i] - 10) < 0.6, (p, i, x[i])
PY
}

@test "msstack: one stack per run, keys in order; dead records pass through" {
	{
		mssynth --stream --count 3 --npts 50 --sta A --seed 1
		mssynth --stream --count 4 --npts 50 --sta B --seed 2 --kill-every 2
	} | mscat > "$TMP/in"
	msstack --key sta < "$TMP/in" | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
live = [r for r in rows if r["live"]]
dead = [r for r in rows if not r["live"]]
assert [r["metadata"]["sta"] for r in live] == ["A", "B"], rows
assert [r["metadata"]["stack_count"] for r in live] == [3, 2]
assert len(dead) == 2
assert live[0]["history"][-1]["tool"] == "msstack"
PY
}

@test "msstack: a key that comes back after its run closed is an error; --unsorted holds groups" {
	{
		mssynth --stream --count 2 --npts 50 --sta A
		mssynth --stream --count 2 --npts 50 --sta B
		mssynth --stream --count 2 --npts 50 --sta A --seed 9
	} | mscat > "$TMP/in"
	run msstack --key sta < "$TMP/in"
	[ "$status" -eq 1 ]
	[[ "$output" == *"came back"*"msquery --sort"* ]]
	msstack --key sta --unsorted < "$TMP/in" | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [(r["metadata"]["sta"], r["metadata"]["stack_count"]) for r in rows] == [("A", 4), ("B", 2)]
PY
}

@test "msstack: two keys, numbers and strings" {
	{
		mssynth --stream --count 2 --npts 20 --sta A --chan BHZ
		mssynth --stream --count 2 --npts 20 --sta A --chan BHN
	} | mscat | msstack --key sta,chan | msinfo > "$TMP/j"
	[ "$(wc -l < "$TMP/j")" -eq 2 ]
	mssynth --stream --count 4 --npts 20 | msstack --key synth_seed | msinfo > "$TMP/k"
	grep -q '"stack_count" : 4' "$TMP/k"
}

@test "msstack: 8 partial stacks merged give exactly one pass (sum and mean)" {
	for p in 1 2 3 4 5 6 7 8; do
		{
			mssynth --stream --count 3 --npts 300 --noise 1e3 --amp 1e-4 --sta A --seed $p --ptime-offset 5
			mssynth --stream --count 2 --npts 300 --noise 1e-3 --amp 7 --sta B --seed $((p + 100)) --ptime-offset 5
		} | mscat > "$TMP/part$p"
	done
	cat "$TMP"/part? | mscat > "$TMP/all"
	for meth in sum mean; do
		msstack --key sta --unsorted --ref synth_ptime --window -4,4 --method $meth < "$TMP/all" \
			| msinfo --samples > "$TMP/one.$meth"
		for p in 8 3 1 5 2 7 4 6; do
			msstack --key sta --ref synth_ptime --window -4,4 --method $meth --partial < "$TMP/part$p"
		done | msstack --key sta --merge | msinfo --samples > "$TMP/merged.$meth"
		$PY - "$TMP/one.$meth" "$TMP/merged.$meth" <<'PY'
import json, sys
a = {json.loads(l)["metadata"]["sta"]: json.loads(l) for l in open(sys.argv[1])}
b = {json.loads(l)["metadata"]["sta"]: json.loads(l) for l in open(sys.argv[2])}
assert sorted(a) == sorted(b) == ["A", "B"]
for k in a:
    assert a[k]["data"] == b[k]["data"], k          # bit for bit (JSON keeps 17 digits)
    assert a[k]["metadata"]["stack_count"] == b[k]["metadata"]["stack_count"] == (24 if k == "A" else 16)
    assert a[k]["t0"] == b[k]["t0"] and a[k]["npts"] == b[k]["npts"]
    assert "stack_partial" not in b[k]["metadata"]
PY
	done
}

@test "msstack: without a window too, partials of consecutive slices merged in order = one pass" {
	for p in 1 2 3 4 5 6 7 8; do
		mssynth --stream --count 3 --npts 400 --noise 10 --seed $p --t0 $((1300000000 + p)) \
			--step 0.35 > "$TMP/part$p"
	done
	cat "$TMP"/part? | mscat > "$TMP/all"
	for meth in sum mean; do
		msstack --key sta --method $meth < "$TMP/all" | msinfo --samples > "$TMP/one"
		for p in 1 2 3 4 5 6 7 8; do
			msstack --key sta --method $meth --partial < "$TMP/part$p"
		done | msstack --key sta --merge | msinfo --samples > "$TMP/merged"
		$PY - "$TMP/one" "$TMP/merged" <<'PY'
import json, sys
a = json.loads(open(sys.argv[1]).read()); b = json.loads(open(sys.argv[2]).read())
assert a["metadata"]["stack_count"] == b["metadata"]["stack_count"] == 24
assert a["t0"] == b["t0"] and a["npts"] == b["npts"] == 400
assert a["data"] == b["data"]
PY
	done
	# a partial without a window keeps every sample of its records
	msstack --key sta --partial < "$TMP/part1" | msinfo > "$TMP/p"
	grep -q '"npts":414' "$TMP/p"
}

@test "msstack: records that cannot be stacked are killed with a reason" {
	{
		mssynth --stream --count 1 --npts 50 --dt 0.05
		mssynth --stream --count 1 --npts 50 --dt 0.04 --seed 2
		mssynth --stream --count 1 --npts 50 --dt 0.05 --t0 1000000.01 --seed 3
	} | mscat | msstack --key sta | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
dead = [r for r in rows if not r["live"]]
live = [r for r in rows if r["live"]]
assert len(dead) == 2 and len(live) == 1 and live[0]["metadata"]["stack_count"] == 1
assert "sample interval" in dead[0]["elog"][-1]["message"]
assert "whole number" in dead[1]["elog"][-1]["message"]
PY
	# median on a window: a member that would be half padding is left out
	{
		mssynth --stream --count 3 --step 0 --npts 200 --seed 4
		mssynth --stream --count 1 --npts 200 --t0 1299823205 --seed 5
	} | mscat | msstack --key sta --method median --window 1299823200,1299823209.95 | msinfo > "$TMP/pad"
	grep -q '"stack_count" : 3' "$TMP/pad"
	grep -q '1 of 4 members dropped' "$TMP/pad"
	# median members with no span in common: a dead stack that says so
	{
		mssynth --stream --count 1 --npts 100
		mssynth --stream --count 1 --npts 100 --t0 2012-01-01T00:00:00
	} | mscat | msstack --key sta --method median | msinfo > "$TMP/m"
	grep -q '"live":false' "$TMP/m"
	grep -q 'no time span in common' "$TMP/m"
	# missing key and missing --ref key
	mssynth --stream --count 2 --npts 20 | msstack --key nokey | msinfo > "$TMP/k"
	[ "$(grep -c '"live":false' "$TMP/k")" -eq 2 ]
	grep -q 'group key nokey is missing' "$TMP/k"
	mssynth --stream --count 1 --npts 20 | msstack --key sta --ref noref | msinfo > "$TMP/l"
	grep -q 'noref is missing' "$TMP/l"
}

@test "msstack: usage errors exit 2" {
	run msstack
	[ "$status" -eq 2 ]
	run msstack --key sta --method foo
	[ "$status" -eq 2 ]
	run msstack --key sta --method median --partial
	[ "$status" -eq 2 ]
	run msstack --key sta --window 5,1
	[ "$status" -eq 2 ]
	run msstack --key sta --window 1s,5
	[ "$status" -eq 2 ]
	run msstack --key sta --merge --window 1,5
	[ "$status" -eq 2 ]
	run msstack --key sta --bogus
	[ "$status" -eq 2 ]
	run msstack --key sta extra
	[ "$status" -eq 2 ]
	run msstack --key sta,
	[ "$status" -eq 2 ]
}

@test "msstack: a broken input stream exits 1" {
	mssynth --stream --count 3 --npts 100 > "$TMP/in"
	head -c 2000 "$TMP/in" > "$TMP/cut"
	run msstack --key sta < "$TMP/cut"
	[ "$status" -eq 1 ]
	[[ "$output" == msstack:* ]]
	run msstack --key sta --merge < "$TMP/in"
	[ "$status" -eq 0 ]
}

index_pb01() {
	need_data
	command -v msindex >/dev/null || skip "msindex not built"
	msindex "$DATA"/waveforms/CX.PB01*.mseed "$DATA"/stations/*.xml "$DATA"/events/*.xml > /dev/null
}
pb01() { # CX.PB01 records with channel, source and Ptime
	msquery wf_miniseed "$1" --sort starttime,chan | msread \
		| msnormalize --source-offset 300 channel source | msptime --phase P | msdetrend --type demean
}

@test "msstack: the 13 CX.PB01 events stacked on Ptime equal math.fsum of the aligned samples" {
	index_pb01
	pb01 '{"chan": "BHZ"}' > "$TMP/z"
	msstack --key sta --ref Ptime --window -10,60 --method mean < "$TMP/z" | msinfo --samples > "$TMP/stack"
	msator --ref Ptime < "$TMP/z" | msinfo --samples > "$TMP/aligned"
	$PY - "$TMP/stack" "$TMP/aligned" <<'PY'
import json, sys, math
s = json.loads(open(sys.argv[1]).read())
rs = [json.loads(l) for l in open(sys.argv[2])]
assert len(rs) == 13 and s["metadata"]["stack_count"] == 13
dt = 0.2; n = round(70 / dt) + 1
assert s["npts"] == n and s["t0"] == -10
cols = [[] for _ in range(n)]
for r in rs:
    k = round((r["t0"] - -10) / dt)           # nearest sample, as WindowData
    for j in range(n):
        i = j - k
        if 0 <= i < r["npts"]:
            cols[j].append(r["data"][i])
want = [math.fsum(c) / len(c) for c in cols]
assert s["data"] == want                      # exact sums: bit for bit
pre = math.sqrt(sum(v * v for v in s["data"][:50]) / 50)
post = math.sqrt(sum(v * v for v in s["data"][50:150]) / 100)
assert post > 4 * pre, (pre, post)            # the P arrival stacks up after 0
PY
}

@test "msstack: msquery --partition K/8 --group-by source_id, --partial then --merge = one pass" {
	command -v mssave >/dev/null || skip "mssave not built"
	index_pb01
	pb01 '{}' | mssave -q --tag pb --dir "$TMP/wf"
	# saved documents keep channel_id and source_id only (as MsPASS): normalize again
	one() { msquery wf_TimeSeries '{"data_tag": "pb"}' --sort source_id,chan "$@" | msread \
		| msnormalize channel source | msptime --phase P; }
	for key in source_id chan; do
		for meth in sum mean; do
			one | msstack --key $key --unsorted --ref Ptime --window -20,100 --method $meth \
				| msinfo --samples > "$TMP/one"
			for k in 1 2 3 4 5 6 7 8; do
				msquery wf_TimeSeries '{"data_tag": "pb"}' --partition $k/8 --group-by source_id \
					| msread | msnormalize channel source | msptime --phase P \
					| msstack --key $key --unsorted --ref Ptime --window -20,100 --method $meth --partial
			done > "$TMP/partials"
			msstack --key $key --merge < "$TMP/partials" | msinfo --samples > "$TMP/merged"
			$PY - "$TMP/one" "$TMP/merged" $key <<'PY'
import json, sys
key = sys.argv[3]
a = {json.dumps(json.loads(l)["metadata"][key]): json.loads(l) for l in open(sys.argv[1])}
b = {json.dumps(json.loads(l)["metadata"][key]): json.loads(l) for l in open(sys.argv[2])}
assert sorted(a) == sorted(b) and len(a) == (13 if key == "source_id" else 3), (len(a), len(b))
for k in a:
    assert a[k]["data"] == b[k]["data"], k
    assert a[k]["metadata"]["stack_count"] == b[k]["metadata"]["stack_count"]
    assert a[k]["t0"] == b[k]["t0"] and a[k]["npts"] == b[k]["npts"]
PY
		done
	done
}
