/*
 * msdb - look after a database: list its collections with counts, import
 * and export JSON lines, create, list and drop indexes, drop a collection.
 *
 *   msdb [OPTIONS] COMMAND [ARGS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "msp_db.h"
#include "msp_json.h"
#include "msp_meta.h"

enum { OPT_DB = 'd', OPT_BATCH = 'b', OPT_NAME = MST_LONG + 1, OPT_UNIQUE = MST_LONG + 2, OPT_YES = MST_LONG + 3 };

static const mst_opt opts[] = {
	{"db", OPT_DB, "DB", "database: a SQLite file or mongodb://host:port/dbname (default $MSPIPE_DB, else mspipe.db)"},
	{"batch", OPT_BATCH, "N", "import: documents per batch (one transaction each; default 1000)"},
	{"name", OPT_NAME, "NAME", "index-create: the index name (default k1_1_k2_-1)"},
	{"unique", OPT_UNIQUE, NULL, "index-create: a unique index"},
	{"yes", OPT_YES, NULL, "drop: really drop the collection"},
	{0},
};

static const mst_prog prog = {
	.name = "msdb",
	.usage = "[OPTIONS] COMMAND [ARGS]",
	.summary = "List, import, export, index and drop the collections of a database.",
	.description = "Commands:\n"
	               "  list                        collections and their document counts\n"
	               "  import COLLECTION [FILE]    insert JSON lines (FILE or stdin), batch by batch\n"
	               "  export COLLECTION [FILTER]  print documents as JSON lines\n"
	               "  index-create COLLECTION KEYS  index on keys k1,-k2\n"
	               "  index-list COLLECTION       index names and keys\n"
	               "  index-drop COLLECTION NAME  drop an index\n"
	               "  drop COLLECTION --yes       drop a collection",
	.opts = opts,
};

static msp_db *db;

static noreturn void db_fatal(int rc, const char *what)
{
	if (rc == MSP_ERR_INVAL)
		mst_usage("%s", msp_db_errmsg(db));
	mst_fatal("%s: %s", what, msp_db_errmsg(db));
}

static void open_db(const char *name)
{
	char err[1024];
	if (msp_db_open(&db, msp_db_resolve(name), err, sizeof err))
		mst_fatal("%s", err);
}

static void need_args(int have, int want_min, int want_max, const char *cmd)
{
	if (have < want_min)
		mst_usage("%s: missing argument", cmd);
	if (have > want_max)
		mst_usage("%s: too many arguments", cmd);
}

static void cmd_import(const char *coll, const char *file, int64_t batch)
{
	FILE *f = stdin;
	if (file && strcmp(file, "-")) {
		f = fopen(file, "r");
		if (!f)
			mst_fatal("%s: cannot open", file);
	}
	char cerr[256];
	if (msp_db_coll_check(coll, cerr, sizeof cerr))
		mst_usage("%s", cerr);
	bson_t **docs = calloc((size_t)batch, sizeof *docs);
	if (!docs)
		mst_fatal("out of memory");
	char *line = NULL;
	size_t cap = 0, nb = 0;
	ssize_t len;
	uint64_t lineno = 0, total = 0;
	for (;;) {
		len = getline(&line, &cap, f);
		if (len >= 0) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = 0;
			const char *p = line;
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				continue;
			bson_error_t e;
			bson_t *d = NULL;
			if (*p != '{')
				snprintf(e.message, sizeof e.message, "not an object");
			else
				d = msp_json_to_bson(line, len, &e);
			if (!d)
				mst_fatal("%s line %llu: not a JSON document: %s (%llu documents imported before it)",
				          file ? file : "stdin", (unsigned long long)lineno, e.message,
				          (unsigned long long)total);
			docs[nb++] = d;
		}
		if (nb == (size_t)batch || (len < 0 && nb > 0)) {
			int rc = msp_db_insert_many(db, coll, (const bson_t *const *)docs, nb, NULL);
			if (rc)
				mst_fatal("import into %s (batch ending at line %llu, %llu documents imported before it): %s",
				          coll, (unsigned long long)lineno, (unsigned long long)total, msp_db_errmsg(db));
			total += nb;
			for (size_t i = 0; i < nb; i++)
				bson_destroy(docs[i]);
			nb = 0;
			mst_progress(total);
		}
		if (len < 0)
			break;
	}
	if (ferror(f)) /* errno: the failed read's */
		mst_fatal("%s: read error (%s)", file ? file : "stdin", strerror(errno));
	mst_progress_done(total);
	mst_info(1, "imported %llu documents into %s", (unsigned long long)total, coll);
	free(line);
	free(docs);
	if (f != stdin)
		fclose(f);
}

