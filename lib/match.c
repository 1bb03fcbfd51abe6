/*
 * match.c - MongoDB filter documents evaluated in memory (msp_match.h).
 *
 * A filter is compiled once into a small tree (logical nodes, field nodes
 * with their operator lists, regular expressions compiled with regcomp) and
 * then evaluated against many documents: msedit runs it on every record.
 * Evaluation resolves a field's dot path to the list of values it reaches
 * (through subdocuments and arrays, as MongoDB does), remembers whether some
 * branch of the path was missing, and applies each operator to that list.
 * The MongoDB rules that matter (cross-type numbers, type classes, arrays,
 * null and missing, NaN) are commented where they are applied.
 */
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_match.h"
#include "msp_status.h"

/* Nesting bound for filters ($and in $or in ...) and for value comparison of
 * nested documents: a hostile input cannot exhaust the stack. */
#define MAX_DEPTH 64

enum opcode { OP_EQ, OP_NE, OP_GT, OP_GTE, OP_LT, OP_LTE, OP_IN, OP_NIN, OP_EXISTS, OP_REGEX, OP_NOT };
enum nodekind { N_AND, N_OR, N_NOR, N_FIELD };

struct item {
	bson_value_t v;   /* points into the filter copy */
	regex_t *re;      /* non-NULL when v is a regular expression */
};

struct op {
	int code;
	bson_value_t rhs;
	regex_t *re;          /* OP_REGEX, or OP_EQ with a regex value */
	struct item *items;   /* OP_IN, OP_NIN */
	size_t nitems;
	struct op *sub;       /* OP_NOT */
	size_t nsub;
	int flag;             /* OP_EXISTS */
};

struct node {
	int kind;
	char *path;           /* N_FIELD: "a.b" as written */
	char **comps;         /* its components */
	int ncomps;
	struct op *ops;
	size_t nops;
	struct node *kids;    /* N_AND, N_OR, N_NOR */
	size_t nkids;
};

struct msp_filter {
	bson_t *copy;         /* the filter; values in the tree point into it */
	struct node root;
};

/* ---------- comparison of BSON values (MongoDB's canonical order) ---------- */

static int type_class(bson_type_t t)
{
	switch (t) {
	case BSON_TYPE_MINKEY: return -1;
	case BSON_TYPE_UNDEFINED: return 0;
	case BSON_TYPE_NULL: return 5;
	case BSON_TYPE_DOUBLE:
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64: return 10;
	case BSON_TYPE_DECIMAL128: return 11; /* not converted: a class of its own */
	case BSON_TYPE_UTF8:
	case BSON_TYPE_SYMBOL: return 15;
	case BSON_TYPE_DOCUMENT: return 20;
	case BSON_TYPE_ARRAY: return 25;
	case BSON_TYPE_BINARY: return 30;
	case BSON_TYPE_OID: return 35;
	case BSON_TYPE_BOOL: return 40;
	case BSON_TYPE_DATE_TIME: return 45;
	case BSON_TYPE_TIMESTAMP: return 47;
	case BSON_TYPE_REGEX: return 50;
	case BSON_TYPE_DBPOINTER: return 55;
	case BSON_TYPE_CODE: return 60;
	case BSON_TYPE_CODEWSCOPE: return 65;
	case BSON_TYPE_MAXKEY: return 127;
	default: return 200;
	}
}

static int sign(long double d) { return (d > 0) - (d < 0); }

static int is_nan(const bson_value_t *v)
{
	return v->value_type == BSON_TYPE_DOUBLE && isnan(v->value.v_double);
}

/* Numbers compare by value across int32, int64 and double, exactly: long
 * double holds every int64 and every double (x86-64 80-bit, aarch64 quad).
 * NaN sorts below every number and equals NaN (MongoDB's sort order). */
static int cmp_num(const bson_value_t *a, const bson_value_t *b)
{
	int an = is_nan(a), bn = is_nan(b);
	if (an || bn)
		return an && bn ? 0 : an ? -1 : 1;
	if (a->value_type != BSON_TYPE_DOUBLE && b->value_type != BSON_TYPE_DOUBLE) {
		int64_t x = a->value_type == BSON_TYPE_INT32 ? a->value.v_int32 : a->value.v_int64;
		int64_t y = b->value_type == BSON_TYPE_INT32 ? b->value.v_int32 : b->value.v_int64;
		return (x > y) - (x < y);
	}
	long double x = a->value_type == BSON_TYPE_DOUBLE ? (long double)a->value.v_double
	                : a->value_type == BSON_TYPE_INT32 ? (long double)a->value.v_int32
	                                                   : (long double)a->value.v_int64;
	long double y = b->value_type == BSON_TYPE_DOUBLE ? (long double)b->value.v_double
	                : b->value_type == BSON_TYPE_INT32 ? (long double)b->value.v_int32
	                                                   : (long double)b->value.v_int64;
	return sign(x - y);
}

static int cmp_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

static int cmp_value(const bson_value_t *a, const bson_value_t *b, int depth);

/* Documents and arrays: element by element (type class, then field name,
 * then value); the shorter one sorts first. */
