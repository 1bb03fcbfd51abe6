/*
 * db_sqlite.c - the embedded backend of msp_db.h: one SQLite file, one table
 * per collection (id TEXT PRIMARY KEY = the ObjectId in hex, doc TEXT = the
 * document as MongoDB relaxed extended JSON), WAL journal and a busy timeout
 * so that writers of parallel jobs wait for each other instead of failing.
 *
 * Filters are translated to SQL over json_extract(doc,'$.path') with every
 * value bound as a parameter.  The key path is part of the SQL text (an
 * index on an expression is used only when the query repeats the expression
 * word for word), written by one function for both queries and indexes.
 *
 * MongoDB compares values only within a type bracket (a number never equals
 * a string or a boolean; {k: v} also matches an array holding v), while
 * SQL's json_extract mixes them (true is 1, an array is its JSON text).  To
 * keep MongoDB's answers without slowing the common case, the table
 * _msp_shape records, per collection and key path, the set of JSON types
 * ever stored there (updated in the same transaction as the documents).
 * The translator adds a json_type() test only where a path has held mixed
 * types, and an array branch (json_each) only where it has held an array.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include "db_impl.h"
#include "msp_status.h"
#include "msp_json.h"
#include "msp_meta.h"

/* Types seen at a path (_msp_shape.types); element types of arrays << 16. */
enum {
	T_NULL = 1, T_BOOL = 2, T_NUM = 4, T_STR = 8, T_OBJ = 16, T_ARR = 32, T_OID = 64, T_DATE = 128,
	T_OTHER = 256, T_ELEM = 16
};

#define BUSY_MS 600000

static int sq_err(msp_db *db, const char *what)
{
	int code = sqlite3_errcode(db->sq);
	return msp_db_fail(db, code == SQLITE_BUSY || code == SQLITE_LOCKED ? MSP_ERR_DB : MSP_ERR_DB,
	                   "sqlite: %s: %s", what, sqlite3_errmsg(db->sq));
}

int msp_sq_exec(msp_db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->sq, sql, NULL, NULL, &msg) != SQLITE_OK) {
		msp_db_fail(db, MSP_ERR_DB, "sqlite: %s: %s", sql, msg ? msg : sqlite3_errmsg(db->sq));
		sqlite3_free(msg);
		return MSP_ERR_DB;
	}
	return MSP_OK;
}

/* msp_regex(value, pattern, flags): POSIX extended regular expression match
 * (regex.h), 1 when value is text and matches.  The compiled pattern is kept
 * as SQLite auxiliary data, so it is compiled once per statement. */
typedef struct { regex_t re; } rx_aux;

static void rx_free(void *p)
{
	rx_aux *a = p;
	regfree(&a->re);
	free(a);
}

static void fn_regex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	rx_aux *a = sqlite3_get_auxdata(ctx, 1);
	if (!a) {
		const char *pat = (const char *)sqlite3_value_text(argv[1]);
		const char *fl = (const char *)sqlite3_value_text(argv[2]);
		int cf = REG_EXTENDED | REG_NOSUB;
		for (; fl && *fl; fl++) {
			if (*fl == 'i')
				cf |= REG_ICASE;
			else if (*fl == 'm')
				cf |= REG_NEWLINE;
		}
		a = malloc(sizeof *a);
		if (!a) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		if (regcomp(&a->re, pat ? pat : "", cf)) {
			free(a);
			sqlite3_result_error(ctx, "bad regular expression", -1);
			return;
		}
		sqlite3_set_auxdata(ctx, 1, a, rx_free);
		a = sqlite3_get_auxdata(ctx, 1);
		if (!a) {
			sqlite3_result_error(ctx, "regular expression cache lost", -1);
			return;
		}
	}
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	sqlite3_result_int(ctx, regexec(&a->re, s, 0, NULL, 0) == 0);
}

/* Wait for another process's lock in steps of 0.5 ms up to busy_ms.
 * SQLite's own handler backs off to 100 ms sleeps, so a partition's mssave
 * that met the other's commit idled for up to 100 ms after the lock was
 * free while its pipeline stalled behind it (-j2 runs lost 10-90 ms a
 * partition that way). */
static int busy_wait(void *ctx, int count)
{
	msp_db *db = ctx;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		db->busy_t0 = now;
	double ms = (double)(now.tv_sec - db->busy_t0.tv_sec) * 1e3 +
	            (double)(now.tv_nsec - db->busy_t0.tv_nsec) / 1e6;
	if (ms >= db->busy_ms)
		return 0;
	struct timespec step = {0, 500000};
	nanosleep(&step, NULL);
	return 1;
}

