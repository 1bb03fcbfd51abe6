#!/usr/bin/env bats
# msptime: arrival times posted from source/receiver coordinates.  Checked
# against ObsPy (TauPyModel iasp91 with locations2degrees, gps2dist_azimuth;
# values below were computed with the ObsPy 1.4 venv of scripts/pyref.sh)
# and against the P onsets visible in the real records of ../shared/data
# (Tohoku at IV.BOB and II.PFO, 13 events at CX.PB01).
load lib/common
load lib/broken

# mkrec: JSON lines (the metadata) on stdin -> one record each on stdout,
# written by the independent Python writer tests/lib/mspstream.py.
# "_kind": 3 makes a Seismogram, "_dead": true a dead record.
mkrec() {
	$PY -c '
import json, sys
sys.path.insert(0, sys.argv[1])
import mspstream as m
out, n = b"", 0
for line in sys.stdin:
    d = json.loads(line)
    kind = d.pop("_kind", 1)
    live = not d.pop("_dead", False)
    elog = [] if live else [("0", {"algorithm": "test", "message": "dead before", "severity": "Invalid", "pid": 1})]
    out += m.record(kind, 1299822383.2, 0.05, [float(i) for i in range(10 * kind)],
                    meta=list(d.items()), elog=elog, live=live)
    n += 1
sys.stdout.buffer.write(out + m.endmark(n))
' "$REPO/tests/lib"
}

# The reference table: event station origin(epoch) src_lat src_lon depth
# rcv_lat rcv_lon TauP_Ptime P_branch TauP_Stime dist_deg dist_km az baz
# (TauP: first of p,P,Pdiff,PKP,PKiKP,PKIKP and of s,S,Sdiff; distance by
# locations2degrees; km and azimuths by gps2dist_azimuth).
REF='3279407 BOB 1299822383.200000 38.2963 142.498 19.7 44.76792 9.44782 1299823146.0035 P 1299823783.0705 86.785479 9673.873 328.709230 35.024310
3279407 PFO 1299822383.200000 38.2963 142.498 19.7 33.6107 -116.4555 1299823096.9603 P 1299823687.1369 77.419349 8627.681 56.841221 307.897402
3287729 PB01 1305464895.420000 0.4584 -25.6088 18.9 -21.04323 -69.4874 1305465412.5442 P 1305465829.9437 47.944915 5331.092 240.750003 69.132640
3287620 PB01 1305326875.340000 10.1114 -84.1889 76.8 -21.04323 -69.4874 1305327274.5238 P 1305327597.1597 34.341161 3802.896 155.031345 333.569345
3285786 PB01 1304151556.720000 6.8511 -82.3594 10.0 -21.04323 -69.4874 1304151930.9709 P 1304152234.1381 30.624363 3391.194 155.771264 334.125775
3284483 PB01 1303131784.360000 -34.286 179.9433 98.1 -21.04323 -69.4874 1303132570.9002 P 1303133232.5286 93.936808 10462.635 118.930571 230.831160
3282641 PB01 1302181883.430000 17.2651 -94.1439 165.1 -21.04323 -69.4874 1302182364.4746 P 1302182752.9192 45.297469 5019.894 146.616900 325.742674
3281051 PB01 1301530318.880000 -16.5479 -177.3915 19.4 -21.04323 -69.4874 1301531142.1457 Pdiff 1301531835.3773 99.948848 11129.372 115.656483 247.769024
3279149 PB01 1299421956.940000 -56.3864 -27.0253 92.0 -21.04323 -69.4874 1299422459.7638 P 1299422865.8707 47.141368 5242.631 300.625325 149.244164
3278515 PB01 1298940825.350000 -29.6428 -112.1246 3.8 -21.04323 -69.4874 1298941274.8535 P 1298941636.9602 39.255448 4371.437 87.576792 248.553238
3278477 PB01 1298639246.980000 17.8214 -95.1708 130.6 -21.04323 -69.4874 1298639739.3459 P 1298640137.0163 46.302829 5131.696 145.812214 325.033242
3278416 PB01 1298332302.340000 -43.4935 172.713 4.8 -21.04323 -69.4874 1298333101.0352 P 1298333771.8498 93.935511 10462.862 124.241485 220.038974
3278381 PB01 1298285871.760000 -26.0435 178.4765 551.8 -21.04323 -69.4874 1298286633.2942 Pdiff 1298287275.8394 99.030570 11028.870 118.905418 237.448897
3277925 PB01 1297533476.170000 -20.8515 -175.5845 85.9 -21.04323 -69.4874 1297534275.9737 P 1297534949.3875 96.546883 10751.537 115.542425 244.610789
3277104 PB01 1296453806.330000 -21.9987 -175.5367 69.3 -21.04323 -69.4874 1296454605.6726 P 1296455278.4399 96.012031 10692.200 115.639983 243.592792'

