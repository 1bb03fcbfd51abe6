#!/usr/bin/python3
# compare_saved.py A.jsonl B.jsonl KEY - two sets of saved wf documents (JSON
# lines) hold the same records: matched by KEY (the source document's id),
# each source once in each set, samples byte-identical (read here from
# dir/dfile at foff..foff+nbytes), same starttime, npts and delta.
# Prints "N records identical" or the first difference; exit 1 on a difference.
import json, sys

def load(path, key):
    out = {}
    for line in open(path):
        d = json.loads(line)
        k = json.dumps(d[key], sort_keys=True)
        if k in out:
            sys.exit('%s: source %s saved twice' % (path, k))
        with open(d['dir'] + '/' + d['dfile'], 'rb') as f:
            f.seek(d['foff'])
            b = f.read(d['nbytes'])
        if len(b) != d['nbytes']:
            sys.exit('%s: %s/%s is shorter than foff+nbytes' % (path, d['dir'], d['dfile']))
        out[k] = (d['starttime'], d['npts'], d['delta'], b)
    return out

a = load(sys.argv[1], sys.argv[3])
b = load(sys.argv[2], sys.argv[3])
if set(a) != set(b):
    sys.exit('different sources: %d only in the first, %d only in the second'
             % (len(set(a) - set(b)), len(set(b) - set(a))))
for k in a:
    if a[k] != b[k]:
        sys.exit('source %s differs' % k)
print('%d records identical' % len(a))