int msp_sq_open(msp_db *db, const char *path)
{
	if (sqlite3_open_v2(path, &db->sq, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		return msp_db_fail(db, MSP_ERR_DB, "cannot open %s: %s", path,
		                   db->sq ? sqlite3_errmsg(db->sq) : "out of memory");
	}
	/* how long a writer waits for another's lock before giving up with
	 * "database is locked": BUSY_MS, or MSPIPE_DB_BUSY_MS milliseconds */
	const char *bms = getenv("MSPIPE_DB_BUSY_MS");
	char *bend = NULL;
	long busy = bms && *bms ? strtol(bms, &bend, 10) : -1;
	db->busy_ms = busy >= 0 && bend && !*bend && busy <= INT32_MAX ? (int)busy : BUSY_MS;
	sqlite3_busy_handler(db->sq, busy_wait, db);
	sqlite3_extended_result_codes(db->sq, 0);
	int rc = msp_sq_exec(db, "PRAGMA journal_mode=WAL");
	if (!rc)
		rc = msp_sq_exec(db, "PRAGMA synchronous=NORMAL");
	/* A page cache of 512 KiB instead of SQLite's 2 MB: the tools stream
	 * (a cursor reads a collection in index order, mssave appends at the
	 * end of each B-tree), so a page is rarely wanted again after its
	 * neighbours, and one that is comes back from the OS's cache with a
	 * pread.  The 2 MB filled over the first few thousand documents and so
	 * made the peak RSS of msquery and mssave grow with the run (by 1.5 MB
	 * from 1k to 100k documents); msquery's 100k rows take the same time
	 * with either (and msindex of 100k traces too). */
	if (!rc)
		rc = msp_sq_exec(db, "PRAGMA cache_size=-512");
	if (!rc)
		rc = msp_sq_exec(db, "CREATE TABLE IF NOT EXISTS _msp_shape(coll TEXT NOT NULL, path TEXT NOT NULL,"
		                     " types INTEGER NOT NULL, PRIMARY KEY(coll, path)) WITHOUT ROWID;"
		                     "CREATE TABLE IF NOT EXISTS _msp_index(coll TEXT NOT NULL, name TEXT NOT NULL,"
		                     " keys TEXT NOT NULL, uniq INTEGER NOT NULL, PRIMARY KEY(coll, name)) WITHOUT ROWID");
	if (rc) {
		char tmp[1024];
		snprintf(tmp, sizeof tmp, "%s", db->err);
		return msp_db_fail(db, MSP_ERR_DB, "cannot open %s as a database: %s", path, tmp);
	}
	sqlite3_create_function(db->sq, "msp_regex", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_regex, NULL,
	                        NULL);
	return MSP_OK;
}

void msp_sq_close(msp_db *db)
{
	if (db->ins_stmt)
		sqlite3_finalize(db->ins_stmt);
	db->ins_stmt = NULL;
	if (db->sq) {
		if (db->in_txn)
			sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close_v2(db->sq);
	}
	db->sq = NULL;
}

/* ------------------------------------------------------------ helpers */

static int table_exists(msp_db *db, const char *coll)
{
	sqlite3_stmt *st;
	int yes = 0;
	if (sqlite3_prepare_v2(db->sq, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st, NULL))
		return 0;
	sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = 1;
	sqlite3_finalize(st);
	return yes;
}

static int path_types(msp_db *db, const char *coll, const char *path)
{
	sqlite3_stmt *st;
	int t = 0;
	if (sqlite3_prepare_v2(db->sq, "SELECT types FROM _msp_shape WHERE coll=? AND path=?", -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return t;
}

static int seg_plain(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* The JSON path literal of a dot path, as an SQL string literal:
 * 'a.b' -> '$.a.b'; odd segments are quoted ('$."x y"'), a "'" doubled.
 * A segment '"N' (N digits; the translator writes it for a positional
 * array element, and a queried key never holds '"') becomes '[N]'. */
static void add_jpath(msp_buf *b, const char *path, const char *suffix)
{
	msp_buf_add(b, "'$", 2);
	const char *s = path;
	while (*s) {
		const char *e = strchr(s, '.');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (s[0] == '"') {
			msp_buf_add(b, "[", 1);
			msp_buf_add(b, s + 1, n - 1);
			msp_buf_add(b, "]", 1);
			s += n;
			if (*s == '.')
				s++;
			continue;
		}
		msp_buf_add(b, ".", 1);
		int plain = seg_plain(s, n);
		if (!plain)
			msp_buf_add(b, "\"", 1);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '\'') {
				msp_buf_add(b, "''", 2);
			} else if (c < 0x20 || c == '\\') {
				/* as the stored JSON writes the key (db.c json_str): SQLite
				 * 3.40 compares a quoted label with the key's JSON text as
				 * it is, escapes included (later versions unescape both) */
				static const char hex[] = "0123456789abcdef";
				char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				const char *sh = c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : c == '\n' ? "\\n"
				               : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
				if (sh)
					msp_buf_add(b, sh, 2);
				else
					msp_buf_add(b, e, 6);
			} else {
				msp_buf_add(b, s + i, 1);
			}
		}
		if (!plain)
			msp_buf_add(b, "\"", 1);
		s += n;
		if (*s == '.')
			s++;
	}
	if (suffix)
		msp_buf_add(b, suffix, strlen(suffix));
	msp_buf_add(b, "'", 1);
}

static void add_quoted_ident(msp_buf *b, const char *name)
{
	msp_buf_add(b, "\"", 1);
	for (const char *s = name; *s; s++) {
		if (*s == '"')
			msp_buf_add(b, "\"\"", 2);
		else
			msp_buf_add(b, s, 1);
	}
	msp_buf_add(b, "\"", 1);
}

/* json_extract(<docx>, '$.path'); docx is "m.doc", or "e0.value" for the
 * elements of an array of documents. */
static void add_extract(msp_buf *b, const char *docx, const char *path)
{
	msp_buf_addf(b, "json_extract(%s,", docx);
	add_jpath(b, path, NULL);
	msp_buf_add(b, ")", 1);
}

static void add_type(msp_buf *b, const char *docx, const char *path, const char *suffix)
{
	msp_buf_addf(b, "json_type(%s,", docx);
	add_jpath(b, path, suffix);
	msp_buf_add(b, ")", 1);
}

/* ------------------------------------------------------------ translation */

typedef struct bindv {
	int kind; /* 1 int64, 2 double, 3 text (pointer), 4 text (inline) */
	int64_t i;
	double d;
	const char *s;
	int slen;
	char in[40];
} bindv;

typedef struct xl {
	msp_db *db;
	const char *coll;
	const char *tab;   /* "" or "m." */
	const char *docx;  /* the document expression: "m.doc", or an array element's "eN.value" */
	int top;           /* docx is the stored document (so _id is the id column) */
	int apre;          /* >0: the current key runs through an array of documents at path[0..apre) */
	int nalias;
	msp_buf sql;
	bindv *b;
	size_t nb, cap;
	int rc;
} xl;

static bindv *newbind(xl *x)
{
	if (x->nb == x->cap) {
		size_t nc = x->cap ? 2 * x->cap : 16;
		bindv *nbp = realloc(x->b, nc * sizeof *nbp);
		if (!nbp) {
			x->rc = MSP_ERR_NOMEM;
			return NULL;
		}
		x->b = nbp;
		x->cap = nc;
	}
	bindv *v = &x->b[x->nb++];
	memset(v, 0, sizeof *v);
	msp_buf_add(&x->sql, "?", 1);
	return v;
}

static void bind_value(xl *x, const bson_value_t *v, int oid_as_json)
{
	bindv *b = newbind(x);
	if (!b)
		return;
	switch (v->value_type) {
	case BSON_TYPE_INT32: b->kind = 1; b->i = v->value.v_int32; break;
	case BSON_TYPE_INT64: b->kind = 1; b->i = v->value.v_int64; break;
	case BSON_TYPE_DOUBLE: b->kind = 2; b->d = v->value.v_double; break;
	case BSON_TYPE_BOOL: b->kind = 1; b->i = v->value.v_bool; break;
	case BSON_TYPE_UTF8: b->kind = 3; b->s = v->value.v_utf8.str; b->slen = (int)v->value.v_utf8.len; break;
	case BSON_TYPE_OID: {
		char hex[25];
		bson_oid_to_string(&v->value.v_oid, hex);
		b->kind = 4;
		if (oid_as_json)
			snprintf(b->in, sizeof b->in, "{\"$oid\":\"%s\"}", hex);
		else
			snprintf(b->in, sizeof b->in, "%s", hex);
		break;
	}
	default: b->kind = 0; break; /* NULL */
	}
}

static void bind_text(xl *x, const char *s)
{
	bindv *b = newbind(x);
	if (!b)
		return;
	b->kind = 3;
	b->s = s;
	b->slen = -1;
}

static int vclass(bson_type_t t)
{
	switch (t) {
	case BSON_TYPE_INT32: case BSON_TYPE_INT64: case BSON_TYPE_DOUBLE: return T_NUM;
	case BSON_TYPE_UTF8: return T_STR;
	case BSON_TYPE_BOOL: return T_BOOL;
	case BSON_TYPE_NULL: return T_NULL;
	case BSON_TYPE_OID: return T_OID;
	default: return 0;
	}
}

enum { OP_EQ, OP_GT, OP_GTE, OP_LT, OP_LTE };
static const char *opsql[] = {"=", ">", ">=", "<", "<="};

static void add(xl *x, const char *s)
{
	msp_buf_add(&x->sql, s, strlen(s));
}

/* Non-finite doubles are stored as {"$numberDouble": "NaN" | "Infinity" |
 * "-Infinity"} objects (JSON has no such numbers), so a numeric comparison
 * must look for them by that text: MongoDB (and lib/match.c) take NaN as
 * equal to NaN only ($eq, $gte, $lte) and below or above nothing, and the
 * infinities as numbers beyond every other (fuzz_sql: {"c": NaN} did not
 * find a stored NaN).  0 for a finite value, else 'N', '+' or '-'. */
static int nonfinite(const bson_value_t *v)
{
	if (v->value_type != BSON_TYPE_DOUBLE)
		return 0;
	double d = v->value.v_double;
	if (d != d)
		return 'N';
	if (d - d == 0)
		return 0;
	return d > 0 ? '+' : '-';
}

/* "<e> = 'LABEL'" for the stored non-finite LABEL; e is the $numberDouble of
 * the path (elem = NULL) or of a json_each row's value (elem = the row's
 * value and type columns' prefix, "" for the bare names). */
static void nf_is(xl *x, const char *path, const char *elem, const char *label)
{
	if (elem) {
		msp_buf_addf(&x->sql, "(%stype = 'object' AND json_extract(%svalue,'$.$numberDouble') = '%s')",
		             elem, elem, label);
	} else {
		add(x, "(json_extract(");
		add(x, x->docx);
		add(x, ",");
		add_jpath(&x->sql, path, ".$numberDouble");
		msp_buf_addf(&x->sql, ") = '%s')", label);
	}
}

/* Any finite number at the path (or in the json_each row). */
static void finite_is(xl *x, const char *path, const char *elem)
{
	if (elem) {
		msp_buf_addf(&x->sql, "(%stype IN ('integer','real'))", elem);
	} else {
		add(x, "(");
		add_type(&x->sql, x->docx, path, NULL);
		add(x, " IN ('integer','real'))");
	}
}

/* The whole condition "value op v" for a non-finite v (kind from nonfinite). */
static void nf_cond(xl *x, const char *path, const char *elem, int op, int kind)
{
	if (kind == 'N') {
		if (op == OP_EQ || op == OP_GTE || op == OP_LTE)
			nf_is(x, path, elem, "NaN");
		else
			add(x, "0");
		return;
	}
	const char *same = kind == '+' ? "Infinity" : "-Infinity";
	const char *other = kind == '+' ? "-Infinity" : "Infinity";
	/* below +inf (above -inf): the finite numbers and the other infinity */
	int beyond = kind == '+' ? (op == OP_LT || op == OP_LTE) : (op == OP_GT || op == OP_GTE);
	int equal = op == OP_EQ || op == OP_GTE || op == OP_LTE;
	if (!beyond) {
		if (equal)
			nf_is(x, path, elem, same);
		else
			add(x, "0");
		return;
	}
	add(x, "(");
	finite_is(x, path, elem);
	add(x, " OR ");
	nf_is(x, path, elem, other);
	if (equal) {
		add(x, " OR ");
		nf_is(x, path, elem, same);
	}
	add(x, ")");
}

/* A condition on the path's scalar value (no array branch). */
static void scalar_cond(xl *x, const char *path, int shape, int op, const bson_value_t *v)
{
	int c = vclass(v->value_type);
	int nf = nonfinite(v);
	if (nf && !(x->top && !strcmp(path, "_id"))) {
		nf_cond(x, path, NULL, op, nf);
		return;
	}
	/* a finite number against a stored infinity (only where the path has
	 * held a value of no JSON number type) */
	int inf_too = c == T_NUM && op != OP_EQ && (shape & T_OTHER) && !(x->top && !strcmp(path, "_id"));
	if (inf_too)
		add(x, "(");
	if (x->top && !strcmp(path, "_id")) {
		if (c == T_OID) {
			msp_buf_addf(&x->sql, "%sid %s ", x->tab, opsql[op]);
			bind_value(x, v, 0);
		} else {
			add(x, "0");
		}
		return;
	}
	if (c == T_NULL) {
		/* {k: null} matches null and missing (range ops on null are refused) */
		add(x, "(");
		add_extract(&x->sql, x->docx, path);
		add(x, " IS NULL)");
		return;
	}
	if (c == T_BOOL) {
		add(x, "(");
		add_type(&x->sql, x->docx, path, NULL);
		add(x, v->value.v_bool ? " = 'true')" : " = 'false')");
		return;
	}
	add(x, "(");
	add_extract(&x->sql, x->docx, path);
	msp_buf_addf(&x->sql, " %s ", opsql[op]);
	bind_value(x, v, 1);
	if (c == T_NUM && (shape & ~(T_NUM | T_NULL) & 0xffff)) {
		add(x, " AND ");
		add_type(&x->sql, x->docx, path, NULL);
		add(x, " IN ('integer','real')");
	} else if (c == T_STR && (shape & ~(T_STR | T_NULL) & 0xffff)) {
		add(x, " AND ");
		add_type(&x->sql, x->docx, path, NULL);
		add(x, " = 'text'");
	} else if (c == T_OID && (shape & ~(T_OID | T_NULL) & 0xffff)) {
		add(x, " AND ");
		add_type(&x->sql, x->docx, path, ".$oid");
		add(x, " = 'text'");
	}
	add(x, ")");
	if (inf_too) {
		add(x, " OR ");
		nf_is(x, path, NULL, op == OP_GT || op == OP_GTE ? "Infinity" : "-Infinity");
		add(x, ")");
	}
}

/* The same condition on the elements of an array (json_each row: type, value). */
static void elem_cond(xl *x, int op, const bson_value_t *v)
{
	int c = vclass(v->value_type);
	switch (c) {
	case T_NULL: add(x, "type = 'null'"); break;
	case T_BOOL: add(x, v->value.v_bool ? "type = 'true'" : "type = 'false'"); break;
	case T_NUM:
		if (nonfinite(v)) {
			nf_cond(x, NULL, "", op, nonfinite(v));
			break;
		}
		msp_buf_addf(&x->sql, "((type IN ('integer','real') AND value %s ", opsql[op]);
		bind_value(x, v, 0);
		add(x, ")");
		if (op != OP_EQ) {
			add(x, " OR ");
			nf_is(x, NULL, "", op == OP_GT || op == OP_GTE ? "Infinity" : "-Infinity");
		}
		add(x, ")");
		break;
	case T_STR:
		msp_buf_addf(&x->sql, "type = 'text' AND value %s ", opsql[op]);
		bind_value(x, v, 0);
		break;
	case T_OID:
		msp_buf_addf(&x->sql, "type = 'object' AND json_extract(value,'$.$oid') %s ", opsql[op]);
		bind_value(x, v, 0);
		break;
	default: add(x, "0");
	}
}

static void array_open(xl *x, const char *path)
{
	add(x, "(");
	add_type(&x->sql, x->docx, path, NULL);
	msp_buf_addf(&x->sql, " = 'array' AND EXISTS(SELECT 1 FROM json_each(%s,", x->docx);
	add_jpath(&x->sql, path, NULL);
	add(x, ") WHERE ");
}

static void cmp_cond(xl *x, const char *path, int shape, int op, const bson_value_t *v)
{
	if (!(shape & T_ARR) || (x->top && !strcmp(path, "_id"))) {
		scalar_cond(x, path, shape, op, v);
		return;
	}
	add(x, "(");
	scalar_cond(x, path, shape, op, v);
	add(x, " OR ");
	array_open(x, path);
	elem_cond(x, op, v);
	add(x, ")))");
}

static void regex_cond(xl *x, const char *path, int shape, const char *re, const char *opts)
{
	if (x->top && !strcmp(path, "_id")) {
		add(x, "0");
		return;
	}
	add(x, "(msp_regex(");
	add_extract(&x->sql, x->docx, path);
	add(x, ", ");
	bind_text(x, re);
	add(x, ", ");
	bind_text(x, opts ? opts : "");
	add(x, ")");
	if (shape & ~(T_STR | T_NULL) & 0xffff) {
		add(x, " AND ");
		add_type(&x->sql, x->docx, path, NULL);
		add(x, " = 'text'");
	}
	if (shape & T_ARR) {
		add(x, " OR ");
		array_open(x, path);
		add(x, "type = 'text' AND msp_regex(value, ");
		bind_text(x, re);
		add(x, ", ");
		bind_text(x, opts ? opts : "");
		add(x, ")))");
	}
	add(x, ")");
}

static void in_cond(xl *x, const char *path, int shape, bson_iter_t *list)
{
	/* Fast form: every value of one class that the path holds alone -> one IN (...) (uses an index). */
	bson_iter_t a = *list;
	int cls = -1, n = 0;
	while (bson_iter_next(&a)) {
		int c = vclass(bson_iter_type(&a));
		if (cls == -1)
			cls = c;
		else if (cls != c)
			cls = 0;
		n++;
	}
	if (n == 0) {
		add(x, "0");
		return;
	}
	int isid = x->top && !strcmp(path, "_id");
	if ((isid && cls == T_OID) ||
	    (!isid && (cls == T_NUM || cls == T_STR) && !(shape & ~(cls | T_NULL) & 0xffff))) {
		a = *list;
		add(x, "(");
		if (isid)
			msp_buf_addf(&x->sql, "%sid", x->tab);
		else
			add_extract(&x->sql, x->docx, path);
		add(x, " IN (");
		int first = 1;
		while (bson_iter_next(&a)) {
			if (!first)
				add(x, ",");
			first = 0;
			bind_value(x, bson_iter_value(&a), 0);
		}
		add(x, "))");
		return;
	}
	a = *list;
	add(x, "(");
	int first = 1;
	while (bson_iter_next(&a)) {
		if (!first)
			add(x, " OR ");
		first = 0;
		cmp_cond(x, path, shape, OP_EQ, bson_iter_value(&a));
	}
	add(x, ")");
}

static void not_open(xl *x)
{
	add(x, "(NOT COALESCE((");
}

static void not_close(xl *x)
{
	add(x, "), 0))");
}

static void exists_cond(xl *x, const char *path, int yes)
{
	if (x->top && !strcmp(path, "_id")) {
		add(x, yes ? "1" : "0");
		return;
	}
	add(x, "(");
	add_type(&x->sql, x->docx, path, NULL);
	add(x, yes ? " IS NOT NULL)" : " IS NULL)");
}

/* The SQLite backend reads one array level on a path, not two. */
static int two_arrays(xl *x, const char *path)
{
	return msp_db_fail(x->db, MSP_ERR_UNSUPPORTED,
	                   "\"%s\": a path through two levels of arrays is not supported by the SQLite "
	                   "backend", path);
}

/* The types seen at a key path; sets x->apre when the path runs through an
 * array of documents (one level; a second level is refused). */
static int path_shape(xl *x, const char *path)
{
	x->apre = 0;
	if (!strcmp(path, "_id"))
		return T_OID;
	char pre[1024];
	size_t n = strlen(path);
	if (n >= sizeof pre) {
		x->rc = msp_db_fail(x->db, MSP_ERR_INVAL, "key path too long");
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (path[i] != '.')
			continue;
		memcpy(pre, path, i);
		pre[i] = 0;
		int t = path_types(x->db, x->coll, pre);
		if (t > 0 && (t & T_ARR)) {
			if (x->apre) {
				x->rc = two_arrays(x, path);
				return 0;
			}
			x->apre = (int)i;
		}
	}
	int t = path_types(x->db, x->coll, path);
	return t < 0 ? 0 : t;
}

/* A primitive condition on one key path, and its extension to a path that
 * runs through an array of documents ("logdata.algorithm" with logdata an
 * array): as in MongoDB, true when the path's value matches, or when any
 * document in the array matches on the rest of the path. */
enum { P_CMP, P_RE, P_IN, P_EXISTS };
typedef struct primargs {
	int kind, op, yes;
	const bson_value_t *v;
	bson_iter_t list;
	const char *re, *ro;
} primargs;

static void prim_emit(xl *x, const char *path, int shape, primargs *a)
{
	switch (a->kind) {
	case P_CMP: cmp_cond(x, path, shape, a->op, a->v); break;
	case P_RE: regex_cond(x, path, shape, a->re, a->ro); break;
	case P_IN: {
		bson_iter_t l = a->list;
		in_cond(x, path, shape, &l);
		break;
	}
	default: exists_cond(x, path, a->yes); break;
	}
}

static int has_null(primargs *a)
{
	if (a->kind == P_CMP)
		return a->v->value_type == BSON_TYPE_NULL;
	if (a->kind == P_IN) {
		bson_iter_t l = a->list;
		while (bson_iter_next(&l))
			if (BSON_ITER_HOLDS_NULL(&l))
				return 1;
	}
	return 0;
}

/* Is s[0..n) an array index as MongoDB reads one in a path: digits, no
 * leading zero (a BSON array's keys are "0", "1", ...)?  At most 9 digits. */
static int index_seg(const char *s, size_t n)
{
	if (n == 0 || n > 9 || (s[0] == '0' && n > 1))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The positional branch of a path through an array: with pre an array,
 * "pre.N.rest" also reaches element N itself ({"a.0": 0} matches
 * {"a": [0]}; "a.0.b" is key b of element 0), as MongoDB and lib/match.c
 * read it.  Emits " OR (<condition on $.pre[N].rest>)", or nothing when the
 * component after pre is not an index.  The element's types are those of
 * the array's elements (for "pre.N") or of the array's documents' keys
 * (for "pre.N.rest", kept under "pre.rest"); a path that would go on
 * through a second array is refused, as in path_shape. */
static void positional(xl *x, const char *path, const char *pre, const char *rest, primargs *a)
{
	const char *dot = strchr(rest, '.');
	size_t nl = dot ? (size_t)(dot - rest) : strlen(rest);
	if (!index_seg(rest, nl))
		return;
	int elem = path_types(x->db, x->coll, pre);
	elem = elem > 0 ? (elem >> T_ELEM) & 0xffff : 0;
	int shape = elem;
	char sub[1100];
	if (dot) {
		if (elem & T_ARR) {
			x->rc = two_arrays(x, path);
			return;
		}
		/* the documents' keys: "pre.rest" without the index */
		const char *r = dot + 1;
		size_t pl = strlen(pre), rl = strlen(r);
		if (pl + 1 + rl >= sizeof sub) {
			x->rc = msp_db_fail(x->db, MSP_ERR_INVAL, "key path too long");
			return;
		}
		memcpy(sub, pre, pl);
		sub[pl] = '.';
		memcpy(sub + pl + 1, r, rl + 1);
		for (size_t i = pl + 1; sub[i]; i++) {
			if (sub[i] != '.')
				continue;
			sub[i] = 0;
			int t = path_types(x->db, x->coll, sub);
			sub[i] = '.';
			if (t > 0 && (t & T_ARR)) {
				x->rc = two_arrays(x, path);
				return;
			}
		}
		int t = path_types(x->db, x->coll, sub);
		shape = t > 0 ? t : 0;
	}
	/* pre, the index as '"N' (add_jpath writes [N]), then the rest */
	char ppath[1100];
	size_t pl = strlen(pre), rl = strlen(rest);
	if (pl + 2 + rl >= sizeof ppath) {
		x->rc = msp_db_fail(x->db, MSP_ERR_INVAL, "key path too long");
		return;
	}
	memcpy(ppath, pre, pl);
	ppath[pl] = '.';
	ppath[pl + 1] = '"';
	memcpy(ppath + pl + 2, rest, rl + 1);
	add(x, " OR (");
	add_type(&x->sql, x->docx, pre, NULL);
	add(x, " = 'array' AND ");
	prim_emit(x, ppath, shape, a);
	add(x, ")");
}

static void prim(xl *x, const char *path, int shape, primargs *a)
{
	if (!x->apre) {
		prim_emit(x, path, shape, a);
		return;
	}
	if (has_null(a)) {
		x->rc = msp_db_fail(x->db, MSP_ERR_UNSUPPORTED,
		                    "\"%s\": comparing with null through an array of documents is not supported "
		                    "by the SQLite backend", path);
		return;
	}
	char pre[1024];
	memcpy(pre, path, (size_t)x->apre);
	pre[x->apre] = 0;
	const char *rest = path + x->apre + 1;
	const char *docx = x->docx;
	int top = x->top, apre = x->apre;
	char alias[32], elem[48];
	snprintf(alias, sizeof alias, "e%d", x->nalias++);
	snprintf(elem, sizeof elem, "%s.value", alias);
	add(x, "((");
	add_type(&x->sql, docx, pre, NULL);
	add(x, " IS NOT 'array' AND ");
	x->apre = 0;
	prim_emit(x, path, shape, a);
	add(x, ") OR (");
	add_type(&x->sql, docx, pre, NULL);
	msp_buf_addf(&x->sql, " = 'array' AND EXISTS(SELECT 1 FROM json_each(%s,", docx);
	add_jpath(&x->sql, pre, NULL);
	msp_buf_addf(&x->sql, ") AS %s WHERE %s.type = 'object' AND ", alias, alias);
	x->docx = elem;
	x->top = 0;
	prim_emit(x, rest, shape, a);
	x->docx = docx;
	x->top = top;
	add(x, "))");
	positional(x, path, pre, rest, a);
	x->apre = apre;
	add(x, ")");
}

static void ops_cond(xl *x, const char *path, int shape, bson_iter_t *ops)
{
	const char *re = NULL, *reopts = NULL;
	int first = 1;
	add(x, "(");
	while (bson_iter_next(ops)) {
		const char *op = bson_iter_key(ops);
		if (!strcmp(op, "$options")) {
			reopts = bson_iter_utf8(ops, NULL);
			continue;
		}
		if (!strcmp(op, "$regex")) {
			if (BSON_ITER_HOLDS_REGEX(ops)) {
				const char *o;
				re = bson_iter_regex(ops, &o);
				if (!reopts || !*reopts)
					reopts = o;
			} else {
				re = bson_iter_utf8(ops, NULL);
			}
			continue;
		}
		if (!first)
			add(x, " AND ");
		first = 0;
		primargs pa;
		memset(&pa, 0, sizeof pa);
		pa.kind = P_CMP;
		pa.v = bson_iter_value(ops);
		if (!strcmp(op, "$eq")) {
			pa.op = OP_EQ;
			prim(x, path, shape, &pa);
		} else if (!strcmp(op, "$ne")) {
			pa.op = OP_EQ;
			not_open(x);
			prim(x, path, shape, &pa);
			not_close(x);
		} else if (!strcmp(op, "$gt") || !strcmp(op, "$gte") || !strcmp(op, "$lt") || !strcmp(op, "$lte")) {
			pa.op = !strcmp(op, "$gt") ? OP_GT : !strcmp(op, "$gte") ? OP_GTE : !strcmp(op, "$lt") ? OP_LT : OP_LTE;
			prim(x, path, shape, &pa);
		} else if (!strcmp(op, "$in") || !strcmp(op, "$nin")) {
			pa.kind = P_IN;
			bson_iter_recurse(ops, &pa.list);
			if (op[1] == 'n')
				not_open(x);
			prim(x, path, shape, &pa);
			if (op[1] == 'n')
				not_close(x);
		} else if (!strcmp(op, "$exists")) {
			/* false is "not true": through an array, no document has the key */
			pa.kind = P_EXISTS;
			pa.yes = 1;
			if (!bson_iter_as_bool(ops))
				not_open(x);
			prim(x, path, shape, &pa);
			if (!bson_iter_as_bool(ops))
				not_close(x);
		} else if (!strcmp(op, "$not")) {
			not_open(x);
			if (BSON_ITER_HOLDS_REGEX(ops)) {
				pa.kind = P_RE;
				pa.re = bson_iter_regex(ops, &pa.ro);
				prim(x, path, shape, &pa);
			} else {
				bson_iter_t sub;
				bson_iter_recurse(ops, &sub);
				ops_cond(x, path, shape, &sub);
			}
			not_close(x);
		} else {
			x->rc = msp_db_fail(x->db, MSP_ERR_INVAL, "\"%s\": unsupported operator \"%s\"", path, op);
		}
	}
	if (re) {
		if (!first)
			add(x, " AND ");
		first = 0;
		primargs pa;
		memset(&pa, 0, sizeof pa);
		pa.kind = P_RE;
		pa.re = re;
		pa.ro = reopts;
		prim(x, path, shape, &pa);
	}
	if (first)
		add(x, "1");
	add(x, ")");
}

static void filter_cond(xl *x, const bson_t *filter);

static void logic_cond(xl *x, const char *k, bson_iter_t *it)
{
	bson_iter_t a;
	bson_iter_recurse(it, &a);
	int nor = !strcmp(k, "$nor");
	const char *join = !strcmp(k, "$and") ? " AND " : " OR ";
	if (nor)
		not_open(x);
	add(x, "(");
	int first = 1;
	while (bson_iter_next(&a)) {
		uint32_t len;
		const uint8_t *data;
		bson_t sub;
		bson_iter_document(&a, &len, &data);
		if (!bson_init_static(&sub, data, len)) {
			x->rc = msp_db_fail(x->db, MSP_ERR_INVAL, "malformed filter in %s", k);
			return;
		}
		if (!first)
			add(x, join);
		first = 0;
		filter_cond(x, &sub);
	}
	add(x, ")");
	if (nor)
		not_close(x);
}

static void filter_cond(xl *x, const bson_t *filter)
{
	bson_iter_t it;
	int first = 1;
	add(x, "(");
	if (filter && bson_iter_init(&it, filter)) {
		while (bson_iter_next(&it) && !x->rc) {
			const char *k = bson_iter_key(&it);
			if (!first)
				add(x, " AND ");
			first = 0;
			if (k[0] == '$') {
				logic_cond(x, k, &it);
				continue;
			}
			int shape = path_shape(x, k);
			if (x->rc)
				return;
			if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
				bson_iter_t sub;
				bson_iter_recurse(&it, &sub);
				ops_cond(x, k, shape, &sub);
			} else {
				primargs pa;
				memset(&pa, 0, sizeof pa);
				if (BSON_ITER_HOLDS_REGEX(&it)) {
					pa.kind = P_RE;
					pa.re = bson_iter_regex(&it, &pa.ro);
				} else {
					pa.kind = P_CMP;
					pa.op = OP_EQ;
					pa.v = bson_iter_value(&it);
				}
				prim(x, k, shape, &pa);
			}
		}
	}
	if (first)
		add(x, "1");
	add(x, ")");
}

/* The not_saved_as condition on table alias m. (see msp_find_opts) */
static void saved_cond(xl *x, const char *tag)
{
	static const char *colls[] = {"wf_TimeSeries", "wf_Seismogram", "cemetery"};
	char key[160];
	snprintf(key, sizeof key, "%s_id", x->coll);
	/* the queried collection too: a second step reads wf_TimeSeries and
	 * saves into wf_TimeSeries (the alias keeps the two apart) */
	for (int i = 0; i < 3; i++) {
		if (!table_exists(x->db, colls[i]))
			continue;
		add(x, " AND NOT EXISTS(SELECT 1 FROM ");
		add_quoted_ident(&x->sql, colls[i]);
		add(x, " s WHERE ");
		add_extract(&x->sql, "s.doc", key);
		msp_buf_addf(&x->sql, " = json_object('$oid', %sid) AND ", x->tab);
		add_extract(&x->sql, "s.doc", "data_tag");
		add(x, " = ");
		bind_text(x, tag);
		add(x, ")");
	}
}

/* Make sure the lookups of not_saved_as have an index (a no-op when there). */
static void saved_indexes(msp_db *db, const char *coll)
{
	static const char *colls[] = {"wf_TimeSeries", "wf_Seismogram", "cemetery"};
	char key[160];
	snprintf(key, sizeof key, "%s_id", coll);
	for (int i = 0; i < 3; i++) {
		if (!table_exists(db, colls[i]))
			continue;
		bson_t keys = BSON_INITIALIZER;
		BSON_APPEND_INT32(&keys, key, 1);
		BSON_APPEND_INT32(&keys, "data_tag", 1);
		/* only when missing: creating takes the write lock, which a saving job may hold */
		char iname[300], derived[256];
		msp_db_index_name(&keys, derived, sizeof derived);
		snprintf(iname, sizeof iname, "%s$%s", colls[i], derived);
		sqlite3_stmt *st;
		int have = 0;
		if (sqlite3_prepare_v2(db->sq, "SELECT 1 FROM sqlite_master WHERE type='index' AND name=?", -1, &st, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_text(st, 1, iname, -1, SQLITE_STATIC);
			have = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		if (have) {
			bson_destroy(&keys);
			continue;
		}
		char saved[sizeof db->err];
		memcpy(saved, db->err, sizeof saved);
		msp_sq_create_index(db, colls[i], &keys, NULL, 0); /* read-only file: the query still works */
		memcpy(db->err, saved, sizeof saved);
		bson_destroy(&keys);
	}
}

static void order_by(xl *x, const bson_t *sort)
{
	bson_iter_t it;
	int have_id = 0, first = 1;
	add(x, " ORDER BY ");
	if (sort && bson_iter_init(&it, sort)) {
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			const char *dir = bson_iter_as_int64(&it) < 0 ? " DESC" : "";
			if (!first)
				add(x, ", ");
			first = 0;
			if (!strcmp(k, "_id")) {
				have_id = 1;
				msp_buf_addf(&x->sql, "%sid%s", x->tab, dir);
				continue;
			}
			int shape = path_shape(x, k);
			if (!x->rc && x->apre)
				x->rc = msp_db_fail(x->db, MSP_ERR_UNSUPPORTED,
				                    "sort on \"%s\", a path through an array, is not supported by the SQLite backend", k);
			if (x->rc)
				return;
			if (shape & ~(T_NUM | T_STR | T_NULL) & 0xffff) {
				/* MongoDB's type brackets: null < numbers < strings < objects < arrays < bool */
				add(x, "CASE ");
				add_type(&x->sql, x->docx, k, NULL);
				add(x, " WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'object' THEN 4"
				       " WHEN 'array' THEN 5 WHEN 'true' THEN 8 WHEN 'false' THEN 8 ELSE 1 END");
				add(x, dir);
				add(x, ", ");
			}
			add_extract(&x->sql, x->docx, k);
			add(x, dir);
		}
	}
	if (!have_id) {
		if (!first)
			add(x, ", ");
		msp_buf_addf(&x->sql, "%sid", x->tab);
	}
}

static int bind_all(xl *x, sqlite3_stmt *st)
{
	for (size_t i = 0; i < x->nb; i++) {
		bindv *b = &x->b[i];
		int r;
		switch (b->kind) {
		case 1: r = sqlite3_bind_int64(st, (int)i + 1, b->i); break;
		case 2: r = sqlite3_bind_double(st, (int)i + 1, b->d); break;
		case 3: r = sqlite3_bind_text(st, (int)i + 1, b->s, b->slen, SQLITE_STATIC); break;
		case 4: r = sqlite3_bind_text(st, (int)i + 1, b->in, -1, SQLITE_TRANSIENT); break;
		default: r = sqlite3_bind_null(st, (int)i + 1); break;
		}
		if (r != SQLITE_OK)
			return MSP_ERR_DB;
	}
	return MSP_OK;
}

static void xl_free(xl *x)
{
	msp_buf_free(&x->sql);
	free(x->b);
}

/* Build "SELECT <what> FROM coll m WHERE ... [ORDER BY] [LIMIT]" into x. */
static int build_select(xl *x, msp_db *db, const char *coll, const char *what, const bson_t *filter,
                        const msp_find_opts *o, int with_order, int with_limit)
{
	memset(x, 0, sizeof *x);
	x->db = db;
	x->coll = coll;
	x->tab = "m.";
	x->docx = "m.doc";
	x->top = 1;
	msp_buf_init(&x->sql);
	msp_buf_addf(&x->sql, "SELECT %s FROM ", what);
	add_quoted_ident(&x->sql, coll);
	add(x, " m WHERE ");
	filter_cond(x, filter);
	if (!x->rc && o && o->not_saved_as)
		saved_cond(x, o->not_saved_as);
	if (!x->rc && with_order && o && o->sort)
		order_by(x, o->sort);
	if (!x->rc && with_limit && o && (o->limit > 0 || o->skip > 0)) {
		msp_buf_addf(&x->sql, " LIMIT %lld OFFSET %lld", (long long)(o->limit > 0 ? o->limit : -1),
		             (long long)o->skip);
	}
	if (x->sql.failed && !x->rc)
		x->rc = MSP_ERR_NOMEM;
	return x->rc;
}

static int prepare(msp_db *db, xl *x, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db->sq, x->sql.p, (int)x->sql.len, st, NULL) != SQLITE_OK)
		return sq_err(db, "query");
	if (bind_all(x, *st)) {
		sqlite3_finalize(*st);
		*st = NULL;
		return sq_err(db, "bind");
	}
	return MSP_OK;
}

/* ------------------------------------------------------------ find */

/*
 * A find reads its result in two phases, so that no read transaction lasts
 * as long as the caller's loop.  SQLite cannot checkpoint the write-ahead
 * log past the snapshot of an open reader: msquery stepping one SELECT for
 * its whole output held one snapshot while the mssave at the end of its
 * pipeline committed, and the WAL grew by every page saved (98 MB at 100k
 * traces, to be checkpointed at once at the end).
 *
 * Phase 1 (the first msp_cursor_next) runs the query to its end in one
 * statement, keeping only each matching row's key (rowid and _id, 32
 * bytes): the set and the order of the result are those of that moment.
 * The keys stay in memory up to WALK_MEM of them, beyond that they go to
 * an unlinked temporary file in $TMPDIR (else /tmp), so that memory does
 * not grow with the result.  Without a sort, phase 1 also reads the
 * documents (the plan and so the order stay those of a plain
 * "SELECT doc"), and the first chunk's documents are taken as they come:
 * a small result is one statement, as before.
 *
 * Phase 2 reads the documents by key, a chunk at a time (WALK_BYTES of
 * text, between WALK_MIN and WALK_MAX documents) in one statement, its own
 * short read transaction, into a buffer from which the chunk is served.
 * Between chunks the cursor holds no transaction at all.  A document
 * changed since phase 1 comes as it is at its chunk's time; one deleted
 * since is left out and counted (msp_cursor_vanished).  A rowid is checked
 * against the _id kept with it (SQLite reuses the largest rowid after a
 * delete, VACUUM renumbers them); on a mismatch the document is looked up
 * by its _id.  Inside the caller's transaction every statement simply joins
 * it.
 */
#define WALK_MEM 1024          /* keys kept in memory before the file */
#define WALK_MIN 16
#define WALK_MAX 1024
#define WALK_FIRST 256
#define WALK_BYTES (256 * 1024)

typedef struct sq_key {
	int64_t rowid;
	char id[24]; /* the id column; id[0] = 0: not 24 characters, not checked */
} sq_key;

typedef struct msp_sq_walk {
	sqlite3_stmt *get;     /* chunk: SELECT j.key, m.id, m.doc FROM json_each(?) j CROSS JOIN coll m ... */
	sqlite3_stmt *byid;    /* SELECT doc FROM coll WHERE id = ? (after a rowid mismatch) */
	sqlite3_stmt *range;   /* SELECT m.rowid, m.id, m.doc FROM coll m WHERE m.rowid BETWEEN ? AND ? */
	int started, with_doc;
	int err;               /* an error of phase 1 or 2: returned again by every later call */
	char coll[128];
	FILE *spill;           /* the keys after the first WALK_MEM, or NULL */
	int64_t nkeys, nused;  /* keys in all; keys already taken into chunks */
	size_t ck_n, pos, want;
	msp_buf text;          /* the chunk's documents */
	msp_buf arr;           /* the JSON array of its rowids */
	/* the arrays are written before they are read: not cleared (a find of one
	 * document, as mssave's lookups, would pay for clearing 80 KB) */
	sq_key mem[WALK_MEM];  /* the first keys */
	sq_key ck[WALK_MAX];   /* the chunk's keys */
	size_t off[WALK_MAX];
	int64_t len[WALK_MAX]; /* -1: not found (deleted) */
} msp_sq_walk;

void msp_sq_cursor_free(msp_cursor *c)
{
	msp_sq_walk *w = c->walk;
	if (!w)
		return;
	if (w->get)
		sqlite3_finalize(w->get);
	if (w->byid)
		sqlite3_finalize(w->byid);
	if (w->range)
		sqlite3_finalize(w->range);
	if (w->spill)
		fclose(w->spill);
	msp_buf_free(&w->text);
	msp_buf_free(&w->arr);
	free(w);
	c->walk = NULL;
}

static void key_set(sq_key *k, sqlite3_stmt *st, int col_rowid, int col_id)
{
	k->rowid = sqlite3_column_int64(st, col_rowid);
	const char *id = (const char *)sqlite3_column_text(st, col_id);
	int n = sqlite3_column_bytes(st, col_id);
	if (id && n == 24)
		memcpy(k->id, id, 24);
	else
		memset(k->id, 0, sizeof k->id);
}

static int key_same(const sq_key *k, sqlite3_stmt *st, int col_id)
{
	if (!k->id[0])
		return 1;
	const char *id = (const char *)sqlite3_column_text(st, col_id);
	return id && sqlite3_column_bytes(st, col_id) == 24 && !memcmp(id, k->id, 24);
}

static int walk_push(msp_cursor *c, const sq_key *k)
{
	msp_sq_walk *w = c->walk;
	if (w->nkeys < WALK_MEM) {
		w->mem[w->nkeys++] = *k;
		return MSP_OK;
	}
	if (!w->spill) {
		const char *dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
		char path[4096];
		snprintf(path, sizeof path, "%s/mspipe-find-XXXXXX", dir);
		int fd = mkstemp(path);
		if (fd < 0)
			return msp_db_fail(c->db, MSP_ERR_IO, "cannot make a temporary file in %s for the keys of a query: %s",
			                   dir, strerror(errno));
		unlink(path);
		w->spill = fdopen(fd, "w+b");
		if (!w->spill) {
			close(fd);
			return msp_db_fail(c->db, MSP_ERR_NOMEM, "out of memory");
		}
	}
	if (fwrite(k, sizeof *k, 1, w->spill) != 1)
		return msp_db_fail(c->db, MSP_ERR_IO, "cannot write the keys of a query to a temporary file: %s",
		                   strerror(errno));
	w->nkeys++;
	return MSP_OK;
}

/* Phase 1: the keys of the whole result (and without a sort, the first chunk's documents). */
static int walk_start(msp_cursor *c)
{
	msp_sq_walk *w = c->walk;
	int r, rc = MSP_OK, filling = w->with_doc;
	w->started = 1;
	msp_buf_reset(&w->text);
	w->ck_n = w->pos = 0;
	while ((r = sqlite3_step(c->st)) == SQLITE_ROW) {
		sq_key k;
		key_set(&k, c->st, 0, 1);
		if (filling) {
			const char *doc = (const char *)sqlite3_column_text(c->st, 2);
			size_t n = (size_t)sqlite3_column_bytes(c->st, 2);
			w->ck[w->ck_n] = k;
			w->off[w->ck_n] = w->text.len;
			w->len[w->ck_n] = (int64_t)n;
			msp_buf_add(&w->text, doc ? doc : "", n);
			if (++w->ck_n == WALK_FIRST || w->text.len >= WALK_BYTES)
				filling = 0;
			continue;
		}
		if ((rc = walk_push(c, &k)))
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = sq_err(c->db, "reading a query result");
	sqlite3_finalize(c->st);
	c->st = NULL;
	if (!rc && w->text.failed)
		rc = msp_db_fail(c->db, MSP_ERR_NOMEM, "out of memory");
	if (!rc && w->spill && (fflush(w->spill) || fseek(w->spill, 0, SEEK_SET)))
		rc = msp_db_fail(c->db, MSP_ERR_IO, "cannot write the keys of a query to a temporary file: %s",
		                 strerror(errno));
	return rc;
}

/* The statements of phase 2, made when a result needs them: a lookup
 * (mssave's, msindex's) is one statement, as before. */
static int walk_prepare(msp_cursor *c)
{
	msp_sq_walk *w = c->walk;
	msp_db *db = c->db;
	msp_buf q;
	msp_buf_init(&q);
	msp_buf_add(&q, "SELECT j.key, m.id, m.doc FROM json_each(?1) j CROSS JOIN ", 58);
	add_quoted_ident(&q, w->coll);
	msp_buf_add(&q, " m ON m.rowid = j.value", 23);
	size_t mark = q.len;
	msp_buf_add(&q, "SELECT doc FROM ", 16);
	add_quoted_ident(&q, w->coll);
	msp_buf_add(&q, " WHERE id = ?1", 14);
	size_t mark2 = q.len;
	msp_buf_add(&q, "SELECT m.rowid, m.id, m.doc FROM ", 33);
	add_quoted_ident(&q, w->coll);
	msp_buf_add(&q, " m WHERE m.rowid BETWEEN ?1 AND ?2", 34);
	int rc = MSP_OK;
	if (q.failed)
		rc = msp_db_fail(db, MSP_ERR_NOMEM, "out of memory");
	if (!rc && sqlite3_prepare_v2(db->sq, q.p, (int)mark, &w->get, NULL) != SQLITE_OK)
		rc = sq_err(db, "query");
	if (!rc && sqlite3_prepare_v2(db->sq, q.p + mark, (int)(mark2 - mark), &w->byid, NULL) != SQLITE_OK)
		rc = sq_err(db, "query");
	if (!rc && sqlite3_prepare_v2(db->sq, q.p + mark2, (int)(q.len - mark2), &w->range, NULL) != SQLITE_OK)
		rc = sq_err(db, "query");
	msp_buf_free(&q);
	return rc;
}

/* Phase 2: the documents of the next chunk of keys, in one statement. */
static int walk_chunk(msp_cursor *c)
{
	msp_sq_walk *w = c->walk;
	if (!w->range) {
		int rc = walk_prepare(c);
		if (rc)
			return rc;
	}
	size_t n = w->want;
	if ((int64_t)n > w->nkeys - w->nused)
		n = (size_t)(w->nkeys - w->nused);
	for (size_t i = 0; i < n; i++) {
		int64_t at = w->nused + (int64_t)i;
		if (at < WALK_MEM) {
			w->ck[i] = w->mem[at];
		} else if (fread(&w->ck[i], sizeof w->ck[i], 1, w->spill) != 1) {
			return msp_db_fail(c->db, MSP_ERR_IO, "cannot read the keys of a query from a temporary file");
		}
	}
	w->nused += (int64_t)n;
	w->ck_n = n;
	w->pos = 0;
	/* Keys in ascending rowid order over a range not much wider than the
	 * chunk (a scan without a sort, or a sort in the order the documents
	 * were inserted, as msindex's dir, dfile): one range scan of the table
	 * instead of a B-tree search a key. */
	int ascending = n > 0;
	for (size_t i = 1; ascending && i < n; i++)
		ascending = w->ck[i].rowid > w->ck[i - 1].rowid;
	ascending = ascending && (uint64_t)w->ck[n - 1].rowid - (uint64_t)w->ck[0].rowid < 2 * (uint64_t)n;
	sqlite3_stmt *st = ascending ? w->range : w->get;
	for (size_t i = 0; i < n; i++)
		w->len[i] = -1;
	if (ascending) {
		sqlite3_bind_int64(st, 1, w->ck[0].rowid);
		sqlite3_bind_int64(st, 2, w->ck[n - 1].rowid);
	} else {
		msp_buf_reset(&w->arr);
		msp_buf_add(&w->arr, "[", 1);
		for (size_t i = 0; i < n; i++) {
			char t[24], *e = t + sizeof t, *q = e;
			uint64_t v = w->ck[i].rowid < 0 ? 0 - (uint64_t)w->ck[i].rowid : (uint64_t)w->ck[i].rowid;
			do
				*--q = (char)('0' + v % 10);
			while (v /= 10);
			if (w->ck[i].rowid < 0)
				*--q = '-';
			if (i)
				*--q = ',';
			msp_buf_add(&w->arr, q, (size_t)(e - q));
		}
		msp_buf_add(&w->arr, "]", 1);
		if (w->arr.failed)
			return msp_db_fail(c->db, MSP_ERR_NOMEM, "out of memory");
		sqlite3_bind_text(st, 1, w->arr.p, (int)w->arr.len, SQLITE_STATIC);
	}
	msp_buf_reset(&w->text);
	int r, rc = MSP_OK;
	size_t found = 0, at = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t j;
		if (ascending) { /* a merge of the table's rows with the chunk's keys */
			int64_t rowid = sqlite3_column_int64(st, 0);
			while (at < n && w->ck[at].rowid < rowid)
				at++;
			if (at == n || w->ck[at].rowid != rowid)
				continue;
			j = (int64_t)at;
		} else {
			j = sqlite3_column_int64(st, 0);
		}
		if (j < 0 || (size_t)j >= n || w->len[j] >= 0 || !key_same(&w->ck[j], st, 1))
			continue; /* a rowid now held by another document: looked up by _id below */
		const char *doc = (const char *)sqlite3_column_text(st, 2);
		size_t dn = (size_t)sqlite3_column_bytes(st, 2);
		w->off[j] = w->text.len;
		w->len[j] = (int64_t)dn;
		msp_buf_add(&w->text, doc ? doc : "", dn);
		found++;
	}
	if (r != SQLITE_DONE)
		rc = sq_err(c->db, "reading a query result");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (size_t i = 0; !rc && found < n && i < n; i++) {
		if (w->len[i] >= 0 || !w->ck[i].id[0])
			continue;
		sqlite3_bind_text(w->byid, 1, w->ck[i].id, 24, SQLITE_STATIC);
		r = sqlite3_step(w->byid);
		if (r == SQLITE_ROW) {
			const char *doc = (const char *)sqlite3_column_text(w->byid, 0);
			size_t dn = (size_t)sqlite3_column_bytes(w->byid, 0);
			w->off[i] = w->text.len;
			w->len[i] = (int64_t)dn;
			msp_buf_add(&w->text, doc ? doc : "", dn);
			found++;
		} else if (r != SQLITE_DONE) {
			rc = sq_err(c->db, "reading a query result");
		}
		sqlite3_reset(w->byid);
	}
	if (!rc && w->text.failed)
		rc = msp_db_fail(c->db, MSP_ERR_NOMEM, "out of memory");
	/* the next chunk: about WALK_BYTES of documents of this one's mean size */
	if (!rc && found) {
		size_t mean = w->text.len / found + 1, want = WALK_BYTES / mean;
		w->want = want < WALK_MIN ? WALK_MIN : want > WALK_MAX ? WALK_MAX : want;
	}
	return rc;
}

/* The next document's stored text: MSP_OK, MSP_EOF or an error. */
static int walk_next(msp_cursor *c, const char **text, size_t *len)
{
	msp_sq_walk *w = c->walk;
	if (!w)
		return MSP_EOF;
	if (w->err)
		return w->err;
	if (!w->started) {
		int rc = walk_start(c);
		if (rc)
			return w->err = rc;
	}
	for (;;) {
		while (w->pos < w->ck_n) {
			size_t i = w->pos++;
			if (w->len[i] < 0) {
				c->vanished++;
				continue;
			}
			*text = w->text.p + w->off[i];
			*len = (size_t)w->len[i];
			return MSP_OK;
		}
		if (w->nused >= w->nkeys)
			return MSP_EOF;
		int rc = walk_chunk(c);
		if (rc)
			return w->err = rc;
	}
}

int msp_sq_find(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, msp_cursor *c)
{
	if (!table_exists(db, coll))
		return MSP_OK; /* no collection: an empty result, as in MongoDB */
	if (o && o->not_saved_as)
		saved_indexes(db, coll);
	msp_sq_walk *w = malloc(sizeof *w);
	if (!w)
		return msp_db_fail(db, MSP_ERR_NOMEM, "out of memory");
	memset(w, 0, offsetof(msp_sq_walk, mem));
	c->walk = w;
	msp_buf_init(&w->text);
	msp_buf_init(&w->arr);
	w->want = WALK_FIRST;
	/* without a sort, the documents too: the plan of a plain "SELECT doc" */
	w->with_doc = !(o && o->sort);
	xl x;
	int rc = build_select(&x, db, coll, w->with_doc ? "m.rowid, m.id, m.doc" : "m.rowid, m.id", filter, o, 1, 1);
	if (!rc)
		rc = prepare(db, &x, &c->st);
	xl_free(&x);
	snprintf(w->coll, sizeof w->coll, "%s", coll);
	if (rc)
		return rc;
	if (o && o->projection)
		c->proj = bson_copy(o->projection);
	return MSP_OK;
}

int msp_sq_next(msp_cursor *c)
{
	if (c->cur) {
		bson_destroy(c->cur);
		c->cur = NULL;
	}
	bson_free(c->json);
	c->json = NULL;
	const char *text;
	size_t n;
	int rc = walk_next(c, &text, &n);
	if (rc)
		return rc;
	bson_t *doc = msp_db_json_parse(text, n);
	if (!doc) {
		bson_error_t err;
		doc = bson_new_from_json((const uint8_t *)text, (ssize_t)n, &err);
		if (!doc)
			return msp_db_fail(c->db, MSP_ERR_FORMAT, "stored document is not valid JSON: %s", err.message);
	}
	if (c->proj) {
		c->cur = msp_db_project(doc, c->proj);
		bson_destroy(doc);
	} else {
		c->cur = doc;
	}
	return MSP_OK;
}

/* The fast path of msquery: the stored text as is, without a parse. */
int msp_sq_next_json(msp_cursor *c, const char **json, size_t *len);
int msp_sq_next_json(msp_cursor *c, const char **json, size_t *len)
{
	if (c->proj) {
		int rc = msp_sq_next(c);
		if (rc)
			return rc;
		return msp_cursor_json(c, json, len);
	}
	if (c->cur) {
		bson_destroy(c->cur);
		c->cur = NULL;
	}
	bson_free(c->json);
	c->json = NULL;
	return walk_next(c, json, len);
}

int msp_sq_count(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, int64_t *n)
{
	*n = 0;
	if (!table_exists(db, coll))
		return MSP_OK;
	if (o && o->not_saved_as)
		saved_indexes(db, coll);
	xl x;
	int rc;
	if (o && (o->limit > 0 || o->skip > 0)) {
		rc = build_select(&x, db, coll, "1", filter, o, 0, 1);
		msp_buf inner = x.sql;
		msp_buf_init(&x.sql);
		msp_buf_add(&x.sql, "SELECT count(*) FROM (", 22);
		msp_buf_add(&x.sql, inner.p, inner.len);
		msp_buf_add(&x.sql, ")", 1);
		msp_buf_free(&inner);
	} else {
		rc = build_select(&x, db, coll, "count(*)", filter, o, 0, 0);
	}
	sqlite3_stmt *st = NULL;
	if (!rc)
		rc = prepare(db, &x, &st);
	xl_free(&x);
	if (rc)
		return rc;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = sq_err(db, "count");
	sqlite3_finalize(st);
	return rc;
}

int msp_sq_distinct(msp_db *db, const char *coll, const char *key, const bson_t *filter, bson_t **values)
{
	if (!table_exists(db, coll)) {
		*values = bson_new();
		return MSP_OK;
	}
	xl x;
	msp_buf what;
	msp_buf_init(&what);
	if (!strcmp(key, "_id")) {
		msp_buf_add(&what, "DISTINCT json_object('v', json_object('$oid', m.id))", 52);
	} else {
		/* a missing key is no value (NULL row); a JSON null is one */
		msp_buf_add(&what, "DISTINCT CASE WHEN ", 19);
		add_type(&what, "m.doc", key, NULL);
		msp_buf_add(&what, " IS NULL THEN NULL ELSE json_object('v', m.doc -> ", 50);
		add_jpath(&what, key, NULL);
		msp_buf_add(&what, ") END", 5);
	}
	msp_buf_add(&what, "", 1);
	int rc = build_select(&x, db, coll, what.p, filter, NULL, 0, 0);
	msp_buf_free(&what);
	sqlite3_stmt *st = NULL;
	if (!rc)
		rc = prepare(db, &x, &st);
	xl_free(&x);
	if (rc)
		return rc;
	size_t nd = 0, capd = 0, nv = 0, capv = 0;
	bson_t **docs = NULL;
	bson_value_t *vals = NULL;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (!t)
			continue;
		bson_t *d = bson_new_from_json((const uint8_t *)t, -1, NULL);
		if (!d)
			continue;
		if (nd == capd) {
			capd = capd ? 2 * capd : 64;
			docs = realloc(docs, capd * sizeof *docs);
		}
		docs[nd++] = d;
		bson_iter_t it;
		if (!bson_iter_init_find(&it, d, "v"))
			continue; /* missing key: not a value */
		bson_iter_t ai;
		int is_arr = BSON_ITER_HOLDS_ARRAY(&it);
		if (is_arr)
			bson_iter_recurse(&it, &ai);
		for (;;) {
			const bson_value_t *v;
			if (is_arr) {
				if (!bson_iter_next(&ai))
					break;
				v = bson_iter_value(&ai);
			} else {
				v = bson_iter_value(&it);
			}
			if (nv == capv) {
				capv = capv ? 2 * capv : 64;
				vals = realloc(vals, capv * sizeof *vals);
			}
			vals[nv++] = *v;
			if (!is_arr)
				break;
		}
	}
	if (r != SQLITE_DONE)
		rc = sq_err(db, "distinct");
	sqlite3_finalize(st);
	if (!rc)
		*values = msp_db_sorted_unique(vals, nv);
	for (size_t i = 0; i < nd; i++)
		bson_destroy(docs[i]);
	free(docs);
	free(vals);
	return rc;
}

