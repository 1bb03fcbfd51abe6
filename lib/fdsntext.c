/*
 * fdsntext.c - the FDSN web services' text formats -> MsPASS documents.
 *
 * Station text, channel level (17 columns) or station level (8 columns), gives
 * the same site and channel documents as the StationXML it was made from
 * (msp_inventory.h); columns are found by their header names, so column
 * order and extra columns do not matter.  The text has no station epoch:
 * a site spans its channels (earliest start, latest end).
 * Event text (#EventID|Time|Latitude|Longitude|Depth/km|...|MagType|
 * Magnitude|...) gives source documents.
 */
#include "msp_inventory.h"
#include "msp_parse.h"
#include "msp_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAXF 32

/* Split one line (not NUL-terminated) into trimmed, NUL-terminated fields
 * in out (a copy).  Returns the field count, or -1 for too many fields. */
static int split(const char *line, size_t len, char *copy, char **f)
{
	memcpy(copy, line, len);
	copy[len] = 0;
	if (len && copy[len - 1] == '\r')
		copy[--len] = 0;
	int n = 0;
	char *p = copy;
	for (;;) {
		if (n == MAXF)
			return -1;
		char *bar = strchr(p, '|');
		if (bar)
			*bar = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t m = strlen(p);
		while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			p[--m] = 0;
		f[n++] = p;
		if (!bar)
			break;
		p = bar + 1;
	}
	return n;
}

static int col(char **h, int nh, const char *name)
{
	for (int i = 0; i < nh; i++)
		if (!strcasecmp(h[i], name))
			return i;
	return -1;
}

/* A number field: NAN when empty; -1 when not a number. */
static int num(const char *s, double *out)
{
	*out = NAN;
	if (!*s)
		return 0;
	return msp_parse_double(s, out) == 0 ? 0 : -1;
}

static int tim(const char *s, double *out)
{
	*out = NAN;
	if (!*s)
		return 0;
	return msp_parse_time(s, out) == 0 ? 0 : -1;
}

typedef struct line_iter {
	const char *p, *end;
	int lineno;
} line_iter;

/* Next non-blank line; 0 at the end. */
static int next_line(line_iter *it, const char **s, size_t *len)
{
	while (it->p < it->end) {
		const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
		const char *e = nl ? nl : it->end;
		*s = it->p;
		*len = (size_t)(e - it->p);
		it->p = nl ? nl + 1 : it->end;
		it->lineno++;
		size_t k = 0;
		while (k < *len && ((*s)[k] == ' ' || (*s)[k] == '\t' || (*s)[k] == '\r'))
			k++;
		if (k < *len)
			return 1;
	}
	return 0;
}

typedef struct site_acc {
	char net[16], sta[16], loc[16];
	double lat, lon, elev, depth, start, end;
} site_acc;

