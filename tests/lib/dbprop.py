#!/usr/bin/python3
"""dbprop.py - property test of the query layer: random documents, random
filters; what msquery returns must equal an independent evaluation of
MongoDB's semantics written here (type brackets, arrays, missing keys,
$ne/$nin/$not matching missing keys, POSIX-compatible regular expressions).

  dbprop.py --db DB [--seed S] [--docs N] [--filters M] [--sorts K] [--out FILE]

Imports the documents into collection "prop" of DB with msdb, then runs each
filter through `msquery --fields _id` (and --count), and a few sorts.  With
--out, writes the id lists per filter, so that two backends can be compared.
Exit 1 with the first differences printed."""
import argparse
import json
import random
import re
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument("--db", required=True)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--docs", type=int, default=300)
p.add_argument("--filters", type=int, default=300)
p.add_argument("--sorts", type=int, default=20)
p.add_argument("--out")
p.add_argument("--no-import", action="store_true")
p.add_argument("--ferretdb", action="store_true",
               help="on paths through arrays of documents, no negation ($ne $nin $not $nor, $exists false) "
                    "and one operator per condition: FerretDB 1.24 answers those unlike MongoDB "
                    "(it negates per element, and applies $gte+$lte to one element, as $elemMatch)")
args = p.parse_args()
rnd = random.Random(args.seed)

OIDS = ["%024x" % (0x5f0000000000000000000000 + k) for k in (1, 2, 3, 0xabc)]
STRS = ["a", "b", "B", "ab", "ba", "", "it's", 'q"q', "é", "zé中", "'); DROP TABLE prop; --", "a b", "10"]


def scalar():
    r = rnd.random()
    if r < 0.3:
        return rnd.randint(-3, 3)
    if r < 0.4:
        return rnd.choice([-1.5, 0.5, 2.0, 2.5, 1e10, -0.0])
    if r < 0.65:
        return rnd.choice(STRS)
    if r < 0.75:
        return rnd.choice([True, False])
    if r < 0.82:
        return None
    return {"$oid": rnd.choice(OIDS)}


def value(allow_array):
    if allow_array and rnd.random() < 0.25:
        return [scalar() for _ in range(rnd.randint(0, 3))]
    return scalar()


def make_doc(i):
    d = {"_id": {"$oid": "%024x" % (0x600000000000000000000000 + i)}, "i": i}
    for k in ("a", "b", "c"):
        if rnd.random() < 0.8:
            d[k] = value(k == "a")
    if rnd.random() < 0.7:
        d["arr"] = [scalar() for _ in range(rnd.randint(0, 4))]
    if rnd.random() < 0.6:
        s = {}
        for k in ("x", "y"):
            if rnd.random() < 0.7:
                s[k] = scalar()
        d["s"] = s
    elif rnd.random() < 0.2:
        d["s"] = rnd.choice([3, "str", None])     # s not a document: s.x is missing
    r = rnd.random()
    if r < 0.5:                                   # an array of documents, as elog/cemetery logdata
        d["logdata"] = [dict((k, scalar()) for k in ("alg", "n") if rnd.random() < 0.8)
                        for _ in range(rnd.randint(0, 3))]
        if rnd.random() < 0.2:
            d["logdata"].append(scalar())
    elif r < 0.65:
        d["logdata"] = {"alg": scalar()}          # or a plain document
    return d


# ---------------------------------------------------------------- reference

MISSING = object()


def bracket(v):
    if v is None:
        return 1
    if isinstance(v, bool):
        return 8
    if isinstance(v, (int, float)):
        return 2
    if isinstance(v, str):
        return 3
    if isinstance(v, dict) and "$oid" in v:
        return 7
    if isinstance(v, dict):
        return 4
    if isinstance(v, list):
        return 5
    raise ValueError(v)


def key(v):
    b = bracket(v)
    if b == 7:
        return (b, v["$oid"])
    if b == 1:
        return (b, 0)
    if b == 3:
        return (b, v.encode())
    if b in (4, 5):
        return (b, json.dumps(v))
    return (b, v)


class Multi(list):
    """The values of a path through an array of documents."""