int msp_sq_explain(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, char **plan)
{
	if (!table_exists(db, coll))
		return msp_db_fail(db, MSP_ERR_NOTFOUND, "no collection %s", coll);
	xl x;
	int rc = build_select(&x, db, coll, "m.doc", filter, o, 1, 1);
	msp_buf q;
	msp_buf_init(&q);
	msp_buf_add(&q, "EXPLAIN QUERY PLAN ", 19);
	msp_buf_add(&q, x.sql.p, x.sql.len);
	msp_buf_add(&q, "", 1);
	msp_buf out;
	msp_buf_init(&out);
	sqlite3_stmt *st = NULL;
	if (!rc) {
		msp_buf tmp = x.sql;
		x.sql = q;
		rc = prepare(db, &x, &st);
		x.sql = tmp;
	}
	if (!rc) {
		while (sqlite3_step(st) == SQLITE_ROW)
			msp_buf_addf(&out, "%s\n", (const char *)sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
		msp_buf_addf(&out, "%.*s\n", (int)x.sql.len, x.sql.p);
	}
	msp_buf_free(&q);
	xl_free(&x);
	if (rc) {
		msp_buf_free(&out);
		return rc;
	}
	msp_buf_add(&out, "", 1);
	*plan = out.p;
	return MSP_OK;
}

/* ------------------------------------------------------------ writes */

/* Per batch: the JSON types seen at each key path. */
typedef struct shape_ent {
	char *path;
	size_t len;
	uint64_t h;
	int types;
} shape_ent;

typedef struct shape_map {
	shape_ent *e;
	size_t n, cap; /* open addressing, cap a power of 2 */
} shape_map;

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int shape_add(shape_map *m, const char *path, size_t n, int types)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t nc = m->cap ? 2 * m->cap : 64;
		shape_ent *ne = calloc(nc, sizeof *ne);
		if (!ne)
			return MSP_ERR_NOMEM;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->e[i].path)
				continue;
			size_t j = m->e[i].h & (nc - 1);
			while (ne[j].path)
				j = (j + 1) & (nc - 1);
			ne[j] = m->e[i];
		}
		free(m->e);
		m->e = ne;
		m->cap = nc;
	}
	uint64_t h = hash_str(path, n);
	size_t j = h & (m->cap - 1);
	while (m->e[j].path) {
		if (m->e[j].h == h && m->e[j].len == n && !memcmp(m->e[j].path, path, n)) {
			m->e[j].types |= types;
			return MSP_OK;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->e[j].path = strndup(path, n);
	if (!m->e[j].path)
		return MSP_ERR_NOMEM;
	m->e[j].len = n;
	m->e[j].h = h;
	m->e[j].types = types;
	m->n++;
	return MSP_OK;
}

static void shape_free(shape_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->e[i].path);
	free(m->e);
	memset(m, 0, sizeof *m);
}