int msp_fdsn_station_text_parse(const char *buf, size_t len, msp_docs *site,
				msp_docs *channel, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = 0;
	line_iter it = {buf, buf + len, 0};
	const char *s;
	size_t l;
	char *hcopy = NULL, *copy = NULL, *h[MAXF], *f[MAXF];
	int nh = 0, rc = MSP_OK;
	site_acc *acc = NULL;
	size_t nacc = 0, cap = 0;

	if (!next_line(&it, &s, &l) || s[0] != '#') {
		snprintf(err, errlen, "FDSN station text: no #Network|Station|... header");
		return MSP_ERR_FORMAT;
	}
	hcopy = malloc(l + 1);
	copy = malloc(len + 1);
	if (!hcopy || !copy) {
		free(hcopy);
		free(copy);
		return MSP_ERR_NOMEM;
	}
	nh = split(s + 1, l - 1, hcopy, h);
	int cn = col(h, nh, "Network"), cs = col(h, nh, "Station"), cl = col(h, nh, "Location"),
	    cc = col(h, nh, "Channel"), clat = col(h, nh, "Latitude"), clon = col(h, nh, "Longitude"),
	    cel = col(h, nh, "Elevation"), cd = col(h, nh, "Depth"), caz = col(h, nh, "Azimuth"),
	    cdip = col(h, nh, "Dip"), cst = col(h, nh, "StartTime"), cet = col(h, nh, "EndTime");
	int chan_level = cc >= 0;
	if (nh < 0 || cn < 0 || cs < 0 || clat < 0 || clon < 0 || cel < 0 ||
	    (chan_level && cl < 0)) {
		snprintf(err, errlen, "FDSN station text: header lacks Network, Station, "
			 "Location, Latitude, Longitude or Elevation");
		rc = MSP_ERR_FORMAT;
	}
	while (rc == MSP_OK && next_line(&it, &s, &l)) {
		if (s[0] == '#')
			continue;
		int n = split(s, l, copy, f);
		if (n != nh) {
			snprintf(err, errlen, "FDSN station text line %d: %d fields, header has %d",
				 it.lineno, n, nh);
			rc = MSP_ERR_FORMAT;
			break;
		}
		double lat, lon, elev, depth = NAN, az = NAN, dip = NAN, st = NAN, et = NAN;
		const char *loc = chan_level ? f[cl] : "";
		if (!strcmp(loc, "--"))
			loc = "";
		int bad = !f[cn][0] || !f[cs][0] || (chan_level && !f[cc][0]) ||
			  num(f[clat], &lat) || num(f[clon], &lon) || num(f[cel], &elev) ||
			  !isfinite(lat) || !isfinite(lon) || !isfinite(elev) ||
			  lat < -90 || lat > 90 || lon < -180 || lon > 360 ||
			  (cd >= 0 && num(f[cd], &depth)) || (caz >= 0 && num(f[caz], &az)) ||
			  (cdip >= 0 && num(f[cdip], &dip)) || (cst >= 0 && tim(f[cst], &st)) ||
			  (cet >= 0 && tim(f[cet], &et)) || strlen(f[cn]) >= 16 ||
			  strlen(f[cs]) >= 16 || strlen(loc) >= 16;
		if (bad) {
			snprintf(err, errlen, "FDSN station text line %d: missing or bad value", it.lineno);
			rc = MSP_ERR_FORMAT;
			break;
		}
		if (chan_level) {
			rc = msp_docs_push(channel, msp_channel_doc(f[cn], f[cs], loc, f[cc], lat, lon,
								    elev, depth, az, dip, st, et));
			if (rc)
				break;
		}
		/* Sites: first channel's position, span of all the channels. */
		size_t k;
		for (k = 0; k < nacc; k++)
			if (!strcmp(acc[k].net, f[cn]) && !strcmp(acc[k].sta, f[cs]) &&
			    !strcmp(acc[k].loc, loc))
				break;
		double s0 = isfinite(st) ? st : 0.0, e0 = isfinite(et) ? et : MSP_OPEN_END;
		if (k == nacc) {
			if (nacc == cap) {
				size_t nc = cap ? 2 * cap : 8;
				site_acc *p = realloc(acc, nc * sizeof *p);
				if (!p) {
					rc = MSP_ERR_NOMEM;
					break;
				}
				acc = p;
				cap = nc;
			}
			site_acc *a = &acc[nacc++];
			snprintf(a->net, sizeof a->net, "%s", f[cn]);
			snprintf(a->sta, sizeof a->sta, "%s", f[cs]);
			snprintf(a->loc, sizeof a->loc, "%s", loc);
			a->lat = lat; a->lon = lon; a->elev = elev;
			a->depth = isfinite(depth) ? depth : 0.0;
			a->start = s0; a->end = e0;
		} else {
			if (s0 < acc[k].start) acc[k].start = s0;
			if (e0 > acc[k].end) acc[k].end = e0;
		}
	}
	for (size_t k = 0; k < nacc && rc == MSP_OK; k++)
		rc = msp_docs_push(site, msp_site_doc(acc[k].net, acc[k].sta, acc[k].loc, acc[k].lat,
						      acc[k].lon, acc[k].elev, acc[k].depth,
						      acc[k].start, acc[k].end));
	free(acc);
	free(hcopy);
	free(copy);
	return rc;
}

int msp_fdsn_event_text_parse(const char *buf, size_t len, msp_docs *source,
			      char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = 0;
	line_iter it = {buf, buf + len, 0};
	const char *s;
	size_t l;
	char *h[MAXF], *f[MAXF];
	if (!next_line(&it, &s, &l) || s[0] != '#') {
		snprintf(err, errlen, "FDSN event text: no #EventID|Time|... header");
		return MSP_ERR_FORMAT;
	}
	char *hcopy = malloc(l + 1), *copy = malloc(len + 1);
	if (!hcopy || !copy) {
		free(hcopy);
		free(copy);
		return MSP_ERR_NOMEM;
	}
	int rc = MSP_OK;
	int nh = split(s + 1, l - 1, hcopy, h);
	int cid = col(h, nh, "EventID"), ct = col(h, nh, "Time"), clat = col(h, nh, "Latitude"),
	    clon = col(h, nh, "Longitude"), cd = col(h, nh, "Depth/km"),
	    cmt = col(h, nh, "MagType"), cm = col(h, nh, "Magnitude");
	if (nh < 0 || ct < 0 || clat < 0 || clon < 0) {
		snprintf(err, errlen, "FDSN event text: header lacks Time, Latitude or Longitude");
		rc = MSP_ERR_FORMAT;
	}
	while (rc == MSP_OK && next_line(&it, &s, &l)) {
		if (s[0] == '#')
			continue;
		int n = split(s, l, copy, f);
		/* EventLocationName may itself hold a '|': accept extra fields. */
		if (n < nh) {
			snprintf(err, errlen, "FDSN event text line %d: %d fields, header has %d",
				 it.lineno, n, nh);
			rc = MSP_ERR_FORMAT;
			break;
		}
		double t, lat, lon, depth = NAN, mag = NAN;
		if (tim(f[ct], &t) || !isfinite(t) || num(f[clat], &lat) || num(f[clon], &lon) ||
		    !isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 ||
		    lon > 360 || (cd >= 0 && num(f[cd], &depth)) || (cm >= 0 && num(f[cm], &mag))) {
			snprintf(err, errlen, "FDSN event text line %d: missing or bad value", it.lineno);
			rc = MSP_ERR_FORMAT;
			break;
		}
		rc = msp_docs_push(source, msp_source_doc(lat, lon, isfinite(depth) ? depth : 0.0, t,
							  mag, cmt >= 0 ? f[cmt] : "",
							  cid >= 0 ? f[cid] : NULL));
	}
	free(hcopy);
	free(copy);
	return rc;
}