# records for every row of REF (coordinates from the QuakeML/StationXML facts)
ref_records() {
	echo "$REF" | awk '{printf "{\"ev\":\"%s\",\"sta\":\"%s\",\"source_time\":%s,\"source_lat\":%s,\"source_lon\":%s,\"source_depth\":%s,\"channel_lat\":%s,\"channel_lon\":%s}\n", $1,$2,$3,$4,$5,$6,$7,$8}' | mkrec
}

# the posted keys as "ev sta Ptime rayp_P Stime epicentral_distance dist_km esaz seaz"
posted() {
	msinfo | $PY -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l); m = r["metadata"]
    print(m["ev"], m["sta"], *("%.6f" % m.get(k, -1) for k in ("Ptime", "rayp_P", "Stime", "epicentral_distance", "dist_km", "esaz", "seaz")))
'
}

@test "msptime --help on stdout and exit 0; --version" {
	run msptime --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: msptime "* ]]
	[[ "$output" == *"--phase"* && "$output" == *"--model"* ]]
	run msptime --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msptime (mspipe "* ]]
}

@test "msptime: P and S of 15 real source-receiver pairs within 0.1 s of ObsPy TauP iasp91; geometry as ObsPy" {
	ref_records | msptime --phase P,S | posted > "$TMP/got"
	[ "$(wc -l < "$TMP/got")" = 15 ]
	echo "$REF" > "$TMP/ref"
	$PY - "$TMP/ref" "$TMP/got" <<'PY'
import sys
ref = [l.split() for l in open(sys.argv[1])]
got = [l.split() for l in open(sys.argv[2])]
worst = 0
for r, g in zip(ref, got):
    assert r[0] == g[0] and r[1] == g[1]
    dP, dS = abs(float(g[2]) - float(r[8])), abs(float(g[4]) - float(r[10]))
    worst = max(worst, dP, dS)
    assert dP <= 0.1 and dS <= 0.1, (r[:2], dP, dS)
    assert abs(float(g[5]) - float(r[11])) < 1e-5, "distance"
    assert abs(float(g[6]) - float(r[12])) < 0.01, "km"
    assert abs(float(g[7]) - float(r[13])) < 1e-5 and abs(float(g[8]) - float(r[14])) < 1e-5, "azimuths"
print("# max |dT| vs TauP: %.4f s" % worst)
PY
}

@test "msptime: Ptime lands on the P onsets seen in the Tohoku records at IV.BOB and II.PFO" {
	need_data
	ref_records | msptime | msinfo > "$TMP/out"
	# PROVENANCE.md: IV.BOB onset 05:59:06-07, II.PFO 05:58:17-20 (RMS in 2 s bins)
	bob=$(grep '"sta" : "BOB"' "$TMP/out" | grep -o '"Ptime" : [0-9.]*' | awk '{print $3}')
	pfo=$(grep '"sta" : "PFO"' "$TMP/out" | grep -o '"Ptime" : [0-9.]*' | awk '{print $3}')
	# 2011-03-11T05:59:06 = 1299823146, 05:58:17 = 1299823097
	awk -v t="$bob" 'BEGIN { exit !(t > 1299823146 - 3 && t < 1299823147 + 3) }'
	awk -v t="$pfo" 'BEGIN { exit !(t > 1299823097 - 3 && t < 1299823100 + 3) }'
}

@test "msptime: Ptime within 4 s of the onsets of the four clear CX.PB01 events, inside every window" {
	need_data
	ref_records | msptime | posted > "$TMP/got"
	# Onsets picked once from CX.PB01..BHZ (ObsPy read, 5 s running mean removed,
	# RMS in 2 s bins, first bin above 4x the median background):
	# 3287620 22:54:35.3, 3284483 13:16:14.4, 3282641 13:19:23.4, 3279149 14:40:58.9
	$PY - "$TMP/got" <<'PY'
import sys
onset = {"3287620": 1305327275.32, "3284483": 1303132574.37, "3282641": 1302182363.42, "3279149": 1299422458.92}
origin = {}
for l in open(sys.argv[1]):
    f = l.split()
    if f[1] != "PB01":
        continue
    if f[0] in onset:
        assert abs(float(f[2]) - onset[f[0]]) < 4, (f[0], float(f[2]) - onset[f[0]])
PY
	# every P lies in its 540 s window (origin + 300 s .. origin + 840 s)
	echo "$REF" | awk '$2 == "PB01" {print $1, $3}' | sort > "$TMP/orig"
	sort "$TMP/got" | join - "$TMP/orig" | awk '{ if ($3 < $10 + 300 || $3 > $10 + 840) bad = 1 } END { exit bad }'
}

# onsets: picks the P onset of each live record of msinfo --samples output
# near its Ptime (5 s running mean removed, RMS in 2 s bins from t0, first
# bin within Ptime -20..+20 s above 4 times the median RMS of Ptime -120..-20 s)
# and prints "sta event onset-Ptime" (or "none").
onsets() {
	$PY -c '
import json, sys
import numpy as np
for l in sys.stdin:
    r = json.loads(l); m = r["metadata"]
    if not r["live"]:
        continue
    x = np.array(r["data"], float); dt = r["dt"]; t0 = r["t0"]
    k = int(round(5 / dt)); y = x - np.convolve(x, np.ones(k) / k, mode="same")
    nb = int(round(2 / dt)); nbin = len(y) // nb
    rms = np.sqrt((y[:nbin * nb].reshape(nbin, nb) ** 2).mean(axis=1))
    ip = int((m["Ptime"] - t0) / 2)
    bg = np.median(rms[max(0, ip - 60):max(1, ip - 10)])
    on = next((t0 + 2 * i for i in range(max(0, ip - 10), min(nbin, ip + 10)) if rms[i] > 4 * bg), None)
    ev = str(m.get("source_time"))
    print(m["sta"], ev, "none" if on is None else "%.1f" % (on - m["Ptime"]))
'
}

@test "msptime: end to end on the real records (msindex, msread, msnormalize): P onsets at Ptime" {
	need_data
	for t in msindex msquery msread msnormalize; do command -v $t >/dev/null || skip "no $t"; done
	msindex "$DATA/waveforms/IV.BOB..BH_.2011-03-11_Tohoku.steim2.mseed" \
		"$DATA/waveforms/II.PFO.BHZ.2011-03-11_Tohoku.steim1.mseed" \
		"$DATA/stations/IV.BOB.stationxml.xml" "$DATA/stations/II.PFO.stationxml.xml" \
		"$DATA/events/tohoku_2011-03-11.quakeml.xml"
	msquery wf_miniseed '{"chan":"BHZ"}' | msread | msnormalize channel source --source-tolerance 120 |
		msptime | msinfo --samples | onsets > "$TMP/tohoku"
	cat "$TMP/tohoku"
	# IV.BOB and both II.PFO sensors: the onset within 5 s of Ptime
	[ "$(wc -l < "$TMP/tohoku")" = 3 ]
	awk '$3 == "none" || $3 < -5 || $3 > 5 { bad = 1 } END { exit bad }' "$TMP/tohoku"
	# CX.PB01: 13 windows from origin + 300 s; the four clear events
	export MSPIPE_DB="$TMP/cx.db"
	msindex "$DATA/waveforms/CX.PB01..BH_.2011_13events_5sps.steim2.mseed" \
		"$DATA/stations/CX.PB01.stationxml.xml" "$DATA/events/CX.PB01_13events_2011.quakeml.xml"
	msquery wf_miniseed '{"chan":"BHZ"}' | msread | msnormalize channel source --source-offset 300 |
		msptime | msinfo --samples | onsets > "$TMP/cx"
	cat "$TMP/cx"
	[ "$(wc -l < "$TMP/cx")" = 13 ]
	# source_time of 3279149, 3282641, 3284483, 3287620 (South Sandwich,
	# Chiapas, Kermadec, Costa Rica: P clear in PROVENANCE.md)
	for ev in 1299421956.94 1302181883.43 1303131784.36 1305326875.34; do
		line=$(awk -v e="$ev" '$2 + 0 > e - 0.01 && $2 + 0 < e + 0.01' "$TMP/cx")
		[ -n "$line" ] || { echo "no record for $ev"; return 1; }
		echo "$line" | awk '$3 == "none" || $3 < -4 || $3 > 4 { exit 1 }' || { echo "onset: $line"; return 1; }
	done
}

@test "msptime: beyond the core shadow the first P is Pdiff (3281051 at 99.9 deg), as TauP" {
	ref_records | msptime --phase P,Pdiff,PKiKP | msinfo > "$TMP/out"
	line=$(grep '"ev" : "3281051"' "$TMP/out")
	p=$(echo "$line" | grep -o '"Ptime" : [0-9.]*' | awk '{print $3}')
	d=$(echo "$line" | grep -o '"Pdifftime" : [0-9.]*' | awk '{print $3}')
	k=$(echo "$line" | grep -o '"PKiKPtime" : [0-9.]*' | awk '{print $3}')
	[ -n "$p" ]
	[ "$p" = "$d" ]
	# TauP: Pdiff 823.2657 s, PKiKP 1091.3662 s after the origin 1301530318.88
	awk -v p="$p" -v k="$k" 'BEGIN { exit !(p - 1301530318.88 - 823.2657 < 0.1 && p - 1301530318.88 - 823.2657 > -0.1 &&
	                                     k - 1301530318.88 - 1091.3662 < 0.1 && k - 1301530318.88 - 1091.3662 > -0.1) }'
}