static int tbit(bson_type_t t, const bson_iter_t *it)
{
	switch (t) {
	case BSON_TYPE_NULL: case BSON_TYPE_UNDEFINED: return T_NULL;
	case BSON_TYPE_BOOL: return T_BOOL;
	case BSON_TYPE_INT32: case BSON_TYPE_INT64: return T_NUM;
	case BSON_TYPE_DOUBLE: {
		/* NaN and infinities are stored as {"$numberDouble": ...} objects */
		double d = bson_iter_double(it);
		return (d == d && d - d == 0) ? T_NUM : T_OTHER;
	}
	case BSON_TYPE_UTF8: return T_STR;
	case BSON_TYPE_DOCUMENT: return T_OBJ;
	case BSON_TYPE_ARRAY: return T_ARR;
	case BSON_TYPE_OID: return T_OID;
	case BSON_TYPE_DATE_TIME: return T_DATE;
	default: return T_OTHER;
	}
}

static int shape_walk(shape_map *m, bson_iter_t *it, char *path, size_t plen, int depth)
{
	while (bson_iter_next(it)) {
		const char *k = bson_iter_key(it);
		size_t kl = strlen(k);
		if (plen + kl + 2 > 1024 || depth > 20)
			continue;
		size_t n = plen;
		if (plen)
			path[n++] = '.';
		memcpy(path + n, k, kl);
		n += kl;
		bson_type_t t = bson_iter_type(it);
		int bits = tbit(t, it);
		if (t == BSON_TYPE_ARRAY) {
			bson_iter_t a;
			bson_iter_recurse(it, &a);
			while (bson_iter_next(&a))
				bits |= tbit(bson_iter_type(&a), &a) << T_ELEM;
		}
		int rc = shape_add(m, path, n, bits);
		if (rc)
			return rc;
		if (t == BSON_TYPE_ARRAY && (bits & (T_OBJ << T_ELEM))) {
			/* documents in an array: their keys under the array's path */
			bson_iter_t a;
			bson_iter_recurse(it, &a);
			while (bson_iter_next(&a)) {
				if (!BSON_ITER_HOLDS_DOCUMENT(&a))
					continue;
				bson_iter_t sub;
				bson_iter_recurse(&a, &sub);
				rc = shape_walk(m, &sub, path, n, depth + 1);
				if (rc)
					return rc;
			}
		}
		if (t == BSON_TYPE_DOCUMENT) {
			bson_iter_t sub;
			bson_iter_recurse(it, &sub);
			rc = shape_walk(m, &sub, path, n, depth + 1);
			if (rc)
				return rc;
		}
	}
	return MSP_OK;
}