def get(doc, path):
    cur = doc
    segs = path.split(".")
    for i, seg in enumerate(segs):
        if isinstance(cur, list) and i > 0:     # through an array: every document element
            rest = ".".join(segs[i:])
            vals = [get(e, rest) for e in cur if isinstance(e, dict) and "$oid" not in e]
            return Multi(v for v in vals if v is not MISSING)
        if not isinstance(cur, dict) or "$oid" in cur or seg not in cur:
            return MISSING
        cur = cur[seg]
    return cur


def cmp_scalar(v, op, t):
    if v is MISSING or isinstance(v, list):
        return False
    if op == "eq":
        if t is None:
            return v is None
        return bracket(v) == bracket(t) and key(v) == key(t)
    if bracket(v) != bracket(t):
        return False
    a, b = key(v), key(t)
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def cmp(v, op, t):
    if isinstance(v, Multi):
        return any(cmp(e, op, t) for e in v)
    if op == "eq" and t is None and v is MISSING:
        return True
    if cmp_scalar(v, op, t):
        return True
    if isinstance(v, list):
        return any(cmp_scalar(e, op, t) for e in v)
    return False


def rx_match(v, pat, opts):
    fl = re.I if "i" in opts else 0
    if isinstance(v, Multi):
        return any(rx_match(e, pat, opts) for e in v)
    if isinstance(v, str):
        return re.search(pat, v, fl) is not None
    if isinstance(v, list):
        return any(isinstance(e, str) and re.search(pat, e, fl) is not None for e in v)
    return False


def ops_match(v, ops):
    res = True
    for op, t in ops.items():
        if op == "$options":
            continue
        if op in ("$eq", "$gt", "$gte", "$lt", "$lte"):
            r = cmp(v, op[1:], t)
        elif op == "$ne":
            r = not cmp(v, "eq", t)
        elif op == "$in":
            r = any(cmp(v, "eq", x) for x in t)
        elif op == "$nin":
            r = not any(cmp(v, "eq", x) for x in t)
        elif op == "$exists":
            r = (v is not MISSING and not (isinstance(v, Multi) and not v)) == bool(t)
        elif op == "$regex":
            r = rx_match(v, t, ops.get("$options", ""))
        elif op == "$not":
            r = not ops_match(v, t)
        else:
            raise ValueError(op)
        res = res and r
    return res


def match(doc, f):
    for k, c in f.items():
        if k == "$and":
            r = all(match(doc, x) for x in c)
        elif k == "$or":
            r = any(match(doc, x) for x in c)
        elif k == "$nor":
            r = not any(match(doc, x) for x in c)
        elif isinstance(c, dict) and c and next(iter(c)).startswith("$") and "$oid" not in c:
            r = ops_match(get(doc, k), c)
        else:
            r = cmp(get(doc, k), "eq", c)
        if not r:
            return False
    return True


# ---------------------------------------------------------------- filters

PATHS = ["a", "b", "c", "arr", "s.x", "s.y", "s", "i", "nope", "logdata.alg", "logdata.n"]
PATTERNS = ["^a", "b$", "a|B", "[a-c]", "^$", "é", "q\"", "^.b", "x*"]