@test "msptime: --model ak135 (TauP ak135: 1299823146.0175 at BOB)" {
	ref_records | msptime --model ak135 | posted | awk '$2 == "BOB" { d = $3 - 1299823146.0175; if (d < 0) d = -d; exit !(d < 0.1) }'
}

@test "msptime: --distance geodesic is MsPASS set_PStime's kilometers2degrees(gps2dist_azimuth)" {
	# ObsPy: kilometers2degrees(9673.873296722041) = 86.99923268642273, TauP P then 1299823147.0423
	ref_records | msptime --distance geodesic | msinfo | grep '"sta" : "BOB"' > "$TMP/bob"
	d=$(grep -o '"epicentral_distance" : [0-9.]*' "$TMP/bob" | awk '{print $3}')
	p=$(grep -o '"Ptime" : [0-9.]*' "$TMP/bob" | awk '{print $3}')
	awk -v d="$d" -v p="$p" 'BEGIN { exit !(d - 86.99923268642273 < 1e-8 && 86.99923268642273 - d < 1e-8 &&
	                                     p - 1299823147.0423 < 0.1 && 1299823147.0423 - p < 0.1) }'
}

@test "msptime: named phases pP, PcP, PP post pPtime, rayp_pP, ..." {
	echo '{"source_lat":0,"source_lon":0,"source_depth":100,"source_time":0,"site_lat":0,"site_lon":50}' | mkrec |
		msptime --phase P,pP,PcP,PP | msinfo > "$TMP/out"
	# TauP iasp91 at 100 km, 50 deg: P 523.9236, pP 547.8170, PcP 602.3264, PP 639.8177 (first of 3)
	$PY - "$TMP/out" <<'PY'
import json, sys
m = json.loads(open(sys.argv[1]).read())["metadata"]
for k, v in (("Ptime", 523.9236), ("pPtime", 547.8170), ("PcPtime", 602.3264), ("PPtime", 639.8177)):
    assert abs(m[k] - v) < 0.1, (k, m[k], v)
assert all(k in m for k in ("rayp_P", "rayp_pP", "rayp_PcP", "rayp_PP"))
PY
}