static int shape_store(msp_db *db, const char *coll, shape_map *m)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->sq, "INSERT INTO _msp_shape(coll, path, types) VALUES(?, ?, ?) "
	                               "ON CONFLICT(coll, path) DO UPDATE SET types = types | excluded.types "
	                               "WHERE types | excluded.types != types", -1, &st, NULL))
		return sq_err(db, "shape");
	int rc = MSP_OK;
	for (size_t i = 0; i < m->cap && !rc; i++) {
		if (!m->e[i].path)
			continue;
		sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m->e[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, m->e[i].types);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_err(db, "shape");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int ensure_table(msp_db *db, const char *coll)
{
	msp_buf b;
	msp_buf_init(&b);
	msp_buf_add(&b, "CREATE TABLE IF NOT EXISTS ", 27);
	add_quoted_ident(&b, coll);
	msp_buf_add(&b, "(id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)", 49);
	msp_buf_add(&b, "", 1);
	int rc = msp_sq_exec(db, b.p);
	msp_buf_free(&b);
	return rc;
}

/* Start a write: BEGIN IMMEDIATE (waits for other writers through the busy
 * timeout), or a savepoint inside the caller's transaction. */
static int wbegin(msp_db *db)
{
	return msp_sq_exec(db, db->in_txn ? "SAVEPOINT msp_batch" : "BEGIN IMMEDIATE");
}

static int wend(msp_db *db, int rc)
{
	if (rc == MSP_OK)
		return msp_sq_exec(db, db->in_txn ? "RELEASE msp_batch" : "COMMIT");
	if (db->in_txn)
		sqlite3_exec(db->sq, "ROLLBACK TO msp_batch; RELEASE msp_batch", NULL, NULL, NULL);
	else
		sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int msp_sq_insert_many(msp_db *db, const char *coll, const bson_t *const *docs, size_t n, bson_oid_t *ids)
{
	int rc = wbegin(db);
	if (rc)
		return rc;
	rc = ensure_table(db, coll);
	if (rc)
		return wend(db, rc);
	if (db->ins_stmt && strcmp(db->ins_coll, coll)) {
		sqlite3_finalize(db->ins_stmt);
		db->ins_stmt = NULL;
	}
	if (!db->ins_stmt) {
		msp_buf b;
		msp_buf_init(&b);
		msp_buf_add(&b, "INSERT INTO ", 12);
		add_quoted_ident(&b, coll);
		msp_buf_add(&b, "(id, doc) VALUES(?, ?)", 23);
		if (sqlite3_prepare_v2(db->sq, b.p, -1, &db->ins_stmt, NULL) != SQLITE_OK) {
			msp_buf_free(&b);
			db->ins_stmt = NULL;
			return wend(db, sq_err(db, "insert"));
		}
		msp_buf_free(&b);
		snprintf(db->ins_coll, sizeof db->ins_coll, "%s", coll);
	}
	shape_map m = {0};
	char path[1100];
	msp_buf jb;
	msp_buf_init(&jb);
	for (size_t i = 0; i < n && !rc; i++) {
		const bson_t *d = docs[i];
		bson_iter_t it;
		bson_oid_t oid;
		bson_t *own = NULL;
		if (bson_iter_init_find(&it, d, "_id")) {
			if (!BSON_ITER_HOLDS_OID(&it)) {
				rc = msp_db_fail(db, MSP_ERR_TYPE, "document %zu of the batch: _id must be an ObjectId", i);
				break;
			}
			bson_oid_copy(bson_iter_oid(&it), &oid);
		} else {
			bson_oid_init(&oid, NULL);
			own = bson_new();
			BSON_APPEND_OID(own, "_id", &oid);
			bson_concat(own, d);
			d = own;
		}
		if (ids)
			bson_oid_copy(&oid, &ids[i]);
		msp_buf_reset(&jb);
		if (msp_db_json_append(&jb, d, 0)) {
			rc = msp_db_fail(db, MSP_ERR_NOMEM, "document %zu of the batch cannot be written as JSON", i);
			if (own)
				bson_destroy(own);
			break;
		}
		const char *json = jb.p;
		size_t jl = jb.len;
		char hex[25];
		bson_oid_to_string(&oid, hex);
		sqlite3_bind_text(db->ins_stmt, 1, hex, 24, SQLITE_STATIC);
		sqlite3_bind_text(db->ins_stmt, 2, json, (int)jl, SQLITE_STATIC);
		int r = sqlite3_step(db->ins_stmt);
		sqlite3_reset(db->ins_stmt);
		if (r != SQLITE_DONE) {
			if (r == SQLITE_CONSTRAINT)
				rc = msp_db_fail(db, MSP_ERR_DB, "duplicate key: %s already holds _id %s", coll, hex);
			else
				rc = sq_err(db, "insert");
		}
		if (!rc && bson_iter_init(&it, d))
			rc = shape_walk(&m, &it, path, 0, 0);
		if (own)
			bson_destroy(own);
	}
	msp_buf_free(&jb);
	sqlite3_clear_bindings(db->ins_stmt);
	if (!rc)
		rc = shape_store(db, coll, &m);
	shape_free(&m);
	return wend(db, rc);
}

static int apply_update(bson_t *doc, const bson_t *update)
{
	bson_iter_t it;
	bson_iter_init(&it, update);
	while (bson_iter_next(&it)) {
		int set = !strcmp(bson_iter_key(&it), "$set");
		bson_iter_t s;
		bson_iter_recurse(&it, &s);
		while (bson_iter_next(&s)) {
			int rc = set ? msp_meta_set_value(doc, bson_iter_key(&s), bson_iter_value(&s))
			             : msp_meta_remove(doc, bson_iter_key(&s));
			if (rc)
				return rc;
		}
	}
	return MSP_OK;
}

int msp_sq_update(msp_db *db, const char *coll, const bson_t *filter, const bson_t *update, int64_t *nmod)
{
	if (!table_exists(db, coll))
		return MSP_OK;
	int rc = wbegin(db);
	if (rc)
		return rc;
	xl x;
	sqlite3_stmt *st = NULL, *up = NULL;
	rc = build_select(&x, db, coll, "m.id, m.doc", filter, NULL, 0, 0);
	if (!rc)
		rc = prepare(db, &x, &st);
	xl_free(&x);
	if (rc)
		return wend(db, rc);
	msp_buf b;
	msp_buf_init(&b);
	msp_buf_add(&b, "UPDATE ", 7);
	add_quoted_ident(&b, coll);
	msp_buf_add(&b, " SET doc = ? WHERE id = ?", 26);
	if (sqlite3_prepare_v2(db->sq, b.p, -1, &up, NULL) != SQLITE_OK)
		rc = sq_err(db, "update");
	msp_buf_free(&b);
	shape_map m = {0};
	char path[1100];
	/* Rows are collected first: updating a table while stepping a SELECT on it is unsafe. */
	size_t n = 0, cap = 0;
	char **rows = NULL;
	int r;
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n + 2 > cap) {
			cap = cap ? 2 * cap : 64;
			rows = realloc(rows, cap * sizeof *rows);
		}
		rows[n++] = strdup((const char *)sqlite3_column_text(st, 0));
		rows[n++] = strdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n && !rc; i += 2) {
		bson_t *doc = bson_new_from_json((const uint8_t *)rows[i + 1], -1, NULL);
		if (!doc) {
			rc = msp_db_fail(db, MSP_ERR_FORMAT, "stored document %s is not valid JSON", rows[i]);
			break;
		}
		rc = apply_update(doc, update);
		msp_buf jb;
		msp_buf_init(&jb);
		if (!rc)
			rc = msp_db_json_append(&jb, doc, 0);
		msp_buf_add(&jb, "", 1);
		char *json = rc ? NULL : jb.p;
		size_t jl = jb.len ? jb.len - 1 : 0;
		if (json && strcmp(json, rows[i + 1])) {
			sqlite3_bind_text(up, 1, json, (int)jl, SQLITE_STATIC);
			sqlite3_bind_text(up, 2, rows[i], -1, SQLITE_STATIC);
			if (sqlite3_step(up) != SQLITE_DONE)
				rc = sq_err(db, "update");
			sqlite3_reset(up);
			(*nmod)++;
			bson_iter_t it;
			if (!rc && bson_iter_init(&it, doc))
				rc = shape_walk(&m, &it, path, 0, 0);
		}
		msp_buf_free(&jb);
		bson_destroy(doc);
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
	sqlite3_finalize(up);
	if (!rc)
		rc = shape_store(db, coll, &m);
	shape_free(&m);
	return wend(db, rc);
}

int msp_sq_delete(msp_db *db, const char *coll, const bson_t *filter, int64_t *ndel)
{
	if (!table_exists(db, coll))
		return MSP_OK;
	int rc = wbegin(db);
	if (rc)
		return rc;
	xl x;
	memset(&x, 0, sizeof x);
	x.db = db;
	x.coll = coll;
	x.tab = "m.";
	x.docx = "m.doc";
	x.top = 1;
	msp_buf_init(&x.sql);
	add(&x, "DELETE FROM ");
	add_quoted_ident(&x.sql, coll);
	add(&x, " AS m WHERE ");
	filter_cond(&x, filter);
	sqlite3_stmt *st = NULL;
	rc = x.rc;
	if (!rc)
		rc = prepare(db, &x, &st);
	xl_free(&x);
	if (!rc) {
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_err(db, "delete");
		else
			*ndel = sqlite3_changes64(db->sq);
		sqlite3_finalize(st);
	}
	return wend(db, rc);
}

/* ------------------------------------------------------------ indexes */

static void index_sqlname(msp_buf *b, const char *coll, const char *name)
{
	char full[300];
	snprintf(full, sizeof full, "%s$%s", coll, name);
	add_quoted_ident(b, full);
}

int msp_sq_create_index(msp_db *db, const char *coll, const bson_t *keys, const char *name, int unique)
{
	char derived[256];
	if (!name) {
		msp_db_index_name(keys, derived, sizeof derived);
		name = derived;
	}
	if (!strcmp(name, "_id_"))
		return msp_db_fail(db, MSP_ERR_INVAL, "index name _id_ is reserved");
	int rc = wbegin(db);
	if (rc)
		return rc;
	rc = ensure_table(db, coll);
	msp_buf b;
	msp_buf_init(&b);
	msp_buf_addf(&b, "CREATE %sINDEX IF NOT EXISTS ", unique ? "UNIQUE " : "");
	index_sqlname(&b, coll, name);
	msp_buf_add(&b, " ON ", 4);
	add_quoted_ident(&b, coll);
	msp_buf_add(&b, "(", 1);
	bson_iter_t it;
	bson_iter_init(&it, keys);
	int first = 1;
	while (bson_iter_next(&it)) {
		if (!first)
			msp_buf_add(&b, ", ", 2);
		first = 0;
		if (!strcmp(bson_iter_key(&it), "_id"))
			msp_buf_add(&b, "id", 2);
		else
			add_extract(&b, "doc", bson_iter_key(&it));
		if (bson_iter_as_int64(&it) < 0)
			msp_buf_add(&b, " DESC", 5);
	}
	msp_buf_add(&b, ")", 2);
	if (!rc)
		rc = msp_sq_exec(db, b.p);
	msp_buf_free(&b);
	if (!rc) {
		sqlite3_stmt *st;
		char *kj = bson_as_relaxed_extended_json(keys, NULL);
		if (sqlite3_prepare_v2(db->sq, "INSERT OR REPLACE INTO _msp_index(coll, name, keys, uniq) VALUES(?,?,?,?)",
		                       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, kj, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 4, unique);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = sq_err(db, "index list");
			sqlite3_finalize(st);
		} else {
			rc = sq_err(db, "index list");
		}
		bson_free(kj);
	}
	return wend(db, rc);
}

int msp_sq_list_indexes(msp_db *db, const char *coll, bson_t **out)
{
	bson_t *o = bson_new();
	if (!table_exists(db, coll)) {
		*out = o;
		return MSP_OK;
	}
	bson_t idk = BSON_INITIALIZER;
	BSON_APPEND_INT32(&idk, "_id", 1);
	BSON_APPEND_DOCUMENT(o, "_id_", &idk);
	bson_destroy(&idk);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->sq, "SELECT name, keys FROM _msp_index WHERE coll=? ORDER BY name", -1, &st, NULL)) {
		bson_destroy(o);
		return sq_err(db, "index list");
	}
	sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		bson_t *k = bson_new_from_json(sqlite3_column_text(st, 1), -1, NULL);
		if (k) {
			BSON_APPEND_DOCUMENT(o, (const char *)sqlite3_column_text(st, 0), k);
			bson_destroy(k);
		}
	}
	sqlite3_finalize(st);
	*out = o;
	return MSP_OK;
}

