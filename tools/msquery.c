/*
 * msquery - query a collection: the matching documents as JSON lines
 * (MongoDB relaxed extended JSON), or their count, the distinct values of a
 * key, or an estimate of what a pipeline over them will need (--explain).
 * --partition K/N cuts the sorted result into N contiguous slices (optionally
 * never splitting a group of equal --group-by values) for GNU parallel.
 *
 *   database -> JSON lines on stdout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tool.h"
#include "msp_db.h"
#include "msp_json.h"
#include "msp_meta.h"

enum {
	OPT_DB = 'd', OPT_SORT = 's', OPT_LIMIT = 'n', OPT_SKIP = MST_LONG + 1, OPT_FIELDS = 'f', OPT_COUNT = 'c',
	OPT_DISTINCT = MST_LONG + 2, OPT_PARTITION = 'p', OPT_GROUPBY = 'g', OPT_EXPLAIN = MST_LONG + 3,
	OPT_NOTSAVED = MST_LONG + 4, OPT_PLAN = MST_LONG + 5, OPT_COPIES = MST_LONG + 6
};

static const mst_opt opts[] = {
	{"db", OPT_DB, "DB", "database: a SQLite file or mongodb://host:port/dbname (default $MSPIPE_DB, else mspipe.db)"},
	{"sort", OPT_SORT, "KEYS", "sort on keys k1,-k2 (- descending); ties in _id order"},
	{"limit", OPT_LIMIT, "N", "at most N documents"},
	{"skip", OPT_SKIP, "N", "leave out the first N documents"},
	{"fields", OPT_FIELDS, "KEYS", "only these keys (k1,k2; or -k1,-k2 to leave keys out); _id kept unless -_id"},
	{"count", OPT_COUNT, NULL, "print the number of matching documents"},
	{"distinct", OPT_DISTINCT, "KEY", "print the distinct values of KEY, one JSON value a line, ascending"},
	{"partition", OPT_PARTITION, "K/N", "only slice K (1..N) of N contiguous slices of the sorted result"},
	{"group-by", OPT_GROUPBY, "KEY", "with --partition: sort on KEY first and never split its groups"},
	{"explain", OPT_EXPLAIN, NULL, "print count, samples, bytes, largest record and memory needs (JSON)"},
	{"copies", OPT_COPIES, "NC", "with --explain: copies of a record a pipeline stage holds (default 3)"},
	{"not-saved-as", OPT_NOTSAVED, "TAG", "leave out documents already saved with data_tag TAG (restart)"},
	{"plan", OPT_PLAN, NULL, "print the SQL and SQLite's query plan instead of results (SQLite only)"},
	{0},
};

static const mst_prog prog = {
	.name = "msquery",
	.usage = "[OPTIONS] COLLECTION [FILTER]",
	.summary = "Query a collection; print the matching documents as JSON lines.",
	.description = "FILTER is a MongoDB filter document in JSON (default {}); see mspipe-query(7).\n"
	               "Collections: wf_miniseed, wf_TimeSeries, wf_Seismogram, site, channel, source,\n"
	               "cemetery, abortions, elog, history (any name of letters, digits, _ . -).",
	.opts = opts,
};

static msp_db *db;

static noreturn void db_fatal(int rc, const char *what)
{
	if (rc == MSP_ERR_INVAL)
		mst_usage("%s", msp_db_errmsg(db));
	mst_fatal("%s: %s", what, msp_db_errmsg(db));
}

/* "k1,-k2" -> {k1: 1, k2: -1} */
static bson_t *parse_keys(const char *opt, const char *s, int allow_minus, int *neg_seen, int *pos_seen)
{
	bson_t *b = bson_new();
	char *copy = strdup(s);
	if (!copy)
		mst_fatal("out of memory");
	for (char *t = copy, *next; t; t = next) {
		next = strchr(t, ',');
		if (next)
			*next++ = 0;
		int dir = 1;
		if (*t == '-') {
			if (!allow_minus)
				mst_usage("%s: \"%s\": no '-' here", opt, t);
			dir = -1;
			t++;
		} else if (*t == '+') {
			t++;
		}
		if (!*t)
			mst_usage("%s: empty key in \"%s\"", opt, s);
		if (neg_seen && dir < 0 && strcmp(t, "_id"))
			*neg_seen = 1;
		if (pos_seen && dir > 0)
			*pos_seen = 1;
		BSON_APPEND_INT32(b, t, dir);
	}
	free(copy);
	if (bson_count_keys(b) == 0)
		mst_usage("%s: no keys in \"%s\"", opt, s);
	return b;
}

