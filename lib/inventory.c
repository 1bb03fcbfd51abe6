/*
 * inventory.c - what the metadata parsers share: the document list, the
 * site/channel/source document builders (MsPASS's keys and units in one
 * place, so StationXML and FDSN text cannot drift apart), and the detection
 * of a file's kind from its content.
 */
#include "msp_inventory.h"
#include "msp_mseed_index.h"
#include "msp_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void msp_docs_init(msp_docs *d)
{
	memset(d, 0, sizeof *d);
}

void msp_docs_free(msp_docs *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		bson_destroy(d->doc[i]);
	free(d->doc);
	memset(d, 0, sizeof *d);
}

int msp_docs_push(msp_docs *d, bson_t *doc)
{
	if (!doc)
		return MSP_ERR_NOMEM;
	if (d->n == d->cap) {
		size_t nc = d->cap ? 2 * d->cap : 16;
		bson_t **p = realloc(d->doc, nc * sizeof *p);
		if (!p) {
			bson_destroy(doc);
			return MSP_ERR_NOMEM;
		}
		d->doc = p;
		d->cap = nc;
	}
	d->doc[d->n++] = doc;
	return MSP_OK;
}

/* coords [lon, lat] and a GeoJSON point under key. */
static bool append_point(bson_t *d, const char *key, double lat, double lon)
{
	bson_t arr, pt, c;
	bool ok = BSON_APPEND_ARRAY_BEGIN(d, "coords", &arr);
	ok = ok && BSON_APPEND_DOUBLE(&arr, "0", lon) && BSON_APPEND_DOUBLE(&arr, "1", lat);
	ok = ok && bson_append_array_end(d, &arr);
	ok = ok && BSON_APPEND_DOCUMENT_BEGIN(d, key, &pt);
	ok = ok && BSON_APPEND_UTF8(&pt, "type", "Point");
	ok = ok && BSON_APPEND_ARRAY_BEGIN(&pt, "coordinates", &c);
	ok = ok && BSON_APPEND_DOUBLE(&c, "0", lon) && BSON_APPEND_DOUBLE(&c, "1", lat);
	ok = ok && bson_append_array_end(&pt, &c);
	ok = ok && bson_append_document_end(d, &pt);
	return ok;
}

static bson_t *site_keys(const char *net, const char *sta, const char *loc,
			 double lat, double lon, double elev_m, double edepth_m,
			 double start, double end)
{
	bson_t *d = bson_new();
	bool ok = BSON_APPEND_UTF8(d, "loc", loc ? loc : "");
	ok = ok && BSON_APPEND_UTF8(d, "net", net);
	ok = ok && BSON_APPEND_UTF8(d, "sta", sta);
	ok = ok && BSON_APPEND_DOUBLE(d, "lat", lat);
	ok = ok && BSON_APPEND_DOUBLE(d, "lon", lon);
	ok = ok && append_point(d, "location", lat, lon);
	ok = ok && BSON_APPEND_DOUBLE(d, "elev", elev_m / 1000.0);
	ok = ok && BSON_APPEND_DOUBLE(d, "edepth", isfinite(edepth_m) ? edepth_m : 0.0);
	ok = ok && BSON_APPEND_DOUBLE(d, "starttime", isfinite(start) ? start : 0.0);
	ok = ok && BSON_APPEND_DOUBLE(d, "endtime", isfinite(end) ? end : MSP_OPEN_END);
	if (!ok) {
		bson_destroy(d);
		return NULL;
	}
	return d;
}

bson_t *msp_site_doc(const char *net, const char *sta, const char *loc,
		     double lat, double lon, double elev_m, double edepth_m,
		     double start, double end)
{
	return site_keys(net, sta, loc, lat, lon, elev_m, edepth_m, start, end);
}

bson_t *msp_channel_doc(const char *net, const char *sta, const char *loc,
			const char *chan, double lat, double lon, double elev_m,
			double depth_m, double azimuth, double dip,
			double start, double end)
{
	bson_t *d = site_keys(net, sta, loc, lat, lon, elev_m, depth_m, start, end);
	if (!d)
		return NULL;
	bool ok = BSON_APPEND_UTF8(d, "chan", chan);
	/* StationXML dip is down from horizontal; vang (CSS3.0) is the angle
	 * from vertical up, hence +90. */
	if (isfinite(dip))
		ok = ok && BSON_APPEND_DOUBLE(d, "vang", dip + 90.0);
	if (isfinite(azimuth))
		ok = ok && BSON_APPEND_DOUBLE(d, "hang", azimuth);
	if (!ok) {
		bson_destroy(d);
		return NULL;
	}
	return d;
}

bson_t *msp_source_doc(double lat, double lon, double depth_km, double time,
		       double magnitude, const char *magnitude_type,
		       const char *event_id)
{
	bson_t *d = bson_new();
	bool ok = BSON_APPEND_DOUBLE(d, "lat", lat);
	ok = ok && BSON_APPEND_DOUBLE(d, "lon", lon);
	ok = ok && append_point(d, "epicenter", lat, lon);
	ok = ok && BSON_APPEND_DOUBLE(d, "depth", isfinite(depth_km) ? depth_km : 0.0);
	ok = ok && BSON_APPEND_DOUBLE(d, "time", time);
	if (isfinite(magnitude)) {
		ok = ok && BSON_APPEND_DOUBLE(d, "magnitude", magnitude);
		ok = ok && BSON_APPEND_UTF8(d, "magnitude_type", magnitude_type ? magnitude_type : "");
	}
	if (event_id && *event_id)
		ok = ok && BSON_APPEND_UTF8(d, "event_id", event_id);
	if (!ok) {
		bson_destroy(d);
		return NULL;
	}
	return d;
}

/* Case-insensitive search for needle in the first n bytes of hay. */
static int has(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (!strncasecmp((const char *)hay + i, needle, m))
			return 1;
	return 0;
}

int msp_detect_kind(const uint8_t *buf, size_t len)
{
	if (!buf || len == 0)
		return MSP_KIND_UNKNOWN;
	if (msp_mseed_detect(buf, len))
		return MSP_KIND_MSEED;
	size_t i = 0;
	if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
		i = 3; /* UTF-8 byte order mark */
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	size_t n = len - i < 65536 ? len - i : 65536;
	const uint8_t *p = buf + i;
	if (n > 0 && p[0] == '<') {
		/* The root element decides; look for its name near the top. */
		if (has(p, n, "<FDSNStationXML") || has(p, n, ":FDSNStationXML"))
			return MSP_KIND_STATIONXML;
		if (has(p, n, "<quakeml") || has(p, n, ":quakeml"))
			return MSP_KIND_QUAKEML;
		return MSP_KIND_UNKNOWN;
	}
	if (n > 0 && p[0] == '#') {
		size_t e = 0;
		while (e < n && p[e] != '\n')
			e++;
		if (has(p, e, "EventID") && has(p, e, "|"))
			return MSP_KIND_FDSN_EVENT_TEXT;
		if (has(p, e, "Network") && has(p, e, "Station") && has(p, e, "|"))
			return MSP_KIND_FDSN_STATION_TEXT;
	}
	return MSP_KIND_UNKNOWN;
}

const char *msp_kind_name(int kind)
{
	switch (kind) {
	case MSP_KIND_MSEED: return "miniseed";
	case MSP_KIND_STATIONXML: return "stationxml";
	case MSP_KIND_QUAKEML: return "quakeml";
	case MSP_KIND_FDSN_STATION_TEXT: return "fdsn-station-text";
	case MSP_KIND_FDSN_EVENT_TEXT: return "fdsn-event-text";
	}
	return "unknown";
}
