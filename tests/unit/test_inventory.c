/*
 * test_inventory.c - StationXML, QuakeML and FDSN text parsers and the file
 * kind detection.  Real files in ../shared/data: the documents carry the
 * values their XML says (expected times computed with glibc's timegm, not
 * with our parser), and the derived .txt files give the same documents as the
 * XML.  Small hand-written documents cover every refusal.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "msp_inventory.h"
#include "msp_status.h"

static double utc(int y, int mo, int d, int h, int mi, double s)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d;
	tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = 0;
	return (double)timegm(&tm) + s;
}

static char *slurp(const char *rel, size_t *len)
{
	const char *data = getenv("MSPIPE_DATA");
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", data ? data : "../shared/data", rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = 0;
	fclose(f);
	return b;
}

static double dget(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_DOUBLE(&it) ? bson_iter_double(&it) : NAN;
}

static const char *sget(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, NULL) : "";
}

static const bson_t *find_chan(const msp_docs *d, const char *net, const char *sta,
			       const char *loc, const char *chan)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(sget(d->doc[i], "net"), net) && !strcmp(sget(d->doc[i], "sta"), sta) &&
		    !strcmp(sget(d->doc[i], "loc"), loc) && !strcmp(sget(d->doc[i], "chan"), chan))
			return d->doc[i];
	return NULL;
}

static int have_data;

static void test_stationxml(msp_docs *site, msp_docs *chan)
{
	static const char *files[] = {"stations/IV.BOB.stationxml.xml", "stations/II.PFO.stationxml.xml",
				      "stations/CX.PB01.stationxml.xml"};
	char err[256];
	for (int i = 0; i < 3; i++) {
		size_t len;
		char *b = slurp(files[i], &len);
		if (!b) {
			ok(1, "# SKIP no real data (%s)", files[i]);
			continue;
		}
		have_data = 1;
		is(msp_detect_kind((uint8_t *)b, len), MSP_KIND_STATIONXML, "%s detected as StationXML", files[i]);
		is(msp_stationxml_parse(b, len, site, chan, err, sizeof err), MSP_OK, "%s parses %s", files[i], err);
		free(b);
	}
	if (!have_data)
		return;
	is(site->n, 4, "4 site documents (IV.BOB, II.PFO.00, II.PFO.10, CX.PB01)");
	is(chan->n, 8, "8 channel documents");
	const bson_t *c = find_chan(chan, "IV", "BOB", "", "BHE");
	ok(c != NULL, "IV.BOB..BHE present");
	if (c) {
		near(dget(c, "lat"), 44.76792, 0, "IV.BOB lat");
		near(dget(c, "lon"), 9.44782, 0, "IV.BOB lon");
		near(dget(c, "elev"), 0.910, 1e-12, "IV.BOB elev 910 m -> 0.910 km");
		near(dget(c, "edepth"), 0, 0, "IV.BOB edepth");
		near(dget(c, "hang"), 90, 0, "BHE hang = azimuth 90");
		near(dget(c, "vang"), 90, 0, "BHE vang = dip 0 + 90");
		near(dget(c, "starttime"), utc(2003, 7, 25, 0, 0, 0), 0, "BHE epoch start 2003-07-25");
		near(dget(c, "endtime"), MSP_OPEN_END, 0, "open epoch ends 2051-01-01");
		near(MSP_OPEN_END, utc(2051, 1, 1, 0, 0, 0), 0, "MSP_OPEN_END is 2051-01-01");
	}
	c = find_chan(chan, "IV", "BOB", "", "BHZ");
	if (c) {
		near(dget(c, "vang"), 0, 0, "BHZ vang = dip -90 + 90 = 0 (up)");
		near(dget(c, "hang"), 0, 0, "BHZ hang 0");
	}
	c = find_chan(chan, "II", "PFO", "00", "BHZ");
	ok(c != NULL, "II.PFO.00.BHZ present");
	if (c) {
		near(dget(c, "elev"), 1.280, 1e-12, "PFO elev km");
		near(dget(c, "edepth"), 5.3, 0, "PFO edepth 5.3 m");
		near(dget(c, "starttime"), utc(2010, 7, 30, 18, 50, 0), 0, "PFO.00 start");
		near(dget(c, "endtime"), utc(2012, 7, 2, 3, 59, 59), 0, "PFO.00 end 2012-07-02T03:59:59");
	}
	c = find_chan(chan, "CX", "PB01", "", "BHN");
	if (c) {
		near(dget(c, "lat"), -21.04323, 0, "PB01 lat");
		near(dget(c, "starttime"), utc(2006, 2, 21, 0, 0, 0), 0, "PB01 start (+00:00 form)");
	}
	int bob_site = 0;
	for (size_t i = 0; i < site->n; i++)
		if (!strcmp(sget(site->doc[i], "sta"), "BOB")) {
			bob_site++;
			near(dget(site->doc[i], "starttime"), utc(2003, 3, 1, 0, 0, 0), 0,
			     "site epoch is the station's (2003-03-01)");
			ok(!strcmp(sget(site->doc[i], "loc"), ""), "site loc written as empty string");
			bson_iter_t it, sub;
			ok(bson_iter_init_find(&it, site->doc[i], "location") &&
			   BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &sub) &&
			   bson_iter_find(&sub, "type") && !strcmp(bson_iter_utf8(&sub, NULL), "Point"),
			   "site has a GeoJSON location");
		}
	is(bob_site, 1, "one IV.BOB site");
}

static void test_station_text(const msp_docs *xsite, const msp_docs *xchan)
{
	size_t len;
	char *b = slurp("stations/channels.derived.fdsn-station.txt", &len);
	if (!b)
		return;
	msp_docs site, chan;
	msp_docs_init(&site);
	msp_docs_init(&chan);
	char err[256];
	is(msp_detect_kind((uint8_t *)b, len), MSP_KIND_FDSN_STATION_TEXT, "station text detected");
	is(msp_fdsn_station_text_parse(b, len, &site, &chan, err, sizeof err), MSP_OK, "station text parses %s", err);
	is(chan.n, xchan->n, "text gives as many channels as the XML");
	is(site.n, xsite->n, "and as many sites");
	int same = 0;
	static const char *keys[] = {"lat", "lon", "elev", "edepth", "hang", "vang", "starttime", "endtime"};
	for (size_t i = 0; i < chan.n; i++) {
		const bson_t *t = chan.doc[i];
		const bson_t *x = find_chan(xchan, sget(t, "net"), sget(t, "sta"), sget(t, "loc"), sget(t, "chan"));
		int eq = x != NULL;
		for (size_t k = 0; eq && k < sizeof keys / sizeof *keys; k++)
			eq = dget(t, keys[k]) == dget(x, keys[k]);
		if (!eq)
			printf("# differs: %s.%s.%s.%s\n", sget(t, "net"), sget(t, "sta"), sget(t, "loc"), sget(t, "chan"));
		same += eq;
	}
	is(same, chan.n, "every text channel equals its XML channel on the MsPASS keys");
	msp_docs_free(&site);
	msp_docs_free(&chan);
	free(b);
}

static void test_quakeml(msp_docs *src)
{
	static const char *files[] = {"events/tohoku_2011-03-11.quakeml.xml",
				      "events/CX.PB01_13events_2011.quakeml.xml"};
	char err[256];
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *b = slurp(files[i], &len);
		if (!b)
			return;
		is(msp_detect_kind((uint8_t *)b, len), MSP_KIND_QUAKEML, "%s detected as QuakeML", files[i]);
		is(msp_quakeml_parse(b, len, src, err, sizeof err), MSP_OK, "%s parses %s", files[i], err);
		free(b);
	}
	is(src->n, 14, "14 events");
	const bson_t *t = src->n ? src->doc[0] : NULL;
	if (t) {
		near(dget(t, "lat"), 38.2963, 0, "Tohoku lat");
		near(dget(t, "lon"), 142.498, 0, "Tohoku lon");
		near(dget(t, "depth"), 19.7, 1e-12, "Tohoku depth 19700 m -> 19.7 km");
		near(dget(t, "time"), utc(2011, 3, 11, 5, 46, 23.2), 1e-6, "Tohoku origin time");
		near(dget(t, "magnitude"), 9.1, 0, "Tohoku Mw 9.1");
		ok(!strcmp(sget(t, "magnitude_type"), "MW"), "magnitude_type MW");
		ok(!strcmp(sget(t, "event_id"), "3279407"), "event_id 3279407");
	}
	if (src->n == 14) {
		const bson_t *e = src->doc[13];
		ok(!strcmp(sget(e, "event_id"), "3277104"), "last event 3277104");
		near(dget(e, "time"), utc(2011, 1, 31, 6, 3, 26.33), 1e-6, "3277104 time");
		near(dget(e, "depth"), 69.3, 1e-12, "3277104 depth km");
	}
}

static void test_event_text(const msp_docs *xsrc)
{
	size_t len;
	char *b = slurp("events/events.derived.fdsn-event.txt", &len);
	if (!b)
		return;
	msp_docs src;
	msp_docs_init(&src);
	char err[256];
	is(msp_detect_kind((uint8_t *)b, len), MSP_KIND_FDSN_EVENT_TEXT, "event text detected");
	is(msp_fdsn_event_text_parse(b, len, &src, err, sizeof err), MSP_OK, "event text parses %s", err);
	is(src.n, xsrc->n, "as many events as the QuakeML");
	int same = 0;
	for (size_t i = 0; i < src.n && i < xsrc->n; i++) {
		const bson_t *t = src.doc[i], *x = xsrc->doc[i];
		same += !strcmp(sget(t, "event_id"), sget(x, "event_id")) &&
			fabs(dget(t, "time") - dget(x, "time")) < 1e-6 &&
			dget(t, "lat") == dget(x, "lat") && dget(t, "lon") == dget(x, "lon") &&
			fabs(dget(t, "depth") - dget(x, "depth")) < 1e-9 &&
			dget(t, "magnitude") == dget(x, "magnitude") &&
			!strcmp(sget(t, "magnitude_type"), sget(x, "magnitude_type"));
	}
	is(same, src.n, "every text event equals its QuakeML event");
	msp_docs_free(&src);
	free(b);
}

static int sx(const char *xml, size_t *nsite, size_t *nchan, char *err)
{
	msp_docs s, c;
	msp_docs_init(&s);
	msp_docs_init(&c);
	int rc = msp_stationxml_parse(xml, strlen(xml), &s, &c, err, 256);
	*nsite = s.n;
	*nchan = c.n;
	msp_docs_free(&s);
	msp_docs_free(&c);
	return rc;
}

static int qx(const char *xml, char *err)
{
	msp_docs s;
	msp_docs_init(&s);
	int rc = msp_quakeml_parse(xml, strlen(xml), &s, err, 256);
	msp_docs_free(&s);
	return rc;
}

static void test_refusals(void)
{
	char err[256];
	size_t ns, nc;
#define SXML(body) "<FDSNStationXML xmlns=\"http://www.fdsn.org/xml/station/1\"><Network code=\"XX\">" body "</Network></FDSNStationXML>"
#define CH(extra) "<Station code=\"S\"><Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation>" \
	"<Channel code=\"BHZ\" locationCode=\"\" startDate=\"2010-01-01T00:00:00\">" extra "</Channel></Station>"
	is(sx(SXML(CH("<Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation><Depth>0</Depth>")), &ns, &nc, err),
	   MSP_OK, "minimal channel parses");
	is(nc, 1, "one channel");
	is(sx(SXML(CH("<Longitude>2</Longitude><Elevation>3</Elevation>")), &ns, &nc, err), MSP_ERR_FORMAT,
	   "channel without Latitude refused: %s", err);
	is(sx(SXML(CH("<Latitude>1x</Latitude><Longitude>2</Longitude><Elevation>3</Elevation>")), &ns, &nc, err),
	   MSP_ERR_FORMAT, "Latitude 1x refused: %s", err);
	is(sx(SXML(CH("<Latitude>91</Latitude><Longitude>2</Longitude><Elevation>3</Elevation>")), &ns, &nc, err),
	   MSP_ERR_FORMAT, "Latitude 91 refused: %s", err);
	is(sx(SXML("<Station code=\"S\" startDate=\"yesterday\"><Latitude>1</Latitude></Station>"), &ns, &nc, err),
	   MSP_ERR_FORMAT, "bad startDate refused: %s", err);
	is(sx(SXML("<Station code=\"S\"><Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation></Station>"),
	      &ns, &nc, err), MSP_OK, "station-level StationXML parses");
	is(ns, 1, "station-level: one site");
	is(sx("<FDSNStationXML><Network code=\"XX\">", &ns, &nc, err), MSP_ERR_FORMAT, "cut XML refused: %s", err);
	is(sx("<quakeml/>", &ns, &nc, err), MSP_ERR_FORMAT, "QuakeML is not StationXML: %s", err);
	is(sx("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><FDSNStationXML><Network code=\"&e;\"/></FDSNStationXML>",
	      &ns, &nc, err), MSP_ERR_FORMAT, "external entity not loaded: %s", err);

#define QML(ev) "<q:quakeml xmlns:q=\"http://quakeml.org/xmlns/quakeml/1.2\" xmlns=\"http://quakeml.org/xmlns/bed/1.2\"><eventParameters>" ev "</eventParameters></q:quakeml>"
	is(qx(QML("<event publicID=\"x\"><origin><time><value>2011-01-01T00:00:00Z</value></time>"
		  "<latitude><value>1</value></latitude><longitude><value>2</value></longitude></origin></event>"), err),
	   MSP_OK, "event without depth or magnitude parses");
	is(qx(QML("<event publicID=\"x\"><magnitude><mag><value>5</value></mag></magnitude></event>"), err),
	   MSP_ERR_FORMAT, "event without origin refused: %s", err);
	is(qx(QML("<event><origin><time><value>soon</value></time><latitude><value>1</value></latitude>"
		  "<longitude><value>2</value></longitude></origin></event>"), err),
	   MSP_ERR_FORMAT, "bad origin time refused: %s", err);
	is(qx(QML("<event><origin><time><value>2011-01-01T00:00:00</value></time><latitude><value>1</value></latitude>"
		  "<longitude><value>2</value></longitude><depth><value>deep</value></depth></origin></event>"), err),
	   MSP_ERR_FORMAT, "bad depth refused: %s", err);

	msp_docs s, c;
	msp_docs_init(&s);
	msp_docs_init(&c);
	const char *t1 = "#Network|Station|Location|Channel|Latitude|Longitude|Elevation|Depth|Azimuth|Dip|SensorDescription|Scale|ScaleFreq|ScaleUnits|SampleRate|StartTime|EndTime\n"
			 "XX|S||BHZ|1|2|3|0|0|-90|x|1|1|M/S|20|2010-01-01T00:00:00|\n";
	is(msp_fdsn_station_text_parse(t1, strlen(t1), &s, &c, err, sizeof err), MSP_OK, "one-line station text");
	const char *t2 = "#Network|Station|Location|Channel|Latitude|Longitude|Elevation|Depth|Azimuth|Dip|SensorDescription|Scale|ScaleFreq|ScaleUnits|SampleRate|StartTime|EndTime\n"
			 "XX|S||BHZ|1|2|3|0|0|-90|x|1|1|M/S|20|2010-01-01T00:00:00\n";
	is(msp_fdsn_station_text_parse(t2, strlen(t2), &s, &c, err, sizeof err), MSP_ERR_FORMAT, "16 fields refused: %s", err);
	const char *t3 = "#Network|Station|Location|Channel|Latitude|Longitude|Elevation|Depth|Azimuth|Dip|SensorDescription|Scale|ScaleFreq|ScaleUnits|SampleRate|StartTime|EndTime\n"
			 "XX|S||BHZ|north|2|3|0|0|-90|x|1|1|M/S|20|2010-01-01T00:00:00|\n";
	is(msp_fdsn_station_text_parse(t3, strlen(t3), &s, &c, err, sizeof err), MSP_ERR_FORMAT, "bad latitude refused: %s", err);
	const char *t4 = "XX|S||BHZ|1|2|3|0|0|-90|x|1|1|M/S|20|2010-01-01T00:00:00|\n";
	is(msp_fdsn_station_text_parse(t4, strlen(t4), &s, &c, err, sizeof err), MSP_ERR_FORMAT, "no header refused: %s", err);
	const char *t5 = "#Network|Station|Latitude|Longitude|Elevation|SiteName|StartTime|EndTime\nXX|S|1|2|3|Somewhere|2010-01-01T00:00:00|\n";
	size_t before = s.n;
	is(msp_fdsn_station_text_parse(t5, strlen(t5), &s, &c, err, sizeof err), MSP_OK, "station-level text parses %s", err);
	is(s.n - before, 1, "station-level text: one site");
	msp_docs_free(&s);
	msp_docs_free(&c);

	msp_docs e;
	msp_docs_init(&e);
	const char *e1 = "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName\n"
			 "1|2011-01-01T00:00:00|1|2|10|a|||||||X\n";
	is(msp_fdsn_event_text_parse(e1, strlen(e1), &e, err, sizeof err), MSP_OK, "event without magnitude parses");
	bson_iter_t it;
	ok(e.n == 1 && !bson_iter_init_find(&it, e.doc[0], "magnitude"), "no magnitude key then");
	const char *e2 = "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName\n"
			 "1|2011-13-01T00:00:00|1|2|10|a|||||||X\n";
	is(msp_fdsn_event_text_parse(e2, strlen(e2), &e, err, sizeof err), MSP_ERR_FORMAT, "month 13 refused: %s", err);
	const char *e3 = "#EventID|Time|Latitude|Longitude|Depth/km\n1|2011-01-01T00:00:00|1\n";
	is(msp_fdsn_event_text_parse(e3, strlen(e3), &e, err, sizeof err), MSP_ERR_FORMAT, "short line refused: %s", err);
	msp_docs_free(&e);

	is(msp_detect_kind((const uint8_t *)"hello world\n", 12), MSP_KIND_UNKNOWN, "plain text: unknown");
	is(msp_detect_kind((const uint8_t *)"<html></html>", 13), MSP_KIND_UNKNOWN, "HTML: unknown");
	is(msp_detect_kind((const uint8_t *)"", 0), MSP_KIND_UNKNOWN, "empty: unknown");
}

/* An input that looks like UCS-4 ("<" then three NUL bytes) and does not
 * convert: libxml2 printed "encoding error : input conversion failed ..."
 * on stderr (fuzz_stationxml, fuzz_quakeml); the library never prints. */