/* Copy src's key/value pairs into dst, leaving out key skip. */
static void append_except(bson_t *dst, const bson_t *src, const char *skip)
{
	bson_iter_t it;
	if (!src || !bson_iter_init(&it, src))
		return;
	while (bson_iter_next(&it))
		if (!skip || strcmp(bson_iter_key(&it), skip))
			bson_append_iter(dst, bson_iter_key(&it), -1, &it);
}

/* The value of a (dot path) key, or NULL when missing. */
static const bson_value_t *get_value(const bson_t *doc, const char *key, bson_iter_t *it)
{
	bson_iter_t top;
	if (!bson_iter_init(&top, doc))
		return NULL;
	if (strchr(key, '.')) {
		if (!bson_iter_find_descendant(&top, key, it))
			return NULL;
	} else {
		*it = top;
		if (!bson_iter_find(it, key))
			return NULL;
	}
	return bson_iter_value(it);
}

static int same_group(const bson_value_t *a, int have_a, const bson_value_t *b, int have_b)
{
	/* missing and null sort together: one group */
	int na = !have_a || a->value_type == BSON_TYPE_NULL;
	int nb = !have_b || b->value_type == BSON_TYPE_NULL;
	if (na || nb)
		return na && nb;
	return msp_db_value_cmp(a, b) == 0;
}

/* Nearest group boundary to target t, given the boundary b_lo <= t and the next one b_hi > t. */
static int64_t nearest(int64_t t, int64_t lo, int64_t hi)
{
	return (t - lo <= hi - t) ? lo : hi;
}

/* With --group-by: the cut points c(K-1), c(K) in rows of the sorted result,
 * moved to group boundaries.  One pass over the group key of the result. */
static void group_cuts(const char *coll, const bson_t *filter, const msp_find_opts *base, const char *gkey,
                       int64_t M, int64_t K, int64_t N, int64_t *c0, int64_t *c1)
{
	int64_t t[2] = {(K - 1) * M / N, K * M / N};
	int64_t cut[2] = {-1, -1};
	for (int j = 0; j < 2; j++) {
		if (t[j] == 0)
			cut[j] = 0;
		if (t[j] == M)
			cut[j] = M;
	}
	if (cut[0] < 0 || cut[1] < 0) {
		bson_t proj = BSON_INITIALIZER;
		BSON_APPEND_INT32(&proj, gkey, 1);
		msp_find_opts o = *base;
		o.projection = &proj;
		msp_cursor *c;
		int rc = msp_db_find(db, coll, filter, &o, &c);
		if (rc)
			db_fatal(rc, "query");
		const bson_t *d;
		bson_t *prev = NULL;
		int64_t row = 0, last_boundary = 0;
		int seen_key = 0;
		while ((rc = msp_cursor_next(c, &d)) == MSP_OK) {
			bson_iter_t ia, ib;
			const bson_value_t *va = prev ? get_value(prev, gkey, &ia) : NULL;
			const bson_value_t *vb = get_value(d, gkey, &ib);
			seen_key |= vb != NULL;
			int boundary = row == 0 || !same_group(va, va != NULL, vb, vb != NULL);
			if (boundary) {
				/* every target in (last_boundary, row) has its neighbours now */
				for (int j = 0; j < 2; j++)
					if (cut[j] < 0 && t[j] >= last_boundary && t[j] < row)
						cut[j] = nearest(t[j], last_boundary, row);
				for (int j = 0; j < 2; j++)
					if (cut[j] < 0 && t[j] == row)
						cut[j] = row;
				last_boundary = row;
			}
			if (prev)
				bson_destroy(prev);
			prev = bson_copy(d);
			row++;
			if (cut[0] >= 0 && cut[1] >= 0)
				break;
		}
		if (rc < 0)
			db_fatal(rc, "query");
		/* every document read and none has the key (a misspelt key): one
		 * group, all of it in one partition, the others empty */
		if (!seen_key && rc == MSP_EOF && row > 0)
			mst_warn("--group-by %s: no document has this key, so all %lld are one group, in one partition",
			         gkey, (long long)row);
		for (int j = 0; j < 2; j++)
			if (cut[j] < 0)
				cut[j] = nearest(t[j], last_boundary, row);
		if (prev)
			bson_destroy(prev);
		msp_cursor_close(c);
		bson_destroy(&proj);
	}
	*c0 = cut[0];
	*c1 = cut[1];
}