static int cmp_doc(const uint8_t *ad, uint32_t al, const uint8_t *bd, uint32_t bl, int depth)
{
	bson_t x, y;
	bson_iter_t i, j;
	if (depth > MAX_DEPTH)
		return cmp_bytes(ad, al, bd, bl); /* deep enough: bytes decide */
	if (!bson_init_static(&x, ad, al) || !bson_init_static(&y, bd, bl) ||
	    !bson_iter_init(&i, &x) || !bson_iter_init(&j, &y))
		return cmp_bytes(ad, al, bd, bl);
	for (;;) {
		int mi = bson_iter_next(&i), mj = bson_iter_next(&j);
		if (!mi || !mj)
			return mi - mj;
		const bson_value_t *u = bson_iter_value(&i), *v = bson_iter_value(&j);
		int cu = type_class(u->value_type), cv = type_class(v->value_type);
		if (cu != cv)
			return cu < cv ? -1 : 1;
		int c = strcmp(bson_iter_key(&i), bson_iter_key(&j));
		if (c)
			return c < 0 ? -1 : 1;
		if ((c = cmp_value(u, v, depth + 1)))
			return c;
	}
}

/* Both values in the same type class. */
static int cmp_value(const bson_value_t *a, const bson_value_t *b, int depth)
{
	int ca = type_class(a->value_type), cb = type_class(b->value_type);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	switch (a->value_type) {
	case BSON_TYPE_DOUBLE:
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
		return cmp_num(a, b);
	case BSON_TYPE_UTF8:
	case BSON_TYPE_SYMBOL: {
		/* v_utf8 and v_symbol share their layout in bson_value_t */
		const char *s = a->value_type == BSON_TYPE_UTF8 ? a->value.v_utf8.str : a->value.v_symbol.symbol;
		size_t sl = a->value_type == BSON_TYPE_UTF8 ? a->value.v_utf8.len : a->value.v_symbol.len;
		const char *t = b->value_type == BSON_TYPE_UTF8 ? b->value.v_utf8.str : b->value.v_symbol.symbol;
		size_t tl = b->value_type == BSON_TYPE_UTF8 ? b->value.v_utf8.len : b->value.v_symbol.len;
		return cmp_bytes(s, sl, t, tl);
	}
	case BSON_TYPE_DOCUMENT:
	case BSON_TYPE_ARRAY:
		return cmp_doc(a->value.v_doc.data, a->value.v_doc.data_len, b->value.v_doc.data,
		               b->value.v_doc.data_len, depth);
	case BSON_TYPE_BINARY: {
		uint32_t x = a->value.v_binary.data_len, y = b->value.v_binary.data_len;
		if (x != y)
			return x < y ? -1 : 1;
		if (a->value.v_binary.subtype != b->value.v_binary.subtype)
			return a->value.v_binary.subtype < b->value.v_binary.subtype ? -1 : 1;
		return cmp_bytes(a->value.v_binary.data, x, b->value.v_binary.data, y);
	}
	case BSON_TYPE_OID:
		return cmp_bytes(a->value.v_oid.bytes, 12, b->value.v_oid.bytes, 12);
	case BSON_TYPE_BOOL:
		return (a->value.v_bool > b->value.v_bool) - (a->value.v_bool < b->value.v_bool);
	case BSON_TYPE_DATE_TIME:
		return (a->value.v_datetime > b->value.v_datetime) -
		       (a->value.v_datetime < b->value.v_datetime);
	case BSON_TYPE_TIMESTAMP: {
		uint64_t x = ((uint64_t)a->value.v_timestamp.timestamp << 32) | a->value.v_timestamp.increment;
		uint64_t y = ((uint64_t)b->value.v_timestamp.timestamp << 32) | b->value.v_timestamp.increment;
		return (x > y) - (x < y);
	}
	case BSON_TYPE_REGEX: {
		int c = strcmp(a->value.v_regex.regex, b->value.v_regex.regex);
		if (!c)
			c = strcmp(a->value.v_regex.options, b->value.v_regex.options);
		return (c > 0) - (c < 0);
	}
	case BSON_TYPE_DBPOINTER: {
		int c = cmp_bytes(a->value.v_dbpointer.collection, a->value.v_dbpointer.collection_len,
		                  b->value.v_dbpointer.collection, b->value.v_dbpointer.collection_len);
		return c ? c : cmp_bytes(a->value.v_dbpointer.oid.bytes, 12, b->value.v_dbpointer.oid.bytes, 12);
	}
	case BSON_TYPE_CODE:
		return cmp_bytes(a->value.v_code.code, a->value.v_code.code_len, b->value.v_code.code,
		                 b->value.v_code.code_len);
	case BSON_TYPE_CODEWSCOPE: {
		int c = cmp_bytes(a->value.v_codewscope.code, a->value.v_codewscope.code_len,
		                  b->value.v_codewscope.code, b->value.v_codewscope.code_len);
		return c ? c : cmp_doc(a->value.v_codewscope.scope_data, a->value.v_codewscope.scope_len,
		                       b->value.v_codewscope.scope_data, b->value.v_codewscope.scope_len, depth);
	}
	case BSON_TYPE_DECIMAL128: {
		/* bit patterns: equality is exact for identical encodings only */
		uint64_t x[2] = {a->value.v_decimal128.high, a->value.v_decimal128.low};
		uint64_t y[2] = {b->value.v_decimal128.high, b->value.v_decimal128.low};
		return cmp_bytes(x, sizeof x, y, sizeof y);
	}
	default: /* null, undefined, minkey, maxkey: one value each */
		return 0;
	}
}

