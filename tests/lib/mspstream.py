#!/usr/bin/python3
"""mspstream.py - an independent Python reading of the record stream format
(man/man5/mspipe.5), for tests: write records from scratch, list the frames
of a stream, and damage streams in known ways.

  mspstream.py golden OUT             write the golden stream (see golden())
  mspstream.py base OUT               three plain records (see base())
  mspstream.py frames IN              one line per frame: kind offset length
  mspstream.py cut IN OUT BYTES       keep the first BYTES bytes
  mspstream.py flip IN OUT OFFSET     invert the byte at OFFSET
  mspstream.py u16 IN OUT OFFSET V    store V little-endian at OFFSET (no CRC fix)
  mspstream.py drop IN OUT INDEX      remove frame INDEX (0-based) whole
  mspstream.py poke IN OUT OFFSET V   store byte V at OFFSET and make the record
                                      frame's checksums right again (damage that
                                      only a check of the contents can see)
"""
import struct
import sys

_T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _T.append(c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ _T[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


def bson_doc(items):
    """A BSON document from (key, value) pairs: str, float, int (int64), dict."""
    body = b""
    for k, v in items:
        key = k.encode() + b"\0"
        if isinstance(v, bool):
            body += b"\x08" + key + (b"\x01" if v else b"\x00")
        elif isinstance(v, str):
            s = v.encode() + b"\0"
            body += b"\x02" + key + struct.pack("<i", len(s)) + s
        elif isinstance(v, float):
            body += b"\x01" + key + struct.pack("<d", v)
        elif isinstance(v, int):
            body += b"\x12" + key + struct.pack("<q", v)
        elif isinstance(v, dict):
            body += b"\x03" + key + bson_doc(list(v.items()))
        else:
            raise TypeError(v)
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def record(kind, t0, dt, samples, meta=(), elog=(), history=(), live=True, utc=True,
           t0shift=0.0, shift_valid=False, dropped=0):
    npts = len(samples) // kind
    flags = (1 if live else 0) | (2 if utc else 0) | (4 if shift_valid else 0)
    m, e, h = bson_doc(list(meta)), bson_doc(list(elog)), bson_doc(list(history))
    head = b"MSPR" + struct.pack("<HHII", 1, kind, flags, len(m))
    head += struct.pack("<dddQIII", t0, dt, t0shift, npts, len(e), len(h), dropped)
    assert len(head) == 60
    head += struct.pack("<I", crc32c(head))
    payload = m + e + h + struct.pack("<%dd" % len(samples), *samples)
    return head + payload + struct.pack("<I", crc32c(payload))


def endmark(n):
    mark = b"MSPE" + struct.pack("<HHQI", 1, 0, n, 0)
    assert len(mark) == 20
    return mark + struct.pack("<I", crc32c(mark))


def golden():
    """Two records and an end mark: the values msinfo must print."""
    r1 = record(1, 1299822383.25, 0.5, [0.0, -1.5, 2.25, 1e-300, 12345678.875],
                meta=[("net", "IU"), ("sta", "ANMO"), ("snr", 12.5), ("n", 7)])
    r2 = record(3, -2.0, 0.25, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], live=False, utc=False,
                t0shift=1299822383.0, shift_valid=True,
                meta=[("sta", "COR")],
                elog=[("0", {"algorithm": "test", "message": "bad", "severity": "Invalid",
                             "pid": 1})],
                history=[("0", {"tool": "msx", "args": "-a"})])
    return r1 + r2 + endmark(2)


def base():
    """Three live TimeSeries records of 120 samples each and an end mark."""
    out = b""
    for i in range(3):
        out += record(1, 1299822383.0 + 10 * i, 0.1, [float(k - 60) for k in range(120)],
                      meta=[("net", "XX"), ("sta", "BASE"), ("chan", "BHZ"), ("index", i)])
    return out + endmark(3)


def frames(data):
    off, out = 0, []
    while off < len(data):
        if data[off:off + 4] == b"MSPE":
            out.append(("end", off, 24))
            off += 24
            continue
        kind, = struct.unpack_from("<H", data, off + 6)
        ml, = struct.unpack_from("<I", data, off + 12)
        npts, el, hl = struct.unpack_from("<QII", data, off + 40)
        n = 64 + ml + el + hl + 8 * kind * npts + 4
        out.append(("record", off, n))
        off += n
    return out


def main(a):
    if a[0] in ("golden", "base"):
        open(a[1], "wb").write(golden() if a[0] == "golden" else base())
        return
    data = bytearray(open(a[1], "rb").read())
    if a[0] == "frames":
        for k, o, n in frames(bytes(data)):
            print(k, o, n)
        return
    if a[0] == "cut":
        data = data[:int(a[3])]
    elif a[0] == "flip":
        data[int(a[3])] ^= 0xFF
    elif a[0] == "u16":
        struct.pack_into("<H", data, int(a[3]), int(a[4]))
    elif a[0] == "drop":
        k, o, n = frames(bytes(data))[int(a[3])]
        del data[o:o + n]
    elif a[0] == "poke":
        at = int(a[3])
        for k, o, n in frames(bytes(data)):
            if k == "record" and o <= at < o + n:
                data[at] = int(a[4], 0)
                struct.pack_into("<I", data, o + 60, crc32c(bytes(data[o:o + 60])))
                struct.pack_into("<I", data, o + n - 4, crc32c(bytes(data[o + 64:o + n - 4])))
                break
        else:
            sys.exit("mspstream.py: offset %d is not in a record" % at)
    else:
        sys.exit("mspstream.py: unknown command " + a[0])
    open(a[2], "wb").write(bytes(data))


if __name__ == "__main__":
    main(sys.argv[1:])