static long mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void explain(const char *coll, const bson_t *filter, const msp_find_opts *base, int64_t copies)
{
	bson_t proj = BSON_INITIALIZER;
	BSON_APPEND_INT32(&proj, "npts", 1);
	BSON_APPEND_INT32(&proj, "nbytes", 1);
	msp_find_opts o = *base;
	o.projection = &proj;
	msp_cursor *c;
	int rc = msp_db_find(db, coll, filter, &o, &c);
	if (rc)
		db_fatal(rc, "query");
	int ncomp = strcmp(coll, "wf_Seismogram") ? 1 : 3;
	const bson_t *d;
	int64_t n = 0, samples = 0, nbytes = 0, with_nbytes = 0, maxnpts = 0, without_npts = 0;
	while ((rc = msp_cursor_next(c, &d)) == MSP_OK) {
		n++;
		int64_t v;
		if (msp_meta_get_int64(d, "npts", &v) == MSP_OK && v >= 0) {
			samples += v;
			if (v > maxnpts)
				maxnpts = v;
		} else {
			without_npts++;
		}
		if (msp_meta_get_int64(d, "nbytes", &v) == MSP_OK && v >= 0) {
			nbytes += v;
			with_nbytes++;
		}
	}
	if (rc < 0)
		db_fatal(rc, "query");
	msp_cursor_close(c);
	bson_destroy(&proj);
	/* A record in memory: 8 bytes a sample and component, plus its header
	 * (metadata, elog, history; a few KiB).  A pipeline stage holds about
	 * NC copies (MsPASS's N_c: input, output, scratch). */
	const int64_t header = 4096;
	int64_t largest = 8 * ncomp * maxnpts + header;
	int64_t peak = copies * largest;
	long avail_kb = mem_available();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	printf("{\"collection\":\"%s\",\"count\":%lld,\"samples\":%lld,\"sample_bytes\":%lld,"
	       "\"stored_bytes\":%lld,\"documents_with_nbytes\":%lld,\"documents_without_npts\":%lld,"
	       "\"largest_npts\":%lld,\"largest_record_bytes\":%lld,\"copies\":%lld,"
	       "\"peak_memory_per_process\":%lld",
	       coll, (long long)n, (long long)samples, (long long)(8 * ncomp * samples), (long long)nbytes,
	       (long long)with_nbytes, (long long)without_npts, (long long)maxnpts, (long long)largest,
	       (long long)copies, (long long)peak);
	if (avail_kb > 0) {
		double per_proc = (double)avail_kb * 1024.0 / (double)cpus;
		printf(",\"memory_available\":%lld,\"cpus\":%ld,\"k_map\":%.3g",
		       (long long)avail_kb * 1024, cpus, peak > 0 ? per_proc / (double)peak : 0.0);
	}
	printf("}\n");
}

/* An empty result from a collection that is not there is most often a
 * misspelt name (wf_minised): say so, naming the ones that are.  Asked only
 * when nothing was found, so a query that finds documents pays nothing. */
static void warn_if_missing(const char *coll)
{
	bson_t *cl;
	if (msp_db_list_collections(db, &cl) != MSP_OK)
		return;
	bson_iter_t it;
	char names[512] = "";
	size_t len = 0;
	int found = 0;
	bson_iter_init(&it, cl);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (strcmp(k, coll) == 0)
			found = 1;
		if (len + strlen(k) + 6 < sizeof names)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", k);
		else if (!strstr(names, "..."))
			len += (size_t)snprintf(names + len, sizeof names - len, ", ...");
	}
	bson_destroy(cl);
	if (!found)
		mst_warn("%s: no such collection in this database (it has: %s)", coll, len ? names : "none");
}