int msp_bson_value_compare(const bson_value_t *a, const bson_value_t *b, int *cmp)
{
	int ca = type_class(a->value_type), cb = type_class(b->value_type);
	if (ca != cb) {
		*cmp = ca < cb ? -1 : 1;
		return 0;
	}
	*cmp = cmp_value(a, b, 0);
	return 1;
}

/* ---------- compiling ---------- */

struct cctx {
	char *err;
	size_t errlen;
	int rc;
};

static int fail(struct cctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct cctx *c, int rc, const char *fmt, ...)
{
	if (c->rc == MSP_OK) {
		c->rc = rc;
		if (c->err && c->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(c->err, c->errlen, fmt, ap);
			va_end(ap);
		}
	}
	return rc;
}

static void free_ops(struct op *ops, size_t n);

static void free_regex(regex_t *re)
{
	if (re) {
		regfree(re);
		free(re);
	}
}

static void free_ops(struct op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free_regex(ops[i].re);
		for (size_t k = 0; k < ops[i].nitems; k++)
			free_regex(ops[i].items[k].re);
		free(ops[i].items);
		free_ops(ops[i].sub, ops[i].nsub);
	}
	free(ops);
}

static void free_node(struct node *n)
{
	free(n->path);
	free(n->comps);
	free_ops(n->ops, n->nops);
	for (size_t i = 0; i < n->nkids; i++)
		free_node(&n->kids[i]);
	free(n->kids);
}

/* glibc's regcomp copies the operand of every repetition ({m,n}: up to
 * max(m,n) copies), and its epsilon closures make memory grow about as the
 * square of the expanded size: "((a*){100}){100}" (30704 positions) takes
 * 790 MB, "((a*){30}){30}" (2914) 8 MB, and stacked quantifiers
 * ("a++++...") grow exponentially.  This walk over the pattern estimates
 * the expanded size and refuses anything beyond RX_LIMIT positions (header
 * regexes are a few dozen), stacked quantifiers (undefined in POSIX ERE;
 * lazy or possessive in MongoDB's PCRE, meanings we do not have) and
 * back-references (glibc's ERE extension, exponential in time). */
#define RX_LIMIT 2000.0

struct rx {
	const char *p;
	int stacked, backref, deep;
};

static double rx_alt(struct rx *r, int depth);

static double rx_atom(struct rx *r, int depth)
{
	char ch = *r->p;
	if (ch == '(') {
		r->p++;
		double s = rx_alt(r, depth + 1);
		if (*r->p == ')')
			r->p++;
		return s + 1;
	}
	if (ch == '[') {
		const char *q = r->p + 1;
		if (*q == '^')
			q++;
		if (*q == ']')
			q++;
		while (*q && *q != ']') {
			if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
				char end = q[1];
				q += 2;
				while (*q && !(*q == end && q[1] == ']'))
					q++;
				if (*q)
					q += 2;
			} else {
				q++;
			}
		}
		r->p = *q ? q + 1 : q;
		return 1;
	}
	if (ch == '\\') {
		r->p++;
		if (*r->p >= '1' && *r->p <= '9')
			r->backref = 1;
		if (*r->p)
			r->p++;
		return 1;
	}
	r->p++;
	return 1;
}

static double rx_number(const char **q)
{
	double v = 0;
	for (; **q >= '0' && **q <= '9'; (*q)++)
		if (v < 1e7)
			v = v * 10 + (**q - '0');
	return v;
}

/* at '{' followed by a digit: {m}, {m,}, {m,n}; returns max(m, n) */
static double rx_bound(struct rx *r)
{
	const char *q = r->p + 1;
	double m = rx_number(&q), n = 0;
	if (*q == ',') {
		q++;
		n = rx_number(&q);
	}
	if (*q == '}')
		q++;
	r->p = q;
	return m > n ? m : n;
}

static double rx_seq(struct rx *r, int depth)
{
	double total = 0;
	while (*r->p && *r->p != '|' && *r->p != ')') {
		double s = rx_atom(r, depth);
		int quantified = 0;
		for (;;) {
			char ch = *r->p;
			double mult;
			if (ch == '*' || ch == '+' || ch == '?') {
				mult = 2;
				r->p++;
			} else if (ch == '{' && r->p[1] >= '0' && r->p[1] <= '9') {
				mult = rx_bound(r) + 1;
			} else {
				break;
			}
			if (quantified)
				r->stacked = 1;
			quantified = 1;
			s *= mult;
		}
		total += s;
		if (total > RX_LIMIT)
			return total;
	}
	return total;
}

static double rx_alt(struct rx *r, int depth)
{
	if (depth > MAX_DEPTH) {
		r->deep = 1;
		return RX_LIMIT + 1;
	}
	double s = rx_seq(r, depth);
	while (*r->p == '|' && s <= RX_LIMIT) {
		r->p++;
		s += rx_seq(r, depth);
	}
	return s;
}

