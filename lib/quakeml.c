/*
 * quakeml.c - QuakeML 1.2 -> source documents (MsPASS's save_catalog, see
 * msp_inventory.h): the preferred origin and magnitude of each event (the
 * first ones when no preference is given or it names nothing present).
 * An event without an origin, or whose origin has no time or position, is
 * an error: a source document must locate the event.
 */
#include "msp_inventory.h"
#include "msp_status.h"
#include "xml_internal.h"

/* The child element of ev named kind whose publicID is pref, else the first. */
static xmlNode *pick(const xmlNode *ev, const char *kind, const char *pref)
{
	xmlNode *first = NULL;
	for (xmlNode *c = ev->children; c; c = c->next) {
		if (!mspx_is(c, kind))
			continue;
		if (!first)
			first = c;
		char id[512];
		if (pref[0] && mspx_attr(c, "publicID", id, sizeof id) && !strcmp(id, pref))
			return c;
	}
	return first;
}

/* FDSN event id from a publicID: what follows "eventid=" up to '&'. */
static void event_id(const char *pub, char *out, size_t outlen)
{
	const char *p = strstr(pub, "eventid=");
	if (p) {
		p += 8;
		size_t m = strcspn(p, "&");
		snprintf(out, outlen, "%.*s", (int)m, p);
	} else {
		snprintf(out, outlen, "%s", pub);
	}
}

static int do_event(const xmlNode *ev, msp_docs *source, char *err, size_t errlen)
{
	char pub[512], id[512], pref_o[512] = "", pref_m[512] = "", t[128], mtype[64] = "";
	mspx_attr(ev, "publicID", pub, sizeof pub);
	event_id(pub, id, sizeof id);
	mspx_text(mspx_child(ev, "preferredOriginID"), pref_o, sizeof pref_o);
	mspx_text(mspx_child(ev, "preferredMagnitudeID"), pref_m, sizeof pref_m);
	xmlNode *o = pick(ev, "origin", pref_o);
	xmlNode *m = pick(ev, "magnitude", pref_m);
	if (!o) {
		snprintf(err, errlen, "QuakeML event %s: no origin", id);
		return MSP_ERR_FORMAT;
	}
	double time, lat, lon, depth, mag = NAN;
	xmlNode *tn = mspx_child(mspx_child(o, "time"), "value");
	if (!tn || !mspx_text(tn, t, sizeof t) || mspx_time_str(t, &time) != 0 || !isfinite(time)) {
		snprintf(err, errlen, "QuakeML event %s: origin without a valid time", id);
		return MSP_ERR_FORMAT;
	}
	if (mspx_number(o, "latitude", 1, &lat) != 0 || mspx_number(o, "longitude", 1, &lon) != 0 ||
	    !isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 360) {
		snprintf(err, errlen, "QuakeML event %s: origin without a valid position", id);
		return MSP_ERR_FORMAT;
	}
	if (mspx_number(o, "depth", 1, &depth) != 0) {
		snprintf(err, errlen, "QuakeML event %s: depth is not a number", id);
		return MSP_ERR_FORMAT;
	}
	if (m) {
		if (mspx_number(m, "mag", 1, &mag) != 0) {
			snprintf(err, errlen, "QuakeML event %s: magnitude is not a number", id);
			return MSP_ERR_FORMAT;
		}
		mspx_text(mspx_child(m, "type"), mtype, sizeof mtype);
	}
	/* QuakeML depth is in m; MsPASS keeps km (None -> 0.0). */
	return msp_docs_push(source, msp_source_doc(lat, lon, isfinite(depth) ? depth / 1000.0 : 0.0,
						    time, mag, mtype, id));
}

int msp_quakeml_parse(const char *buf, size_t len, msp_docs *source,
		      char *err, size_t errlen)
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
	if (!mspx_is(root, "quakeml")) {
		snprintf(err, errlen, "root element is not quakeml");
		rc = MSP_ERR_FORMAT;
	}
	for (xmlNode *p = rc == MSP_OK ? root->children : NULL; p && rc == MSP_OK; p = p->next) {
		if (!mspx_is(p, "eventParameters"))
			continue;
		for (xmlNode *ev = p->children; ev && rc == MSP_OK; ev = ev->next)
			if (mspx_is(ev, "event"))
				rc = do_event(ev, source, err, errlen);
	}
	xmlFreeDoc(doc);
	return rc;
}
