/*
 * normalize.c - in-memory matchers for channel, site and source documents
 * (see msp_normalize.h).  Each entry keeps only the attributes it will
 * merge, as a small BSON document already prefixed, so an apply is one
 * lookup and one merge.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_normalize.h"
#include "msp_meta.h"
#include "msp_status.h"

enum { K_CHANNEL, K_SITE, K_SOURCE };

typedef struct entry {
	char *key;          /* channel/site: "net_sta_loc_chan_" */
	double t1, t2;      /* channel/site: starttime, endtime; source: time in t1 */
	bson_oid_t id;
	int has_id;
	size_t order;       /* load order (MsPASS's first match) */
	bson_t *attrs;      /* prefixed attributes to merge */
} entry;

struct msp_matcher {
	int kind;
	char coll[16];
	msp_matcher_opts o;
	entry *e;
	size_t n, cap;
	struct idref { bson_oid_t id; size_t i; } *by_id; /* sorted by _id */
	size_t nid;
};

int msp_matcher_new(msp_matcher **out, const char *coll, const msp_matcher_opts *opts)
{
	*out = NULL;
	int kind;
	if (!strcmp(coll, "channel"))
		kind = K_CHANNEL;
	else if (!strcmp(coll, "site"))
		kind = K_SITE;
	else if (!strcmp(coll, "source"))
		kind = K_SOURCE;
	else
		return MSP_ERR_INVAL;
	msp_matcher *m = calloc(1, sizeof *m);
	if (!m)
		return MSP_ERR_NOMEM;
	m->kind = kind;
	snprintf(m->coll, sizeof m->coll, "%s", coll);
	m->o.tolerance = 4.0;
	if (opts)
		m->o = *opts;
	*out = m;
	return MSP_OK;
}

static const char *str_or_empty(const bson_t *doc, const char *key)
{
	const char *s;
	return msp_meta_get_string(doc, key, &s) == MSP_OK ? s : NULL;
}

static char *make_key(const bson_t *doc, int kind)
{
	const char *net = str_or_empty(doc, "net"), *sta = str_or_empty(doc, "sta");
	const char *loc = str_or_empty(doc, "loc"), *chan = str_or_empty(doc, "chan");
	if (!net || !sta || (kind == K_CHANNEL && !chan))
		return NULL;
	size_t n = strlen(net) + strlen(sta) + (loc ? strlen(loc) : 0) + (chan ? strlen(chan) : 0) + 8;
	char *k = malloc(n);
	if (!k)
		return NULL;
	if (kind == K_CHANNEL)
		snprintf(k, n, "%s_%s_%s_%s_", net, sta, loc ? loc : "", chan);
	else
		snprintf(k, n, "%s_%s_%s_", net, sta, loc ? loc : "");
	return k;
}

int msp_matcher_add(msp_matcher *m, const bson_t *doc)
{
	static const char *chan_keys[] = {"lat", "lon", "elev", "hang", "vang", "starttime",
	                                  "endtime", NULL};
	static const char *site_keys[] = {"lat", "lon", "elev", "starttime", "endtime", NULL};
	static const char *src_keys[] = {"lat", "lon", "depth", "time", "magnitude", NULL};
	entry e;
	memset(&e, 0, sizeof e);
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it)) {
		bson_oid_copy(bson_iter_oid(&it), &e.id);
		e.has_id = 1;
	}
	if (m->kind == K_SOURCE) {
		if (msp_meta_get_double(doc, "time", &e.t1) || !isfinite(e.t1))
			return MSP_ERR_DATA;
	} else {
		if (msp_meta_get_double(doc, "starttime", &e.t1) ||
		    msp_meta_get_double(doc, "endtime", &e.t2))
			return MSP_ERR_DATA;
		if (!(e.key = make_key(doc, m->kind)))
			return MSP_ERR_DATA;
	}
	e.attrs = bson_new();
	const char **keys = m->kind == K_CHANNEL ? chan_keys : m->kind == K_SITE ? site_keys : src_keys;
	char pk[64];
	for (int i = 0; keys[i]; i++)
		if (bson_iter_init_find(&it, doc, keys[i])) {
			snprintf(pk, sizeof pk, "%s_%s", m->coll, keys[i]);
			bson_append_iter(e.attrs, pk, -1, &it);
		}
	if (bson_iter_init_find(&it, doc, "_id")) {
		snprintf(pk, sizeof pk, "%s_id", m->coll);
		bson_append_iter(e.attrs, pk, -1, &it);
	}
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		entry *p = realloc(m->e, ncap * sizeof *p);
		if (!p) {
			free(e.key);
			bson_destroy(e.attrs);
			return MSP_ERR_NOMEM;
		}
		m->e = p;
		m->cap = ncap;
	}
	e.order = m->n;
	m->e[m->n++] = e;
	return MSP_OK;
}

static int cmp_entry(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	if (x->key && y->key) {
		int c = strcmp(x->key, y->key);
		if (c)
			return c;
	} else if (x->t1 != y->t1) {
		return x->t1 < y->t1 ? -1 : 1;
	}
	return x->order < y->order ? -1 : (x->order > y->order);
}