static int regex_guard(struct cctx *c, const char *path, const char *pat)
{
	struct rx r = {pat, 0, 0, 0};
	double size = 0;
	while (*r.p && size <= RX_LIMIT && !r.deep) {
		size += rx_alt(&r, 0);
		if (*r.p == ')')
			r.p++; /* unbalanced: regcomp judges it */
	}
	if (r.stacked)
		return fail(c, MSP_ERR_UNSUPPORTED,
		            "field \"%s\": /%s/: stacked quantifiers (PCRE's lazy and possessive forms) "
		            "are not POSIX ERE", path, pat);
	if (r.backref)
		return fail(c, MSP_ERR_UNSUPPORTED, "field \"%s\": /%s/: back-references are not supported",
		            path, pat);
	if (size > RX_LIMIT || r.deep)
		return fail(c, MSP_ERR_INVAL, "field \"%s\": regular expression too large once its "
		            "repetitions are expanded (limit %.0f)", path, RX_LIMIT);
	return MSP_OK;
}

int msp_regex_guard(const char *path, const char *pat, char *err, size_t errlen)
{
	struct cctx c = {err, errlen, MSP_OK};
	return regex_guard(&c, path, pat);
}

/* POSIX ERE with MongoDB's options i (case) and m (^ $ at line breaks). */
static int compile_regex(struct cctx *c, const char *path, const char *pat, size_t patlen,
                         const char *opts, regex_t **out)
{
	int flags = REG_EXTENDED | REG_NOSUB;
	if (strlen(pat) != patlen)
		return fail(c, MSP_ERR_INVAL, "field \"%s\": $regex pattern contains a NUL byte", path);
	for (const char *o = opts; *o; o++) {
		if (*o == 'i')
			flags |= REG_ICASE;
		else if (*o == 'm')
			flags |= REG_NEWLINE;
		else
			return fail(c, MSP_ERR_UNSUPPORTED,
			            "field \"%s\": regex option '%c' is not supported (POSIX ERE: i, m)",
			            path, *o);
	}
	if (regex_guard(c, path, pat))
		return c->rc;
	regex_t *re = malloc(sizeof *re);
	if (!re)
		return fail(c, MSP_ERR_NOMEM, "out of memory");
	int e = regcomp(re, pat, flags);
	if (e) {
		char msg[128];
		regerror(e, re, msg, sizeof msg);
		free(re);
		return fail(c, MSP_ERR_INVAL, "field \"%s\": bad regular expression /%s/: %s", path, pat, msg);
	}
	*out = re;
	return MSP_OK;
}

static int is_operator_doc(const bson_value_t *v, int *all, int *any)
{
	bson_t d;
	bson_iter_t it;
	*all = 1;
	*any = 0;
	if (v->value_type != BSON_TYPE_DOCUMENT ||
	    !bson_init_static(&d, v->value.v_doc.data, v->value.v_doc.data_len) || !bson_iter_init(&it, &d))
		return 0;
	int n = 0;
	while (bson_iter_next(&it)) {
		n++;
		if (bson_iter_key(&it)[0] == '$')
			*any = 1;
		else
			*all = 0;
	}
	if (!n)
		*all = 0;
	return n;
}

static int compile_ops(struct cctx *c, const char *path, const bson_value_t *v, struct op **out,
                       size_t *nout, int depth);

static int compile_in(struct cctx *c, const char *path, const char *name, const bson_value_t *v,
                      struct op *op)
{
	bson_t arr;
	bson_iter_t it;
	if (v->value_type != BSON_TYPE_ARRAY)
		return fail(c, MSP_ERR_INVAL, "field \"%s\": %s needs an array", path, name);
	if (!bson_init_static(&arr, v->value.v_doc.data, v->value.v_doc.data_len) ||
	    !bson_iter_init(&it, &arr))
		return fail(c, MSP_ERR_INVAL, "field \"%s\": %s: malformed array", path, name);
	size_t n = 0;
	while (bson_iter_next(&it))
		n++;
	op->items = calloc(n ? n : 1, sizeof *op->items);
	if (!op->items)
		return fail(c, MSP_ERR_NOMEM, "out of memory");
	bson_iter_init(&it, &arr);
	while (bson_iter_next(&it)) {
		struct item *t = &op->items[op->nitems++];
		t->v = *bson_iter_value(&it);
		int all, any;
		if (t->v.value_type == BSON_TYPE_UNDEFINED)
			return fail(c, MSP_ERR_INVAL, "field \"%s\": %s: undefined is not a query value", path, name);
		if (is_operator_doc(&t->v, &all, &any) && any)
			return fail(c, MSP_ERR_INVAL, "field \"%s\": %s cannot hold an operator document", path, name);
		if (t->v.value_type == BSON_TYPE_REGEX &&
		    compile_regex(c, path, t->v.value.v_regex.regex, strlen(t->v.value.v_regex.regex),
		                  t->v.value.v_regex.options, &t->re))
			return c->rc;
	}
	return MSP_OK;
}

