#!/usr/bin/env python3
# gen-geo-ref.py - regenerate tests/unit/data/geo_ref.txt, the reference for
# tests/unit/test_geo.c: GeographicLib (Karney's algorithm, as ObsPy's
# gps2dist_azimuth uses when geographiclib is installed) on WGS84 and ObsPy's
# locations2degrees, at random point pairs (some nearly antipodal).  Run with
# the ObsPy venv plus geographiclib:
#   build/pyvenv/bin/pip install geographiclib
#   build/pyvenv/bin/python scripts/gen-geo-ref.py > tests/unit/data/geo_ref.txt
import random
import geographiclib
from geographiclib.geodesic import Geodesic
from obspy.geodetics import locations2degrees

rnd = random.Random(11)
print("# GeographicLib %s Geodesic.WGS84.Inverse and ObsPy locations2degrees" % geographiclib.__version__)
print("# lat1 lon1 lat2 lon2 s12_m azi1 baz(=azi2+180) degrees")
pts = []
for _ in range(300):
    pts.append((rnd.uniform(-90, 90), rnd.uniform(-180, 180), rnd.uniform(-90, 90), rnd.uniform(-180, 180)))
for _ in range(40):  # within a degree of the antipode
    a, b = rnd.uniform(-89, 89), rnd.uniform(-180, 180)
    pts.append((a, b, -a + rnd.uniform(-1, 1), b + 180 + rnd.uniform(-1, 1)))
for _ in range(30):  # nearly antipodal with the geodesic near a pole
    a, b = rnd.uniform(-80, 80), rnd.uniform(-180, 180)
    pts.append((a, b, -a + rnd.uniform(-0.05, 0.05), b + 180 + rnd.uniform(-0.05, 0.05)))
for _ in range(10):  # both on the equator, nearly antipodal
    b = rnd.uniform(-180, 180)
    pts.append((0, b, 0, b + rnd.choice((-1, 1)) * rnd.uniform(179.45, 180)))
pts.append((10, 0, -10, 180))
pts.append((45, 0, -45, 179.99))
for p in pts:
    p = tuple(round(v, 6) for v in p)
    g = Geodesic.WGS84.Inverse(*p)
    print("%.6f %.6f %.6f %.6f %.6f %.10f %.10f %.12f" % (p + (g["s12"], g["azi1"] % 360, (g["azi2"] + 180) % 360,
                                                           locations2degrees(*p))))