@test "msptime: channel_lat/lon take precedence over site_lat/lon; site is the fallback" {
	printf '%s\n' \
	 '{"source_lat":0,"source_lon":0,"source_depth":10,"source_time":0,"channel_lat":0,"channel_lon":40,"site_lat":0,"site_lon":60}' \
	 '{"source_lat":0,"source_lon":0,"source_depth":10,"source_time":0,"site_lat":0,"site_lon":60}' | mkrec |
		msptime | msinfo | grep -o '"epicentral_distance" : [0-9.]*' | awk '{print $3}' > "$TMP/d"
	# locations2degrees gives 40.0 and 59.99999999999999 here, as ObsPy's
	awk 'NR == 1 && ($1 < 40 - 1e-9 || $1 > 40 + 1e-9) { exit 1 } NR == 2 && ($1 < 60 - 1e-9 || $1 > 60 + 1e-9) { exit 1 }' "$TMP/d"
	[ "$(wc -l < "$TMP/d")" = 2 ]
}

@test "msptime: Seismogram records get the same keys; samples untouched" {
	printf '%s\n' '{"_kind":3,"source_lat":38.2963,"source_lon":142.498,"source_depth":19.7,"source_time":1299822383.2,"site_lat":44.76792,"site_lon":9.44782}' |
		mkrec | msptime | msinfo --samples > "$TMP/out"
	grep -q '"kind":"Seismogram"' "$TMP/out"
	grep -q '"Ptime" : 129982314[56]\.' "$TMP/out"
	grep -q '"data":\[\[0,1,2,3,4,5,6,7,8,9\],\[10,' "$TMP/out"
	grep -q '"tool" : "msptime"' "$TMP/out"
}