static const struct {
	const char *name;
	int code;
} opnames[] = {
	{"$eq", OP_EQ}, {"$ne", OP_NE}, {"$gt", OP_GT}, {"$gte", OP_GTE}, {"$lt", OP_LT},
	{"$lte", OP_LTE}, {"$in", OP_IN}, {"$nin", OP_NIN}, {"$exists", OP_EXISTS},
	{"$regex", OP_REGEX}, {"$not", OP_NOT},
};

/* An operator document {"$gt": 1, "$lt": 5} into ops (all must hold). */
static int compile_ops(struct cctx *c, const char *path, const bson_value_t *v, struct op **out,
                       size_t *nout, int depth)
{
	bson_t d;
	bson_iter_t it;
	const char *pattern = NULL, *options = NULL;
	size_t patlen = 0;
	if (depth > MAX_DEPTH)
		return fail(c, MSP_ERR_INVAL, "filter nested deeper than %d levels", MAX_DEPTH);
	if (!bson_init_static(&d, v->value.v_doc.data, v->value.v_doc.data_len) || !bson_iter_init(&it, &d))
		return fail(c, MSP_ERR_INVAL, "field \"%s\": malformed operator document", path);
	size_t n = 0;
	while (bson_iter_next(&it))
		n++;
	struct op *ops = calloc(n + 1, sizeof *ops);
	if (!ops)
		return fail(c, MSP_ERR_NOMEM, "out of memory");
	*out = ops;
	*nout = 0;
	bson_iter_init(&it, &d);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		const bson_value_t *val = bson_iter_value(&it);
		int code = -1;
		for (size_t i = 0; i < sizeof opnames / sizeof opnames[0]; i++)
			if (strcmp(k, opnames[i].name) == 0)
				code = opnames[i].code;
		if (strcmp(k, "$options") == 0) {
			if (val->value_type != BSON_TYPE_UTF8)
				return fail(c, MSP_ERR_INVAL, "field \"%s\": $options needs a string", path);
			options = val->value.v_utf8.str;
			continue;
		}
		if (code < 0) {
			if (k[0] != '$')
				return fail(c, MSP_ERR_INVAL,
				            "field \"%s\": \"%s\" mixed with operators (use {\"%s.%s\": ...} or only $-operators)",
				            path, k, path, k);
			return fail(c, MSP_ERR_UNSUPPORTED, "field \"%s\": unsupported operator %s", path, k);
		}
		if (code == OP_REGEX) {
			if (val->value_type == BSON_TYPE_UTF8) {
				pattern = val->value.v_utf8.str;
				patlen = val->value.v_utf8.len;
			} else if (val->value_type == BSON_TYPE_REGEX) {
				pattern = val->value.v_regex.regex;
				patlen = strlen(pattern);
				if (!options)
					options = val->value.v_regex.options;
			} else {
				return fail(c, MSP_ERR_INVAL, "field \"%s\": $regex needs a string", path);
			}
			continue; /* compiled below, once $options is known */
		}
		if (val->value_type == BSON_TYPE_UNDEFINED)
			return fail(c, MSP_ERR_INVAL, "field \"%s\": %s: undefined is not a query value", path, k);
		struct op *op = &ops[(*nout)++];
		op->code = code;
		op->rhs = *val;
		switch (code) {
		case OP_IN:
		case OP_NIN:
			if (compile_in(c, path, k, val, op))
				return c->rc;
			break;
		case OP_EXISTS:
			if (val->value_type == BSON_TYPE_BOOL)
				op->flag = val->value.v_bool;
			else if (val->value_type == BSON_TYPE_INT32 || val->value_type == BSON_TYPE_INT64 ||
			         val->value_type == BSON_TYPE_DOUBLE) {
				int cmp;
				bson_value_t zero = {.value_type = BSON_TYPE_INT32};
				msp_bson_value_compare(val, &zero, &cmp);
				op->flag = cmp != 0;
			} else
				return fail(c, MSP_ERR_INVAL, "field \"%s\": $exists needs true or false", path);
			break;
		case OP_NOT: {
			int all, any;
			if (val->value_type == BSON_TYPE_REGEX) {
				op->sub = calloc(1, sizeof *op->sub);
				if (!op->sub)
					return fail(c, MSP_ERR_NOMEM, "out of memory");
				op->nsub = 1;
				op->sub->code = OP_REGEX;
				op->sub->rhs = *val;
				if (compile_regex(c, path, val->value.v_regex.regex, strlen(val->value.v_regex.regex),
				                  val->value.v_regex.options, &op->sub->re))
					return c->rc;
			} else if (is_operator_doc(val, &all, &any) && all) {
				if (compile_ops(c, path, val, &op->sub, &op->nsub, depth + 1))
					return c->rc;
			} else {
				return fail(c, MSP_ERR_INVAL,
				            "field \"%s\": $not needs a regex or a non-empty document of operators",
				            path);
			}
			break;
		}
		default:
			break;
		}
	}
	if (options && !pattern)
		return fail(c, MSP_ERR_INVAL, "field \"%s\": $options without $regex", path);
	if (pattern) {
		struct op *op = &ops[(*nout)++];
		op->code = OP_REGEX;
		if (compile_regex(c, path, pattern, patlen, options ? options : "", &op->re))
			return c->rc;
	}
	return MSP_OK;
}

