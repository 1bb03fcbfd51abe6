/*
 * msp_inventory.h - station and event metadata files -> MsPASS documents.
 *
 * StationXML and FDSN station text become site and channel documents the way
 * MsPASS's Database.save_inventory writes them; QuakeML and FDSN event text
 * become source documents the way save_catalog writes them.  Pure parsing:
 * no database.  The caller gives each document its _id and the self
 * reference (site_id, chan_id, source_id) when it inserts it.
 *
 * site:    net, sta, loc ("" when empty), lat, lon, coords [lon, lat],
 *          location {type: "Point", coordinates: [lon, lat]}, elev (km),
 *          edepth (m, as MsPASS copies it), starttime, endtime (the station
 *          epoch; FDSN text has none, so the span of the file's channels).
 *          One per station epoch and location code.
 * channel: the same keys (the channel's own position) plus chan,
 *          hang = azimuth, vang = dip + 90, edepth = depth (m), and the
 *          channel epoch as starttime/endtime.  hang/vang are left out when
 *          the file gives no azimuth/dip.
 * source:  lat, lon, coords [lon, lat], epicenter {type: "Point",
 *          coordinates: [lon, lat]}, depth (km; 0.0 when absent), time,
 *          magnitude and magnitude_type (when the event has one), event_id
 *          (the FDSN event id: what follows "eventid=" in a QuakeML
 *          publicID, else the whole publicID; the EventID column of text).
 *          The preferred origin and magnitude, else the first ones.
 * Null start -> 0.0, null end -> 2051-01-01T00:00:00 (MsPASS's choices).
 */
#ifndef MSP_INVENTORY_H
#define MSP_INVENTORY_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2051-01-01T00:00:00Z, the end of an open epoch in MsPASS. */
#define MSP_OPEN_END 2556144000.0

/* A growable list of documents it owns. */
typedef struct msp_docs {
	bson_t **doc;
	size_t n, cap;
} msp_docs;

void msp_docs_init(msp_docs *d);
void msp_docs_free(msp_docs *d);
/* Take ownership of doc (destroyed on failure).  MSP_ERR_NOMEM on failure. */
int msp_docs_push(msp_docs *d, bson_t *doc);

/* What a file holds, decided from its first bytes. */
enum msp_file_kind {
	MSP_KIND_UNKNOWN = 0,
	MSP_KIND_MSEED,
	MSP_KIND_STATIONXML,
	MSP_KIND_QUAKEML,
	MSP_KIND_FDSN_STATION_TEXT,
	MSP_KIND_FDSN_EVENT_TEXT
};
int msp_detect_kind(const uint8_t *buf, size_t len);
/* "miniseed", "stationxml", "quakeml", "fdsn-station-text",
 * "fdsn-event-text" or "unknown". */
const char *msp_kind_name(int kind);

/* Each parser appends to its lists and returns MSP_OK, MSP_ERR_FORMAT (with a
 * message in err naming the element or line) or MSP_ERR_NOMEM.  On error the
 * lists may hold the documents made before the problem; callers that want
 * all or nothing discard them. */
int msp_stationxml_parse(const char *buf, size_t len, msp_docs *site,
			 msp_docs *channel, char *err, size_t errlen);
int msp_fdsn_station_text_parse(const char *buf, size_t len, msp_docs *site,
				msp_docs *channel, char *err, size_t errlen);
int msp_quakeml_parse(const char *buf, size_t len, msp_docs *source,
		      char *err, size_t errlen);
int msp_fdsn_event_text_parse(const char *buf, size_t len, msp_docs *source,
			      char *err, size_t errlen);

/* Builders shared by the XML and text parsers (exposed for tests).
 * NAN for azimuth/dip leaves hang/vang out. */
bson_t *msp_site_doc(const char *net, const char *sta, const char *loc,
		     double lat, double lon, double elev_m, double edepth_m,
		     double start, double end);
bson_t *msp_channel_doc(const char *net, const char *sta, const char *loc,
			const char *chan, double lat, double lon, double elev_m,
			double depth_m, double azimuth, double dip,
			double start, double end);
/* NAN magnitude leaves magnitude and magnitude_type out; NULL event_id too. */
bson_t *msp_source_doc(double lat, double lon, double depth_km, double time,
		       double magnitude, const char *magnitude_type,
		       const char *event_id);

#ifdef __cplusplus
}
#endif
#endif
