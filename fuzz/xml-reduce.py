#!/usr/bin/python3
"""xml-reduce.py IN OUT MAXBYTES - a small copy of a StationXML or QuakeML file
for a fuzz seed: at most two children of any one name under each element
(two stations, two channels, two events, two origins...), StationXML
<Response> subtrees dropped (mspipe reads none of them), and then whole
elements removed from the end until the text fits in MAXBYTES.  The fuzz
targets run with a -max_len of a few KiB (Makefile FUZZ_OPTS): a real file
of 80 KB would be truncated into malformed XML and slow every mutation."""
import sys
import xml.etree.ElementTree as ET


def local(tag):
    return tag.rsplit('}', 1)[-1]


def prune(el):
    seen = {}
    for c in list(el):
        n = local(c.tag)
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 2 or n == 'Response':
            el.remove(c)
        else:
            prune(c)


def last_leafish(el):
    """The parent and last child deepest along the last branch with >1 child."""
    best = None
    stack = [el]
    while stack:
        e = stack.pop()
        kids = list(e)
        if len(kids) > 1:
            best = (e, kids[-1])
        stack.extend(kids[-1:])
    return best


def main():
    src, dst, maxb = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # keep the prefixes the file uses
    for ev, (pfx, uri) in ET.iterparse(src, events=['start-ns']):
        try:
            ET.register_namespace(pfx, uri)
        except ValueError:  # "ns0"-like prefixes are ElementTree's own
            pass
    tree = ET.parse(src)
    root = tree.getroot()
    prune(root)
    while True:
        text = ET.tostring(root, encoding='unicode')
        if len(text.encode()) <= maxb:
            break
        pl = last_leafish(root)
        if not pl:
            break
        pl[0].remove(pl[1])
    with open(dst, 'w') as f:
        f.write(text)


main()