static int compile_doc(struct cctx *c, const bson_t *doc, struct node *n, int depth);

static int compile_logical(struct cctx *c, const char *name, const bson_value_t *v, struct node *n,
                           int depth)
{
	bson_t arr;
	bson_iter_t it;
	n->kind = name[1] == 'a' ? N_AND : name[1] == 'o' ? N_OR : N_NOR;
	if (v->value_type != BSON_TYPE_ARRAY ||
	    !bson_init_static(&arr, v->value.v_doc.data, v->value.v_doc.data_len) ||
	    !bson_iter_init(&it, &arr))
		return fail(c, MSP_ERR_INVAL, "%s needs a non-empty array of documents", name);
	size_t k = 0;
	while (bson_iter_next(&it))
		k++;
	if (!k)
		return fail(c, MSP_ERR_INVAL, "%s needs a non-empty array of documents", name);
	n->kids = calloc(k, sizeof *n->kids);
	if (!n->kids)
		return fail(c, MSP_ERR_NOMEM, "out of memory");
	bson_iter_init(&it, &arr);
	while (bson_iter_next(&it)) {
		bson_t sub;
		const bson_value_t *e = bson_iter_value(&it);
		struct node *kid = &n->kids[n->nkids++];
		if (e->value_type != BSON_TYPE_DOCUMENT ||
		    !bson_init_static(&sub, e->value.v_doc.data, e->value.v_doc.data_len))
			return fail(c, MSP_ERR_INVAL, "%s element %s is not a document", name, bson_iter_key(&it));
		if (compile_doc(c, &sub, kid, depth + 1))
			return c->rc;
	}
	return MSP_OK;
}

static int compile_field(struct cctx *c, const char *key, const bson_value_t *v, struct node *n,
                         int depth)
{
	n->kind = N_FIELD;
	size_t len = strlen(key);
	if (!len)
		return fail(c, MSP_ERR_INVAL, "empty field name");
	if (key[0] == '.' || key[len - 1] == '.' || strstr(key, ".."))
		return fail(c, MSP_ERR_INVAL, "field \"%s\": empty path component", key);
	n->path = strdup(key);
	int nc = 1;
	for (const char *p = key; *p; p++)
		nc += *p == '.';
	n->comps = malloc((size_t)nc * sizeof *n->comps + len + 1);
	if (!n->path || !n->comps)
		return fail(c, MSP_ERR_NOMEM, "out of memory");
	/* components live in the same allocation, after the pointers */
	char *s = (char *)(n->comps + nc);
	memcpy(s, key, len + 1);
	n->ncomps = 0;
	for (char *tok = s;;) {
		char *dot = strchr(tok, '.');
		n->comps[n->ncomps++] = tok;
		if (!dot)
			break;
		*dot = '\0';
		tok = dot + 1;
	}
	int all, any;
	/* a document with any $-key is an operator document; compile_ops
	 * refuses plain keys mixed into it, naming them */
	if (is_operator_doc(v, &all, &any) && any)
		return compile_ops(c, key, v, &n->ops, &n->nops, depth);
	if (v->value_type == BSON_TYPE_UNDEFINED)
		return fail(c, MSP_ERR_INVAL, "field \"%s\": undefined is not a query value", key);
	n->ops = calloc(1, sizeof *n->ops);
	if (!n->ops)
		return fail(c, MSP_ERR_NOMEM, "out of memory");
	n->nops = 1;
	n->ops->code = OP_EQ;
	n->ops->rhs = *v;
	if (v->value_type == BSON_TYPE_REGEX)
		return compile_regex(c, key, v->value.v_regex.regex, strlen(v->value.v_regex.regex),
		                     v->value.v_regex.options, &n->ops->re);
	return MSP_OK;
}

/* A filter document: an implicit $and of its keys. */
static int compile_doc(struct cctx *c, const bson_t *doc, struct node *n, int depth)
{
	bson_iter_t it;
	n->kind = N_AND;
	if (depth > MAX_DEPTH)
		return fail(c, MSP_ERR_INVAL, "filter nested deeper than %d levels", MAX_DEPTH);
	if (!bson_iter_init(&it, doc))
		return fail(c, MSP_ERR_INVAL, "malformed filter document");
	size_t k = 0;
	while (bson_iter_next(&it))
		k++;
	n->kids = calloc(k ? k : 1, sizeof *n->kids);
	if (!n->kids)
		return fail(c, MSP_ERR_NOMEM, "out of memory");
	bson_iter_init(&it, doc);
	while (bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);
		const bson_value_t *v = bson_iter_value(&it);
		struct node *kid = &n->kids[n->nkids++];
		if (key[0] == '$') {
			if (strcmp(key, "$and") && strcmp(key, "$or") && strcmp(key, "$nor"))
				return fail(c, MSP_ERR_UNSUPPORTED, "unsupported top-level operator %s", key);
			if (compile_logical(c, key, v, kid, depth))
				return c->rc;
		} else if (compile_field(c, key, v, kid, depth)) {
			return c->rc;
		}
	}
	return MSP_OK;
}