static int cmp_id(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	return bson_oid_compare(&x->id, &y->id);
}

int msp_matcher_finish(msp_matcher *m)
{
	/* channel/site: grouped by key, load order inside a key; source: by time */
	qsort(m->e, m->n, sizeof *m->e, cmp_entry);
	free(m->by_id);
	m->by_id = malloc((m->n ? m->n : 1) * sizeof *m->by_id);
	if (!m->by_id)
		return MSP_ERR_NOMEM;
	m->nid = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].has_id) {
			m->by_id[m->nid].id = m->e[i].id;
			m->by_id[m->nid++].i = i;
		}
	qsort(m->by_id, m->nid, sizeof *m->by_id, cmp_id);
	return MSP_OK;
}

size_t msp_matcher_count(const msp_matcher *m) { return m->n; }

static const entry *find_by_id(const msp_matcher *m, const bson_oid_t *id)
{
	size_t lo = 0, hi = m->nid;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = bson_oid_compare(&m->by_id[mid].id, id);
		if (c == 0)
			return &m->e[m->by_id[mid].i];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const entry *find_by_key(const msp_matcher *m, const char *key, double t)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(m->e[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->n && !strcmp(m->e[i].key, key); i++)
		if (m->e[i].t1 <= t && t <= m->e[i].t2)
			return &m->e[i];
	return NULL;
}

static const entry *find_by_time(const msp_matcher *m, double test)
{
	double lo_t = test - m->o.tolerance;
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->e[mid].t1 < lo_t)
			lo = mid + 1;
		else
			hi = mid;
	}
	const entry *best = NULL;
	for (size_t i = lo; i < m->n && m->e[i].t1 <= test + m->o.tolerance; i++)
		if (!best || fabs(m->e[i].t1 - test) < fabs(best->t1 - test))
			best = &m->e[i];
	return best;
}

int msp_matcher_apply(const msp_matcher *m, msp_record *rec, char *err, size_t errlen)
{
	if (!rec->live)
		return MSP_OK;
	const entry *e = NULL;
	char idkey[32];
	snprintf(idkey, sizeof idkey, "%s_id", m->coll);
	bson_iter_t it;
	if (bson_iter_init_find(&it, rec->meta, idkey)) {
		if (!BSON_ITER_HOLDS_OID(&it)) {
			msp_errf(err, errlen, "%s is not an ObjectId", idkey);
			return MSP_ERR_NOTFOUND;
		}
		char hex[25];
		bson_oid_to_string(bson_iter_oid(&it), hex);
		if (!(e = find_by_id(m, bson_iter_oid(&it)))) {
			msp_errf(err, errlen, "ObjectIdMatcher found no %s document with _id %s", m->coll,
			       hex);
			return MSP_ERR_NOTFOUND;
		}
	} else if (m->kind == K_SOURCE) {
		double t;
		if (m->o.time_key) {
			if (msp_meta_get_double(rec->meta, m->o.time_key, &t)) {
				msp_errf(err, errlen, "OriginTimeMatcher: no numeric %s in the metadata",
				       m->o.time_key);
				return MSP_ERR_NOTFOUND;
			}
		} else if (rec->tref == MSP_TREF_UTC) {
			t = rec->t0;
		} else if (rec->t0shift_valid) {
			t = rec->t0 + rec->t0shift; /* the UTC start, not the relative t0 */
		} else {
			msp_errf(err, errlen, "OriginTimeMatcher: relative time without a UTC shift");
			return MSP_ERR_NOTFOUND;
		}
		double test = t - m->o.offset;
		if (!(e = find_by_time(m, test))) {
			msp_errf(err, errlen, "OriginTimeMatcher found no source within %g s of %.3f",
			       m->o.tolerance, test);
			return MSP_ERR_NOTFOUND;
		}
	} else {
		if (rec->tref != MSP_TREF_UTC) {
			msp_errf(err, errlen, "MiniseedMatcher: relative time cannot match a %s interval",
			       m->coll);
			return MSP_ERR_NOTFOUND;
		}
		char *key = make_key(rec->meta, m->kind);
		if (!key) {
			msp_errf(err, errlen, "MiniseedMatcher: net, sta%s missing",
			       m->kind == K_CHANNEL ? " or chan" : "");
			return MSP_ERR_NOTFOUND;
		}
		e = find_by_key(m, key, rec->t0);
		if (!e) {
			msp_errf(err, errlen, "MiniseedMatcher found no %s for %s: no time range holds "
			       "%.6f", m->coll, key, rec->t0);
			free(key);
			return MSP_ERR_NOTFOUND;
		}
		free(key);
	}
	return msp_meta_merge(rec->meta, e->attrs, NULL) ? MSP_ERR_NOMEM : MSP_OK;
}

void msp_matcher_free(msp_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].key);
		bson_destroy(m->e[i].attrs);
	}
	free(m->e);
	free(m->by_id);
	free(m);
}