int main(int argc, char **argv)
{
	const char *dbname = NULL, *sort_s = NULL, *fields_s = NULL, *distinct = NULL, *part_s = NULL,
	           *group = NULL, *notsaved = NULL;
	int64_t limit = 0, skip = 0, copies = 3;
	int do_count = 0, do_explain = 0, do_plan = 0;
	const char *arg;
	int c;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_DB: dbname = arg; break;
		case OPT_SORT: sort_s = arg; break;
		case OPT_LIMIT: limit = mst_arg_int("--limit", arg, 1, INT64_MAX); break;
		case OPT_SKIP: skip = mst_arg_int("--skip", arg, 0, INT64_MAX); break;
		case OPT_FIELDS: fields_s = arg; break;
		case OPT_COUNT: do_count = 1; break;
		case OPT_DISTINCT: distinct = arg; break;
		case OPT_PARTITION: part_s = arg; break;
		case OPT_GROUPBY: group = arg; break;
		case OPT_EXPLAIN: do_explain = 1; break;
		case OPT_COPIES: copies = mst_arg_int("--copies", arg, 1, 1000); break;
		case OPT_NOTSAVED: notsaved = arg; break;
		case OPT_PLAN: do_plan = 1; break;
		}
	}
	if (optind >= argc)
		mst_usage("a COLLECTION is needed");
	const char *coll = argv[optind++];
	const char *filter_s = optind < argc ? argv[optind++] : "{}";
	if (optind < argc)
		mst_usage("unexpected argument \"%s\"", argv[optind]);
	if (do_count + do_explain + do_plan + (distinct != NULL) > 1)
		mst_usage("--count, --distinct, --explain and --plan exclude each other");
	if (group && !part_s)
		mst_usage("--group-by goes with --partition");
	if (distinct && (part_s || sort_s || fields_s || limit || skip || notsaved))
		mst_usage("--distinct takes only a filter");
	if (part_s && (limit || skip))
		mst_usage("--partition does not go with --limit or --skip (slice the whole result)");
	if (notsaved && !*notsaved)
		mst_usage("--not-saved-as: empty tag");
	int64_t K = 0, N = 0;
	if (part_s) {
		const char *slash = strchr(part_s, '/');
		if (!slash)
			mst_usage("--partition: \"%s\" is not K/N", part_s);
		char kbuf[32];
		size_t kl = (size_t)(slash - part_s);
		if (kl == 0 || kl >= sizeof kbuf)
			mst_usage("--partition: \"%s\" is not K/N", part_s);
		memcpy(kbuf, part_s, kl);
		kbuf[kl] = 0;
		N = mst_arg_int("--partition", slash + 1, 1, 1000000000);
		K = mst_arg_int("--partition", kbuf, 1, N);
	}

	char jerr[256];
	const char *fs = filter_s + strspn(filter_s, " \t\r\n");
	bson_t *filter = *fs == '{' ? msp_db_filter_parse(filter_s, jerr, sizeof jerr) : NULL;
	if (!filter)
		mst_usage("FILTER is not a JSON document: %s", *fs == '{' ? jerr : "not an object");
	char ferr[512];
	if (msp_db_filter_check(filter, ferr, sizeof ferr))
		mst_usage("FILTER: %s", ferr);

	bson_t *sort = NULL, *proj = NULL;
	if (sort_s)
		sort = parse_keys("--sort", sort_s, 1, NULL, NULL);
	if (fields_s) {
		int neg = 0, pos = 0;
		bson_t *k = parse_keys("--fields", fields_s, 1, &neg, &pos);
		if (neg && pos)
			mst_usage("--fields: either keys to keep or -keys to leave out, not both");
		proj = bson_new();
		bson_iter_t it;
		bson_iter_init(&it, k);
		while (bson_iter_next(&it))
			BSON_APPEND_INT32(proj, bson_iter_key(&it), bson_iter_int32(&it) > 0 ? 1 : 0);
		bson_destroy(k);
	}
	if (group) {
		/* group key first, so that a group is contiguous in the order */
		bson_t *s2 = bson_new();
		int gdir = 1;
		bson_iter_t it;
		if (sort && bson_iter_init_find(&it, sort, group))
			gdir = bson_iter_int32(&it);
		BSON_APPEND_INT32(s2, group, gdir);
		append_except(s2, sort, group);
		if (sort)
			bson_destroy(sort);
		sort = s2;
	}
	if (part_s && !sort) {
		sort = bson_new();
		BSON_APPEND_INT32(sort, "_id", 1);
	}

	char err[1024];
	int rc = msp_db_open(&db, msp_db_resolve(dbname), err, sizeof err);
	if (rc)
		mst_fatal("%s", err);
	msp_find_opts o = {.sort = sort, .projection = proj, .limit = limit, .skip = skip, .not_saved_as = notsaved};

	if (distinct) {
		bson_t *vals;
		rc = msp_db_distinct(db, coll, distinct, filter, &vals);
		if (rc)
			db_fatal(rc, "distinct");
		bson_iter_t it;
		msp_buf b;
		msp_buf_init(&b);
		bson_iter_init(&it, vals);
		while (bson_iter_next(&it)) {
			bson_t one = BSON_INITIALIZER;
			bson_append_iter(&one, "v", 1, &it);
			msp_buf_reset(&b);
			msp_buf_add_bson(&b, &one, 1);
			bson_destroy(&one);
			/* "[v]" -> "v" */
			if (b.len >= 2)
				printf("%.*s\n", (int)(b.len - 2), b.p + 1);
		}
		msp_buf_free(&b);
		bson_iter_init(&it, vals);
		if (!bson_iter_next(&it))
			warn_if_missing(coll);
		bson_destroy(vals);
		goto done;
	}

	if (part_s) {
		msp_find_opts base = o;
		base.projection = NULL;
		base.limit = 0;
		base.skip = 0;
		int64_t M;
		rc = msp_db_count_opts(db, coll, filter, &base, &M);
		if (rc)
			db_fatal(rc, "count");
		if (M == 0)
			warn_if_missing(coll);
		int64_t c0, c1;
		if (group) {
			group_cuts(coll, filter, &base, group, M, K, N, &c0, &c1);
		} else {
			c0 = (K - 1) * M / N;
			c1 = K * M / N;
		}
		mst_info(1, "partition %lld/%lld: rows %lld..%lld of %lld", (long long)K, (long long)N, (long long)c0,
		         (long long)c1, (long long)M);
		if (c1 <= c0) {
			/* an empty slice */
			if (do_count)
				printf("0\n");
			else if (do_explain)
				o.limit = -1;
			if (!do_explain)
				goto done;
		}
		o.skip = c0;
		o.limit = c1 - c0;
	}

	if (do_explain) {
		if (o.limit < 0) {
			/* empty slice: explain nothing */
			bson_t none = BSON_INITIALIZER;
			BSON_APPEND_BOOL(&none, "_id", 0);
			(void)none;
			o.limit = 0;
			bson_t *f2 = bson_new();
			bson_t a, x;
			BSON_APPEND_ARRAY_BEGIN(f2, "$and", &a);
			BSON_APPEND_DOCUMENT(&a, "0", filter);
			BSON_APPEND_DOCUMENT_BEGIN(&a, "1", &x);
			BSON_APPEND_BOOL(&x, "_id", 0); /* _id is never false: matches nothing */
			bson_append_document_end(&a, &x);
			bson_append_array_end(f2, &a);
			explain(coll, f2, &o, copies);
			bson_destroy(f2);
		} else {
			explain(coll, filter, &o, copies);
		}
		goto done;
	}
	if (do_count) {
		int64_t n;
		rc = msp_db_count_opts(db, coll, filter, &o, &n);
		if (rc)
			db_fatal(rc, "count");
		printf("%lld\n", (long long)n);
		if (n == 0)
			warn_if_missing(coll);
		goto done;
	}
	if (do_plan) {
		char *plan;
		rc = msp_db_query_plan(db, coll, filter, &o, &plan);
		if (rc == MSP_ERR_UNSUPPORTED)
			mst_usage("--plan: %s", msp_db_errmsg(db));
		if (rc)
			db_fatal(rc, "plan");
		fputs(plan, stdout);
		free(plan);
		goto done;
	}

	msp_cursor *cur;
	rc = msp_db_find(db, coll, filter, &o, &cur);
	if (rc)
		db_fatal(rc, "query");
	const char *json;
	size_t len;
	uint64_t n = 0;
	while ((rc = msp_cursor_next_json(cur, &json, &len)) == MSP_OK) {
		if (fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF)
			break; /* checked in mst_close_stdout */
		mst_progress(++n);
	}
	if (rc < 0)
		db_fatal(rc, "query");
	mst_progress_done(n);
	/* the set was taken at the start; documents deleted before their turn are not output */
	int64_t gone = msp_cursor_vanished(cur);
	if (gone > 0)
		mst_info(1, "%lld matching document%s deleted while the query ran, not output", (long long)gone,
		         gone == 1 ? " was" : "s were");
	msp_cursor_close(cur);
	if (n == 0 && !part_s) /* a partition's emptiness was looked at with its count */
		warn_if_missing(coll);
done:
	msp_db_close(db);
	bson_destroy(filter);
	if (sort)
		bson_destroy(sort);
	if (proj)
		bson_destroy(proj);
	mst_close_stdout();
	return 0;
}