int msp_filter_compile(const bson_t *filter, msp_filter **out, char *err, size_t errlen)
{
	struct cctx c = {err, errlen, MSP_OK};
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	msp_filter *f = calloc(1, sizeof *f);
	if (!f || !(f->copy = bson_copy(filter))) {
		free(f);
		return fail(&c, MSP_ERR_NOMEM, "out of memory");
	}
	if (compile_doc(&c, f->copy, &f->root, 0)) {
		msp_filter_free(f);
		return c.rc;
	}
	*out = f;
	return MSP_OK;
}

void msp_filter_free(msp_filter *f)
{
	if (!f)
		return;
	free_node(&f->root);
	bson_destroy(f->copy);
	free(f);
}

int msp_filter_validate(const bson_t *filter, char *err, size_t errlen)
{
	msp_filter *f;
	int rc = msp_filter_compile(filter, &f, err, errlen);
	msp_filter_free(f);
	return rc;
}

/* ---------- evaluation ---------- */

/* The values a path reaches in one document. */
struct vals {
	bson_value_t local[16];
	bson_value_t *v;
	size_t n, cap;
	int missing; /* some branch of the path did not exist */
};

static void push(struct vals *vs, const bson_value_t *v)
{
	if (vs->n == vs->cap) {
		size_t cap = vs->cap * 2;
		bson_value_t *p = vs->v == vs->local ? malloc(cap * sizeof *p) : realloc(vs->v, cap * sizeof *p);
		if (!p)
			return; /* out of memory: the value is not seen */
		if (vs->v == vs->local)
			memcpy(p, vs->local, sizeof vs->local);
		vs->v = p;
		vs->cap = cap;
	}
	vs->v[vs->n++] = *v;
}

static void collect_doc(const uint8_t *data, uint32_t len, char **comps, int nc, struct vals *vs,
                        int depth);

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* MongoDB path semantics: a document is entered by key; an array is entered
 * by a numeric component (its index) and also element-wise, each document
 * element taking the same remaining path.  A scalar in the way is a missing
 * branch. */
static void collect_value(const bson_value_t *v, char **comps, int nc, struct vals *vs, int depth)
{
	if (nc == 0) {
		push(vs, v);
		return;
	}
	if (depth > MAX_DEPTH) {
		vs->missing = 1;
		return;
	}
	if (v->value_type == BSON_TYPE_DOCUMENT) {
		collect_doc(v->value.v_doc.data, v->value.v_doc.data_len, comps, nc, vs, depth + 1);
	} else if (v->value_type == BSON_TYPE_ARRAY) {
		bson_t arr;
		bson_iter_t it;
		int any = 0;
		if (!bson_init_static(&arr, v->value.v_doc.data, v->value.v_doc.data_len)) {
			vs->missing = 1;
			return;
		}
		if (all_digits(comps[0]) && bson_iter_init_find(&it, &arr, comps[0])) {
			collect_value(bson_iter_value(&it), comps + 1, nc - 1, vs, depth + 1);
			any = 1;
		}
		if (bson_iter_init(&it, &arr))
			while (bson_iter_next(&it)) {
				const bson_value_t *e = bson_iter_value(&it);
				if (e->value_type == BSON_TYPE_DOCUMENT) {
					collect_doc(e->value.v_doc.data, e->value.v_doc.data_len, comps, nc, vs, depth + 1);
					any = 1;
				}
			}
		if (!any)
			vs->missing = 1;
	} else {
		vs->missing = 1;
	}
}

static void collect_doc(const uint8_t *data, uint32_t len, char **comps, int nc, struct vals *vs,
                        int depth)
{
	bson_t d;
	bson_iter_t it;
	if (!bson_init_static(&d, data, len) || !bson_iter_init_find(&it, &d, comps[0])) {
		vs->missing = 1;
		return;
	}
	collect_value(bson_iter_value(&it), comps + 1, nc - 1, vs, depth);
}

/* pred on v, or on any element of v when v is an array (one level, as MongoDB). */
typedef int (*pred_fn)(const bson_value_t *x, const void *arg);

static int any_elem(const bson_value_t *x, pred_fn pred, const void *arg)
{
	if (pred(x, arg))
		return 1;
	if (x->value_type == BSON_TYPE_ARRAY) {
		bson_t arr;
		bson_iter_t it;
		if (bson_init_static(&arr, x->value.v_doc.data, x->value.v_doc.data_len) && bson_iter_init(&it, &arr))
			while (bson_iter_next(&it))
				if (pred(bson_iter_value(&it), arg))
					return 1;
	}
	return 0;
}

static int any_value(const struct vals *vs, pred_fn pred, const void *arg)
{
	for (size_t i = 0; i < vs->n; i++)
		if (any_elem(&vs->v[i], pred, arg))
			return 1;
	return 0;
}

static int pred_null(const bson_value_t *x, const void *arg)
{
	(void)arg;
	/* MongoDB 8.0 on: null no longer matches the deprecated undefined */
	return x->value_type == BSON_TYPE_NULL;
}

static int pred_eq(const bson_value_t *x, const void *arg)
{
	int c;
	return msp_bson_value_compare(x, arg, &c) && c == 0;
}

