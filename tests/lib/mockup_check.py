#!/usr/bin/python3
"""mockup_check.py SCENARIO - the MongoDB backend against MockupDB (scripted
replies): checks the exact commands msquery and msdb send (find with filter,
sort, projection, limit/skip and getMore paging; insert batches; the count
aggregate; distinct) and how they handle errors (connection refused,
duplicate key with the written part of the batch taken out again, a hang-up
in the middle of a cursor).  Run with /usr/bin/python3 (Debian's mockupdb)."""
import json
import socket
import subprocess
import sys

from bson import ObjectId
from mockupdb import MockupDB, OpMsg

scenario = sys.argv[1]
TIMEOUT = 20


def start():
    server = MockupDB(auto_ismaster={"ismaster": True, "maxWireVersion": 13})
    port = server.run()
    server.autoresponds(OpMsg("ping"), ok=1)
    return server, "mongodb://127.0.0.1:%d/seis?serverSelectionTimeoutMS=5000" % port


def spawn(argv, stdin_text=None):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if stdin_text is not None:
        p.stdin.write(stdin_text)
    p.stdin.close()
    return p


def finish(p):
    out = p.stdout.read()
    err = p.stderr.read()
    rc = p.wait(timeout=TIMEOUT)
    return rc, out, err


def expect(server, name):
    req = server.receives(timeout=TIMEOUT)
    assert req.command_name.lower() == name.lower(), "expected %s, got %s: %r" % (name, req.command_name, req.doc)
    return req


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


if scenario == "find":
    server, uri = start()
    p = spawn(["msquery", "--db", uri, "wf_miniseed", '{"sta": {"$in": ["ANMO", "COR"]}, "npts": {"$gt": 100}}',
               "--sort", "dir,-dfile", "--fields", "sta,dfile", "--limit", "5", "--skip", "2"])
    req = expect(server, "find")
    d = req.doc
    check(d["find"] == "wf_miniseed", "collection: %r" % d)
    check(d["$db"] == "seis", "database from the URI: %r" % d)
    check(d["filter"] == {"sta": {"$in": ["ANMO", "COR"]}, "npts": {"$gt": 100}}, "filter: %r" % d["filter"])
    check(list(d["sort"].items()) == [("dir", 1), ("dfile", -1), ("_id", 1)], "sort with _id last: %r" % d["sort"])
    check(d["projection"] == {"sta": 1, "dfile": 1}, "projection: %r" % d["projection"])
    check(d["limit"] == 5 and d["skip"] == 2, "limit/skip: %r" % d)
    docs = [{"_id": ObjectId("%024x" % k), "sta": "ANMO", "dfile": "f%d" % k} for k in range(3)]
    req.replies({"cursor": {"id": 42, "ns": "seis.wf_miniseed", "firstBatch": docs[:2]}})
    req = expect(server, "getMore")
    check(req.doc["getMore"] == 42 and req.doc["collection"] == "wf_miniseed", "getMore: %r" % req.doc)
    req.replies({"cursor": {"id": 0, "ns": "seis.wf_miniseed", "nextBatch": docs[2:]}})
    rc, out, err = finish(p)
    check(rc == 0, "msquery rc %d: %s" % (rc, err))
    lines = out.splitlines()
    check(len(lines) == 3, "3 documents over 2 batches: %r" % out)
    check(json.loads(lines[2]) == {"_id": {"$oid": "%024x" % 2}, "sta": "ANMO", "dfile": "f2"}, lines[2])
    check(err == "", "nothing on stderr: %r" % err)

elif scenario == "count":
    server, uri = start()
    p = spawn(["msquery", "--db", uri, "wf_miniseed", '{"sta": "ANMO"}', "--count"])
    req = expect(server, "aggregate")
    pipe = req.doc["pipeline"]
    check(req.doc["aggregate"] == "wf_miniseed", "%r" % req.doc)
    check(pipe[0] == {"$match": {"sta": "ANMO"}}, "count pipeline: %r" % pipe)
    check(any("$group" in s for s in pipe), "count pipeline groups: %r" % pipe)
    req.replies({"cursor": {"id": 0, "ns": "seis.wf_miniseed", "firstBatch": [{"_id": 1, "n": 1234}]}})
    rc, out, err = finish(p)
    check(rc == 0 and out == "1234\n", "count output %r rc %d %s" % (out, rc, err))