static void cmd_export(const char *coll, const char *filter_s)
{
	char e[256];
	if (!filter_s)
		filter_s = "{}";
	const char *fs = filter_s + strspn(filter_s, " \t\r\n");
	bson_t *filter = *fs == '{' ? msp_db_filter_parse(filter_s, e, sizeof e) : NULL;
	if (!filter)
		mst_usage("FILTER is not a JSON document: %s", *fs == '{' ? e : "not an object");
	msp_cursor *c;
	int rc = msp_db_find(db, coll, filter, NULL, &c);
	if (rc)
		db_fatal(rc, "export");
	const char *json;
	size_t len;
	uint64_t n = 0;
	while ((rc = msp_cursor_next_json(c, &json, &len)) == MSP_OK) {
		if (fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF)
			break;
		mst_progress(++n);
	}
	if (rc < 0)
		db_fatal(rc, "export");
	mst_progress_done(n);
	/* the set was taken at the start; documents deleted before their turn are not exported */
	int64_t gone = msp_cursor_vanished(c);
	if (gone > 0)
		mst_info(1, "%lld matching document%s deleted during the export, not exported", (long long)gone,
		         gone == 1 ? " was" : "s were");
	msp_cursor_close(c);
	bson_destroy(filter);
}

static bson_t *parse_keys(const char *s)
{
	bson_t *b = bson_new();
	char *copy = strdup(s);
	for (char *t = copy, *next; t; t = next) {
		next = strchr(t, ',');
		if (next)
			*next++ = 0;
		int dir = 1;
		if (*t == '-') {
			dir = -1;
			t++;
		}
		if (!*t)
			mst_usage("KEYS: empty key in \"%s\"", s);
		BSON_APPEND_INT32(b, t, dir);
	}
	free(copy);
	if (bson_count_keys(b) == 0)
		mst_usage("KEYS: no keys in \"%s\"", s);
	return b;
}

int main(int argc, char **argv)
{
	const char *dbname = NULL, *name = NULL;
	int64_t batch = 1000;
	int unique = 0, yes = 0;
	const char *arg;
	int c;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_DB: dbname = arg; break;
		case OPT_BATCH: batch = mst_arg_int("--batch", arg, 1, 10000000); break;
		case OPT_NAME: name = arg; break;
		case OPT_UNIQUE: unique = 1; break;
		case OPT_YES: yes = 1; break;
		}
	}
	if (optind >= argc)
		mst_usage("a COMMAND is needed (list, import, export, index-create, index-list, index-drop, drop)");
	const char *cmd = argv[optind++];
	int nargs = argc - optind;
	char **a = argv + optind;
	int rc;
	if (!strcmp(cmd, "list")) {
		need_args(nargs, 0, 0, cmd);
		open_db(dbname);
		bson_t *cl;
		if ((rc = msp_db_list_collections(db, &cl)))
			db_fatal(rc, "list");
		bson_iter_t it;
		bson_iter_init(&it, cl);
		while (bson_iter_next(&it))
			printf("%s\t%lld\n", bson_iter_key(&it), (long long)bson_iter_as_int64(&it));
		bson_destroy(cl);
	} else if (!strcmp(cmd, "import")) {
		need_args(nargs, 1, 2, cmd);
		open_db(dbname);
		cmd_import(a[0], nargs > 1 ? a[1] : NULL, batch);
	} else if (!strcmp(cmd, "export")) {
		need_args(nargs, 1, 2, cmd);
		open_db(dbname);
		cmd_export(a[0], nargs > 1 ? a[1] : NULL);
	} else if (!strcmp(cmd, "index-create")) {
		need_args(nargs, 2, 2, cmd);
		bson_t *keys = parse_keys(a[1]);
		open_db(dbname);
		if ((rc = msp_db_create_index(db, a[0], keys, name, unique)))
			db_fatal(rc, "index-create");
		bson_destroy(keys);
	} else if (!strcmp(cmd, "index-list")) {
		need_args(nargs, 1, 1, cmd);
		open_db(dbname);
		bson_t *ix;
		if ((rc = msp_db_list_indexes(db, a[0], &ix)))
			db_fatal(rc, "index-list");
		bson_iter_t it;
		bson_iter_init(&it, ix);
		while (bson_iter_next(&it)) {
			uint32_t len;
			const uint8_t *data;
			bson_t k;
			bson_iter_document(&it, &len, &data);
			if (bson_init_static(&k, data, len)) {
				char *j = bson_as_relaxed_extended_json(&k, NULL);
				printf("%s\t%s\n", bson_iter_key(&it), j);
				bson_free(j);
			}
		}
		bson_destroy(ix);
	} else if (!strcmp(cmd, "index-drop")) {
		need_args(nargs, 2, 2, cmd);
		open_db(dbname);
		if ((rc = msp_db_drop_index(db, a[0], a[1])))
			db_fatal(rc, "index-drop");
	} else if (!strcmp(cmd, "drop")) {
		need_args(nargs, 1, 1, cmd);
		if (!yes)
			mst_usage("drop %s: this deletes every document of it; add --yes to do it", a[0]);
		open_db(dbname);
		if ((rc = msp_db_drop_collection(db, a[0])))
			db_fatal(rc, "drop");
	} else {
		mst_usage("unknown command \"%s\"", cmd);
	}
	msp_db_close(db);
	mst_close_stdout();
	return 0;
}