int msp_sq_drop_index(msp_db *db, const char *coll, const char *name)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(db->sq, "SELECT 1 FROM _msp_index WHERE coll=? AND name=?", -1, &st, NULL))
		return sq_err(db, "index list");
	sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!found)
		return msp_db_fail(db, MSP_ERR_NOTFOUND, "no index %s on %s", name, coll);
	int rc = wbegin(db);
	if (rc)
		return rc;
	msp_buf b;
	msp_buf_init(&b);
	msp_buf_add(&b, "DROP INDEX IF EXISTS ", 21);
	index_sqlname(&b, coll, name);
	msp_buf_add(&b, "", 1);
	rc = msp_sq_exec(db, b.p);
	msp_buf_free(&b);
	if (!rc && sqlite3_prepare_v2(db->sq, "DELETE FROM _msp_index WHERE coll=? AND name=?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_err(db, "index list");
		sqlite3_finalize(st);
	}
	return wend(db, rc);
}

int msp_sq_list_collections(msp_db *db, bson_t **out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->sq, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_msp%' "
	                               "ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name", -1, &st, NULL))
		return sq_err(db, "list collections");
	bson_t *o = bson_new();
	int rc = MSP_OK;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int64_t n = 0;
		rc = msp_sq_count(db, name, NULL, NULL, &n);
		BSON_APPEND_INT64(o, name, n);
	}
	sqlite3_finalize(st);
	if (rc) {
		bson_destroy(o);
		return rc;
	}
	*out = o;
	return MSP_OK;
}

int msp_sq_drop_collection(msp_db *db, const char *coll)
{
	if (!table_exists(db, coll))
		return msp_db_fail(db, MSP_ERR_NOTFOUND, "no collection %s", coll);
	if (db->ins_stmt && !strcmp(db->ins_coll, coll)) {
		sqlite3_finalize(db->ins_stmt);
		db->ins_stmt = NULL;
	}
	int rc = wbegin(db);
	if (rc)
		return rc;
	msp_buf b;
	msp_buf_init(&b);
	msp_buf_add(&b, "DROP TABLE ", 11);
	add_quoted_ident(&b, coll);
	msp_buf_add(&b, "", 1);
	rc = msp_sq_exec(db, b.p);
	msp_buf_free(&b);
	for (int i = 0; i < 2 && !rc; i++) {
		sqlite3_stmt *st;
		const char *q = i ? "DELETE FROM _msp_index WHERE coll=?" : "DELETE FROM _msp_shape WHERE coll=?";
		if (sqlite3_prepare_v2(db->sq, q, -1, &st, NULL) != SQLITE_OK) {
			rc = sq_err(db, "drop");
			break;
		}
		sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_err(db, "drop");
		sqlite3_finalize(st);
	}
	return wend(db, rc);
}