elif scenario == "distinct":
    server, uri = start()
    p = spawn(["msquery", "--db", uri, "site", '{"net": "IU"}', "--distinct", "sta"])
    req = expect(server, "distinct")
    check(req.doc["distinct"] == "site" and req.doc["key"] == "sta" and req.doc["query"] == {"net": "IU"},
          "distinct: %r" % req.doc)
    req.replies({"values": ["PFO", "ANMO", 5, "COR", None]})
    rc, out, err = finish(p)
    check(rc == 0, "rc %d %s" % (rc, err))
    check(out.splitlines() == ["null", "5", '"ANMO"', '"COR"', '"PFO"'], "distinct in MongoDB order: %r" % out)

elif scenario == "insert":
    server, uri = start()
    lines = "".join('{"sta": "S%d", "npts": %d}\n' % (i, i) for i in range(5))
    p = spawn(["msdb", "--db", uri, "import", "wf_TimeSeries", "--batch", "2"], lines)
    sizes = []
    for _ in range(3):
        req = expect(server, "insert")
        check(req.doc["insert"] == "wf_TimeSeries" and req.doc["ordered"] is True, "insert: %r" % req.doc)
        docs = req.docs if hasattr(req, "docs") and req.docs and "documents" not in req.doc else req.doc["documents"]
        sizes.append(len(docs))
        for d in docs:
            check(isinstance(d["_id"], ObjectId) and list(d.keys())[0] == "_id", "each document gets an _id first: %r" % d)
        req.replies({"n": len(docs)})
    rc, out, err = finish(p)
    check(rc == 0, "rc %d %s" % (rc, err))
    check(sizes == [2, 2, 1], "batches of 2: %r" % sizes)

elif scenario == "duplicate":
    server, uri = start()
    lines = "".join('{"i": %d}\n' % i for i in range(3))
    p = spawn(["msdb", "--db", uri, "import", "wf_TimeSeries"], lines)
    req = expect(server, "insert")
    docs = req.doc["documents"]
    check(len(docs) == 3, "one batch of 3")
    first = docs[0]["_id"]
    req.replies({"n": 1, "writeErrors": [{"index": 1, "code": 11000,
                                          "errmsg": "E11000 duplicate key error collection: seis.wf_TimeSeries"}]})
    req = expect(server, "delete")
    dels = req.doc["deletes"]
    check(len(dels) == 1 and dels[0]["q"] == {"_id": {"$in": [first]}} and dels[0]["limit"] == 0,
          "the written part of the batch is deleted again: %r" % dels)
    req.replies({"n": 1})
    rc, out, err = finish(p)
    check(rc == 1, "duplicate key: rc %d" % rc)
    check("duplicate key" in err, "message: %r" % err)

elif scenario == "hangup":
    server, uri = start()
    p = spawn(["msquery", "--db", uri, "wf_miniseed"])
    req = expect(server, "find")
    docs = [{"_id": ObjectId("%024x" % k), "k": k} for k in range(2)]
    req.replies({"cursor": {"id": 77, "ns": "seis.wf_miniseed", "firstBatch": docs}})
    req = expect(server, "getMore")
    req.hangup()
    rc, out, err = finish(p)
    check(rc == 1, "a hang-up mid-cursor is an error: rc %d" % rc)
    check(len(out.splitlines()) == 2, "the first batch was printed: %r" % out)
    check(err.startswith("msquery: ") and "query" in err, "message: %r" % err)

elif scenario == "refused":
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = spawn(["msquery", "--db", "mongodb://127.0.0.1:%d/seis" % port, "wf_miniseed"])
    rc, out, err = finish(p)
    check(rc == 1 and "cannot reach the MongoDB server" in err, "refused: rc %d %r" % (rc, err))
    # a password in the URI is never shown
    p = spawn(["msquery", "--db", "mongodb://user:s3cret@127.0.0.1:%d/seis" % port, "wf_miniseed"])
    rc, out, err = finish(p)
    check(rc == 1 and "s3cret" not in err, "password masked: %r" % err)

elif scenario == "error":
    server, uri = start()
    p = spawn(["msquery", "--db", uri, "wf_miniseed", '{"a": 1}'])
    req = expect(server, "find")
    req.command_err(code=2, errmsg="bad things")
    rc, out, err = finish(p)
    check(rc == 1 and "bad things" in err, "server error: rc %d %r" % (rc, err))

else:
    sys.exit("unknown scenario " + scenario)
print("ok " + scenario)
