/*
 * stationxml.c - FDSN StationXML -> site and channel documents (MsPASS's
 * save_inventory, see msp_inventory.h).
 *
 * Like save_inventory, a site document is made per station epoch and per
 * location code found among its channels, with the position of the first
 * channel of that location and the station's epoch.  A station without
 * channels (a station-level file) gets one site with location "" and the
 * station's own position, so that such files load too.
 */
#include "msp_inventory.h"
#include "msp_status.h"
#include "xml_internal.h"

#include <stdlib.h>

typedef struct chan_info {
	char code[16], loc[16];
	double lat, lon, elev, depth, az, dip, start, end;
} chan_info;

static int bad(char *err, size_t errlen, const char *net, const char *sta,
	       const char *what)
{
	snprintf(err, errlen, "StationXML %s.%s: %s", net, sta, what);
	return MSP_ERR_FORMAT;
}

static int read_channel(const xmlNode *c, const char *net, const char *sta,
			chan_info *ci, char *err, size_t errlen)
{
	char t[64], msg[160];
	memset(ci, 0, sizeof *ci);
	mspx_attr(c, "code", ci->code, sizeof ci->code);
	mspx_attr(c, "locationCode", ci->loc, sizeof ci->loc);
	if (!ci->code[0])
		return bad(err, errlen, net, sta, "Channel without a code");
	if (mspx_attr(c, "startDate", t, sizeof t), mspx_time_str(t, &ci->start) < 0 ||
	    (mspx_attr(c, "endDate", t, sizeof t), mspx_time_str(t, &ci->end) < 0)) {
		snprintf(msg, sizeof msg, "channel %s.%s: bad startDate/endDate", ci->loc, ci->code);
		return bad(err, errlen, net, sta, msg);
	}
	static const char *names[] = {"Latitude", "Longitude", "Elevation", "Depth", "Azimuth", "Dip"};
	double *vals[] = {&ci->lat, &ci->lon, &ci->elev, &ci->depth, &ci->az, &ci->dip};
	for (int i = 0; i < 6; i++) {
		if (mspx_number(c, names[i], 0, vals[i]) < 0) {
			snprintf(msg, sizeof msg, "channel %s.%s: %s is not a number", ci->loc,
				 ci->code, names[i]);
			return bad(err, errlen, net, sta, msg);
		}
	}
	for (int i = 0; i < 3; i++) {
		if (!isfinite(*vals[i])) {
			snprintf(msg, sizeof msg, "channel %s.%s: no %s", ci->loc, ci->code, names[i]);
			return bad(err, errlen, net, sta, msg);
		}
	}
	if (ci->lat < -90 || ci->lat > 90 || ci->lon < -180 || ci->lon > 360) {
		snprintf(msg, sizeof msg, "channel %s.%s: position out of range", ci->loc, ci->code);
		return bad(err, errlen, net, sta, msg);
	}
	return MSP_OK;
}

static int do_station(const xmlNode *s, const char *net, msp_docs *site,
		      msp_docs *channel, char *err, size_t errlen)
{
	char sta[32], t[64];
	double start, end;
	mspx_attr(s, "code", sta, sizeof sta);
	if (!sta[0])
		return bad(err, errlen, net, "?", "Station without a code");
	if (mspx_attr(s, "startDate", t, sizeof t), mspx_time_str(t, &start) < 0)
		return bad(err, errlen, net, sta, "bad startDate");
	if (mspx_attr(s, "endDate", t, sizeof t), mspx_time_str(t, &end) < 0)
		return bad(err, errlen, net, sta, "bad endDate");

	size_t nch = 0, cap = 0;
	chan_info *ch = NULL;
	int rc = MSP_OK;
	for (xmlNode *c = s->children; c; c = c->next) {
		if (!mspx_is(c, "Channel"))
			continue;
		if (nch == cap) {
			size_t nc = cap ? 2 * cap : 8;
			chan_info *p = realloc(ch, nc * sizeof *p);
			if (!p) {
				free(ch);
				return MSP_ERR_NOMEM;
			}
			ch = p;
			cap = nc;
		}
		if ((rc = read_channel(c, net, sta, &ch[nch], err, errlen)) != MSP_OK) {
			free(ch);
			return rc;
		}
		nch++;
	}

	if (nch == 0) {
		double lat, lon, elev;
		if (mspx_number(s, "Latitude", 0, &lat) < 0 || mspx_number(s, "Longitude", 0, &lon) < 0 ||
		    mspx_number(s, "Elevation", 0, &elev) < 0 || !isfinite(lat) || !isfinite(lon) ||
		    !isfinite(elev))
			return bad(err, errlen, net, sta, "station without a valid position");
		return msp_docs_push(site, msp_site_doc(net, sta, "", lat, lon, elev, 0.0, start, end));
	}
	/* One site per distinct location code, in order of first appearance. */
	for (size_t i = 0; i < nch && rc == MSP_OK; i++) {
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(ch[j].loc, ch[i].loc);
		if (!seen)
			rc = msp_docs_push(site, msp_site_doc(net, sta, ch[i].loc, ch[i].lat, ch[i].lon,
							      ch[i].elev, ch[i].depth, start, end));
	}
	for (size_t i = 0; i < nch && rc == MSP_OK; i++)
		rc = msp_docs_push(channel, msp_channel_doc(net, sta, ch[i].loc, ch[i].code, ch[i].lat,
							    ch[i].lon, ch[i].elev, ch[i].depth,
							    ch[i].az, ch[i].dip, ch[i].start,
							    ch[i].end));
	free(ch);
	return rc;
}

int msp_stationxml_parse(const char *buf, size_t len, msp_docs *site,
			 msp_docs *channel, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = 0;
	xmlDocPtr doc = mspx_read(buf, len, err, errlen);
	if (!doc)
		return MSP_ERR_FORMAT;
	xmlNode *root = xmlDocGetRootElement(doc);
	int rc = MSP_OK;
	if (!mspx_is(root, "FDSNStationXML")) {
		snprintf(err, errlen, "root element is not FDSNStationXML");
		rc = MSP_ERR_FORMAT;
	}
	for (xmlNode *n = rc == MSP_OK ? root->children : NULL; n && rc == MSP_OK; n = n->next) {
		if (!mspx_is(n, "Network"))
			continue;
		char net[16];
		mspx_attr(n, "code", net, sizeof net);
		if (!net[0]) {
			snprintf(err, errlen, "StationXML: Network without a code");
			rc = MSP_ERR_FORMAT;
			break;
		}
		for (xmlNode *s = n->children; s && rc == MSP_OK; s = s->next)
			if (mspx_is(s, "Station"))
				rc = do_station(s, net, site, channel, err, errlen);
	}
	xmlFreeDoc(doc);
	return rc;
}
