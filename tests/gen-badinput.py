#!/usr/bin/env python3
"""gen-badinput.py - turn docs/bad-inputs.md into a bats file, one @test per row.

usage: gen-badinput.py REPO OUT.bats
Each row's command runs under sh -c in a scratch directory with the fixtures the
catalogue describes; the test checks the exit status and that the message appears
in the tool's output (stdout and stderr together).
"""
import re
import sys

repo, out = sys.argv[1], sys.argv[2]
rows = []
for line in open(f"{repo}/docs/bad-inputs.md", encoding="utf-8"):
    if not re.match(r"^\| *\d+ *\|", line):
        continue
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
    num, what, cmd, status, msg = cells
    cmd = cmd.strip("`").replace("\\|", "|")
    rows.append((int(num), what, cmd, int(status), msg.replace("\\|", "|")))

def q(s):
    return "'" + s.replace("'", "'\\''") + "'"

with open(out, "w", encoding="utf-8") as f:
    f.write("#!/usr/bin/env bats\n# generated from docs/bad-inputs.md by tests/gen-badinput.py: do not edit\n")
    f.write(f"MSPIPE_REPO={q(repo)}\nload \"$MSPIPE_REPO/tests/lib/common\"\nload \"$MSPIPE_REPO/tests/lib/broken\"\n\n")
    f.write("""fixtures() {
	cd "$TMP"
	mssynth --stream -n 5 --npts 500 > good.msp
	mssynth --stream --kind seis -n 2 --npts 300 > seis.msp
	: > empty
	for c in cut noend miniseed json text version header payload toobig lost; do
		if [ "$c" = miniseed ] && [ ! -d "$DATA/waveforms" ]; then continue; fi
		broken_input "$c"; cp "$TMP/broken.in" "broken-$c.in"
	done
	if [ -d "$DATA/waveforms" ]; then cp "$DATA/waveforms/NL.HGN.00.BHZ.2003-05-29.steim2.mseed" hgn.mseed; fi
}

""")
    for num, what, cmd, status, msg in rows:
        needs_data = "hgn.mseed" in cmd or "broken-miniseed" in cmd or "docs.json" in cmd
        f.write(f"@test {q(f'bad input {num}: {what}')} {{\n")
        if needs_data:
            f.write("\tneed_data\n")
        f.write("\tfixtures\n")
        f.write(f"\trun sh -c {q(cmd)}\n")
        f.write('\techo "status $status: $output"\n')
        f.write(f"\t[ \"$status\" -eq {status} ]\n")
        f.write(f"\t[[ \"$output\" == *{q(msg)}* ]]\n}}\n\n")
print(f"{len(rows)} rows", file=sys.stderr)