def cond():
    r = rnd.random()
    if r < 0.25:
        return scalar()
    op = rnd.choice(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex", "$not"])
    if op in ("$eq", "$ne"):
        return {op: scalar()}
    if op in ("$gt", "$gte", "$lt", "$lte"):
        t = scalar()
        while t is None or isinstance(t, bool):
            t = scalar()
        ops = {op: t}
        if rnd.random() < 0.3:       # a range
            op2 = {"$gt": "$lt", "$gte": "$lte", "$lt": "$gt", "$lte": "$gte"}[op]
            t2 = scalar()
            if t2 is not None and not isinstance(t2, bool):
                ops[op2] = t2
        return ops
    if op in ("$in", "$nin"):
        return {op: [scalar() for _ in range(rnd.randint(1, 3))]}
    if op == "$exists":
        return {op: rnd.choice([True, False])}
    if op == "$regex":
        c = {op: rnd.choice(PATTERNS)}
        if rnd.random() < 0.3:
            c["$options"] = "i"
        return c
    inner = cond()
    while not (isinstance(inner, dict) and inner and next(iter(inner)).startswith("$") and
               "$oid" not in inner and "$not" not in inner):
        inner = cond()
    return {"$not": inner}


def has_null(c):
    """null comparisons through arrays of documents are refused by the SQLite backend"""
    if c is None:
        return True
    if isinstance(c, dict):
        return any(has_null(v) for k, v in c.items() if k in ("$eq", "$ne", "$not")) or \
            any(x is None for k in ("$in", "$nin") for x in c.get(k, []))
    return False


def negates(c):
    return isinstance(c, dict) and (any(k in c for k in ("$ne", "$nin", "$not")) or c.get("$exists") is False)


def gen_filter(depth=0, neg=False):
    f = {}
    for _ in range(rnd.randint(0 if depth else 1, 2)):
        if depth < 2 and rnd.random() < 0.2:
            lop = rnd.choice(["$and", "$or", "$nor"])
            f[lop] = [gen_filter(depth + 1, neg or lop == "$nor") for _ in range(rnd.randint(1, 3))]
        else:
            p = rnd.choice(PATHS)
            if p.startswith("logdata.") and args.ferretdb and neg:
                p = rnd.choice(PATHS[:9])
            c = cond()
            while p.startswith("logdata.") and (has_null(c) or (args.ferretdb and (
                    negates(c) or (isinstance(c, dict) and len([k for k in c if k != "$options"]) > 1)))):
                c = cond()
            f[p] = c
    return f


# ---------------------------------------------------------------- run

def run(argv, inp=None):
    r = subprocess.run(argv, input=inp, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("FAILED %s: status %d: %s" % (" ".join(argv), r.returncode, r.stderr))
    return r.stdout


docs = [make_doc(i) for i in range(args.docs)]
if not args.no_import:
    run(["msdb", "--db", args.db, "import", "prop", "--batch", "97"],
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs))

bad = 0
out = []
for n in range(args.filters):
    f = gen_filter()
    fj = json.dumps(f, ensure_ascii=False)
    want = [d["_id"]["$oid"] for d in docs if match(d, f)]
    got = [json.loads(l)["_id"]["$oid"] for l in
           run(["msquery", "--db", args.db, "prop", fj, "--fields", "_id", "--sort", "_id"]).splitlines()]
    cnt = int(run(["msquery", "--db", args.db, "prop", fj, "--count"]))
    out.append({"filter": f, "ids": got})
    if got != want or cnt != len(want):
        bad += 1
        if bad <= 5:
            print("# filter %s: want %d %s, got %d (count %d)" % (fj, len(want), want[:6], len(got), cnt))
            extra = set(got) ^ set(want)
            for d in docs:
                if d["_id"]["$oid"] in extra:
                    print("#   differs on %s" % json.dumps(d, ensure_ascii=False))
                    break

# sorts on keys that never hold arrays or documents: MongoDB's type order, ties by _id
for n in range(args.sorts):
    ks = rnd.sample(["b", "c", "s.x", "s.y", "i"], rnd.randint(1, 2))
    dirs = [rnd.choice([1, -1]) for _ in ks]
    spec = ",".join(("-" if d < 0 else "") + k for k, d in zip(ks, dirs))

    def skey(d):
        parts = []
        for k, dr in zip(ks, dirs):
            v = get(d, k)
            kk = key(None if v is MISSING else v)
            parts.append(kk if dr > 0 else Rev(kk))
        return parts + [d["_id"]["$oid"]]

    class Rev:
        def __init__(self, v):
            self.v = v

        def __lt__(self, o):
            return self.v > o.v

        def __eq__(self, o):
            return self.v == o.v

    want = [d["_id"]["$oid"] for d in sorted(docs, key=skey)]
    got = [json.loads(l)["_id"]["$oid"] for l in
           run(["msquery", "--db", args.db, "prop", "--fields", "_id", "--sort", spec]).splitlines()]
    out.append({"sort": spec, "ids": got})
    if got != want:
        bad += 1
        print("# sort %s differs (first at %d)" % (spec, next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)))

if args.out:
    with open(args.out, "w") as fh:
        for o in out:
            fh.write(json.dumps(o, ensure_ascii=False) + "\n")
print("# %d filters, %d sorts, %d documents, %d differences" % (args.filters, args.sorts, args.docs, bad))
sys.exit(1 if bad else 0)