@test "msptime: missing or bad coordinates and missing arrivals kill with an elog entry" {
	printf '%s\n' \
	 '{"source_lon":0,"source_depth":10,"source_time":0,"site_lat":0,"site_lon":50}' \
	 '{"source_lat":0,"source_lon":0,"source_depth":10,"source_time":0}' \
	 '{"source_lat":0,"source_lon":0,"source_depth":10,"source_time":0,"channel_lat":0}' \
	 '{"source_lat":"x","source_lon":0,"source_depth":10,"source_time":0,"site_lat":0,"site_lon":50}' \
	 '{"source_lat":95,"source_lon":0,"source_depth":10,"source_time":0,"site_lat":0,"site_lon":50}' \
	 '{"source_lat":0,"source_lon":0,"source_depth":-2,"source_time":0,"site_lat":0,"site_lon":50}' \
	 '{"source_lat":0,"source_lon":0,"source_depth":10,"site_lat":0,"site_lon":50}' \
	 '{"source_lat":0,"source_lon":0,"source_depth":10,"source_time":0,"site_lat":0,"site_lon":50}' |
		mkrec | msptime --phase P,PKIKP | msinfo > "$TMP/out"
	[ "$(grep -c '"live":false' "$TMP/out")" = 8 ]
	grep -q '"message" : "missing source_lat"' "$TMP/out"
	grep -q '"message" : "missing receiver coordinates (channel_lat/channel_lon or site_lat/site_lon)"' "$TMP/out"
	grep -q '"message" : "missing channel_lon"' "$TMP/out"
	grep -q '"message" : "source_lat is not a finite number"' "$TMP/out"
	grep -q '"message" : "latitude out of \[-90, 90\]' "$TMP/out"
	grep -q '"message" : "source_depth -2 km is outside' "$TMP/out"
	grep -q '"message" : "missing source_time"' "$TMP/out"
	grep -q '"message" : "no PKIKP arrival at 50.000 deg from a 10 km deep source in iasp91"' "$TMP/out"
	[ "$(grep -c '"algorithm" : "msptime"' "$TMP/out")" = 8 ]
	! grep -q '"Ptime"' "$TMP/out" || false
}

@test "msptime: dead records pass through untouched" {
	printf '%s\n' '{"_dead":true,"source_lat":0,"source_lon":0,"source_depth":10,"source_time":0,"site_lat":0,"site_lon":50}' | mkrec > "$TMP/in"
	msptime < "$TMP/in" > "$TMP/outrec"
	[ "$(msinfo < "$TMP/in")" = "$(msinfo < "$TMP/outrec")" ]
}

@test "msptime: bad options are usage errors (exit 2)" {
	for a in "--phase Q" "--phase P,,S" "--phase P,P" "--phase ," "--model prem" "--distance flat" "--bogus" "extra"; do
		run msptime $a < /dev/null
		[ "$status" -eq 2 ] || { echo "$a: $status"; return 1; }
		[[ "$output" == "msptime: "* ]]
	done
	run msptime --phase "" < /dev/null
	[ "$status" -eq 2 ]
}

@test "msptime: a write error on stdout is an error" {
	echo '{"source_lat":0,"source_lon":0,"source_depth":10,"source_time":0,"site_lat":0,"site_lon":50}' | mkrec > "$TMP/in"
	run sh -c "msptime < '$TMP/in' > /dev/full"
	[ "$status" -eq 1 ]
}

@test "msptime: cut inside a record" { expect_broken cut msptime; }
@test "msptime: end of input without the end mark" { expect_broken noend msptime; }
@test "msptime: empty input" { expect_broken empty msptime; }
@test "msptime: JSON is not a record stream" { expect_broken json msptime; }
@test "msptime: payload checksum mismatch" { expect_broken payload msptime; }