static void test_silent(void)
{
	static const char in[] = "<\0\0\0\0\0\0\0\0\0\0FDS=de><Longitude>2</Lon\x1f\x1f\x1f\x1f";
	fflush(stderr);
	int saved = dup(2);
	FILE *tmp = tmpfile();
	if (saved < 0 || !tmp || dup2(fileno(tmp), 2) < 0) {
		ok(0, "redirect stderr");
		return;
	}
	msp_docs site, chan, src;
	msp_docs_init(&site);
	msp_docs_init(&chan);
	msp_docs_init(&src);
	char e1[256] = "", e2[256] = "";
	int r1 = msp_stationxml_parse(in, sizeof in - 1, &site, &chan, e1, sizeof e1);
	int r2 = msp_quakeml_parse(in, sizeof in - 1, &src, e2, sizeof e2);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fseek(tmp, 0, SEEK_END);
	long printed = ftell(tmp);
	fclose(tmp);
	ok(r1 != MSP_OK && e1[0] && r2 != MSP_OK && e2[0], "UCS-4-looking input refused with a message: %s / %s", e1, e2);
	is(printed, 0, "nothing printed on stderr by the XML parsers");
	msp_docs_free(&site);
	msp_docs_free(&chan);
	msp_docs_free(&src);
}

int main(void)
{
	msp_docs site, chan, src;
	msp_docs_init(&site);
	msp_docs_init(&chan);
	msp_docs_init(&src);
	test_stationxml(&site, &chan);
	if (have_data) {
		test_station_text(&site, &chan);
		test_quakeml(&src);
		test_event_text(&src);
	}
	test_refusals();
	test_silent();
	msp_docs_free(&site);
	msp_docs_free(&chan);
	msp_docs_free(&src);
	return done_testing();
}