static int regex_string(const regex_t *re, const bson_value_t *x)
{
	const char *s;
	size_t len;
	if (x->value_type == BSON_TYPE_UTF8) {
		s = x->value.v_utf8.str;
		len = x->value.v_utf8.len;
	} else if (x->value_type == BSON_TYPE_SYMBOL) {
		s = x->value.v_symbol.symbol;
		len = x->value.v_symbol.len;
	} else {
		return 0;
	}
	regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)len};
	return regexec(re, s, 1, &m, REG_STARTEND) == 0;
}

struct re_arg {
	const regex_t *re;
	const bson_value_t *rhs; /* the regex value itself, or NULL */
};

/* {k: /re/}: strings matching re, and regex values equal to it. */
static int pred_regex(const bson_value_t *x, const void *arg)
{
	const struct re_arg *r = arg;
	if (regex_string(r->re, x))
		return 1;
	return r->rhs && x->value_type == BSON_TYPE_REGEX && pred_eq(x, r->rhs);
}

struct cmp_arg {
	int code;
	const bson_value_t *rhs;
};

/* $gt $gte $lt $lte: same type class only; NaN matches only $gte/$lte NaN. */
static int pred_cmp(const bson_value_t *x, const void *arg)
{
	const struct cmp_arg *a = arg;
	int c;
	if (!msp_bson_value_compare(x, a->rhs, &c))
		return 0;
	if (is_nan(x) || is_nan(a->rhs)) {
		int both = is_nan(x) && is_nan(a->rhs);
		return (a->code == OP_GTE || a->code == OP_LTE) && both;
	}
	switch (a->code) {
	case OP_GT: return c > 0;
	case OP_GTE: return c >= 0;
	case OP_LT: return c < 0;
	default: return c <= 0;
	}
}

/* Equality with MongoDB's null rule: {k: null} matches a missing field. */
static int eq_match(const bson_value_t *rhs, const regex_t *re, const struct vals *vs)
{
	if (rhs->value_type == BSON_TYPE_NULL)
		return vs->missing || vs->n == 0 || any_value(vs, pred_null, NULL);
	if (re) {
		struct re_arg r = {re, rhs->value_type == BSON_TYPE_REGEX ? rhs : NULL};
		return any_value(vs, pred_regex, &r);
	}
	return any_value(vs, pred_eq, rhs);
}

static int ops_match(const struct op *ops, size_t n, const struct vals *vs);

static int op_match(const struct op *op, const struct vals *vs)
{
	switch (op->code) {
	case OP_EQ: return eq_match(&op->rhs, op->re, vs);
	case OP_NE: return !eq_match(&op->rhs, NULL, vs);
	case OP_IN:
	case OP_NIN: {
		int hit = 0;
		for (size_t i = 0; i < op->nitems && !hit; i++)
			hit = eq_match(&op->items[i].v, op->items[i].re, vs);
		return op->code == OP_IN ? hit : !hit;
	}
	case OP_EXISTS: return op->flag ? vs->n > 0 : vs->n == 0;
	case OP_REGEX: {
		struct re_arg r = {op->re, NULL};
		return any_value(vs, pred_regex, &r);
	}
	case OP_NOT: return !ops_match(op->sub, op->nsub, vs);
	default: {
		/* {$gte: null} and {$lte: null} are equality with null */
		if (op->rhs.value_type == BSON_TYPE_NULL)
			return (op->code == OP_GTE || op->code == OP_LTE) && eq_match(&op->rhs, NULL, vs);
		struct cmp_arg a = {op->code, &op->rhs};
		return any_value(vs, pred_cmp, &a);
	}
	}
}

static int ops_match(const struct op *ops, size_t n, const struct vals *vs)
{
	for (size_t i = 0; i < n; i++)
		if (!op_match(&ops[i], vs))
			return 0;
	return 1;
}

static int eval_node(const struct node *n, const bson_t *doc)
{
	switch (n->kind) {
	case N_FIELD: {
		struct vals vs = {.n = 0, .cap = 16, .missing = 0};
		vs.v = vs.local;
		collect_doc(bson_get_data(doc), doc->len, n->comps, n->ncomps, &vs, 0);
		int r = ops_match(n->ops, n->nops, &vs);
		if (vs.v != vs.local)
			free(vs.v);
		return r;
	}
	case N_AND:
		for (size_t i = 0; i < n->nkids; i++)
			if (!eval_node(&n->kids[i], doc))
				return 0;
		return 1;
	case N_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (eval_node(&n->kids[i], doc))
				return 1;
		return 0;
	default: /* N_NOR */
		for (size_t i = 0; i < n->nkids; i++)
			if (eval_node(&n->kids[i], doc))
				return 0;
		return 1;
	}
}

int msp_filter_eval(const msp_filter *f, const bson_t *doc)
{
	return eval_node(&f->root, doc);
}

int msp_filter_match(const bson_t *filter, const bson_t *doc, int *matched, char *err, size_t errlen)
{
	msp_filter *f;
	int rc = msp_filter_compile(filter, &f, err, errlen);
	*matched = 0;
	if (rc)
		return rc;
	*matched = msp_filter_eval(f, doc);
	msp_filter_free(f);
	return MSP_OK;
}
