/*
 * json_in.c - JSON text to BSON, for the plain JSON mspipe writes (the
 * database layer's stored documents, msquery's output read by msread):
 * ~5 times faster than libbson's reader, which the callers fall back on
 * when this one gives up (see json_internal.h).  Its own file so that a
 * tool reading JSON does not link the database backends.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bson/bson.h>
#include "json_internal.h"
#include "elbuf.h"
#include "msp_json.h"

/* Documents back from the stored text.  libbson's reader takes ~5-10 times
 * longer than db.c's writer; this reader knows the plain JSON that
 * writer emits (objects, arrays, strings, numbers, true/false/null, and
 * {"$oid": ...}) and gives up (returns NULL) on anything else, e.g. other
 * extended-JSON wrappers such as {"$date": ...}, so the caller falls back to
 * libbson.  Numbers as libbson reads them: an integer literal is an int32
 * when it fits, else an int64; anything with '.', 'e' or 'E' a double. */
typedef struct jin {
	const char *p, *end;
	int bad;
	/* msp_json_parse_strict: give up on any text libbson's reader might
	 * refuse (bytes beyond ASCII, which it checks as UTF-8, and numbers
	 * outside JSON's grammar), so that what is accepted is accepted by
	 * libbson too, as the same document */
	int strict;
} jin;

static void jws(jin *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A JSON string into out (NUL-terminated); the raw bytes are used directly
 * when there is no escape. */
static int jstr(jin *j, msp_buf *out)
{
	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	msp_buf_reset(out);
	const char *run = j->p;
	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20 || (j->strict && (unsigned char)*j->p >= 0x80))
			return -1;
		if (*j->p != '\\') {
			j->p++;
			continue;
		}
		msp_buf_add(out, run, (size_t)(j->p - run));
		j->p++;
		if (j->p >= j->end)
			return -1;
		char c = *j->p++;
		switch (c) {
		case '"': msp_buf_add(out, "\"", 1); break;
		case '\\': msp_buf_add(out, "\\", 1); break;
		case '/': msp_buf_add(out, "/", 1); break;
		case 'b': msp_buf_add(out, "\b", 1); break;
		case 'f': msp_buf_add(out, "\f", 1); break;
		case 'n': msp_buf_add(out, "\n", 1); break;
		case 'r': msp_buf_add(out, "\r", 1); break;
		case 't': msp_buf_add(out, "\t", 1); break;
		case 'u': {
			uint32_t cp = 0;
			for (int k = 0; k < 4; k++) {
				int h = j->p < j->end ? hexval(*j->p++) : -1;
				if (h < 0)
					return -1;
				cp = cp << 4 | (uint32_t)h;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				uint32_t lo = 0;
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					return -1;
				j->p += 2;
				for (int k = 0; k < 4; k++) {
					int h = hexval(*j->p++);
					if (h < 0)
						return -1;
					lo = lo << 4 | (uint32_t)h;
				}
				if (lo < 0xDC00 || lo > 0xDFFF)
					return -1;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return -1;
			}
			if (cp == 0)
				return -1; /* a NUL in a string: leave it to libbson */
			char u[4];
			size_t n;
			if (cp < 0x80) {
				u[0] = (char)cp;
				n = 1;
			} else if (cp < 0x800) {
				u[0] = (char)(0xC0 | cp >> 6);
				u[1] = (char)(0x80 | (cp & 0x3F));
				n = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xE0 | cp >> 12);
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
				u[2] = (char)(0x80 | (cp & 0x3F));
				n = 3;
			} else {
				u[0] = (char)(0xF0 | cp >> 18);
				u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
				u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
				u[3] = (char)(0x80 | (cp & 0x3F));
				n = 4;
			}
			msp_buf_add(out, u, n);
			break;
		}
		default: return -1;
		}
		run = j->p;
	}
	if (j->p >= j->end)
		return -1;
	msp_buf_add(out, run, (size_t)(j->p - run));
	msp_buf_add(out, "", 0); /* allocates, so out->p is a (possibly empty) C string */
	j->p++;
	return out->failed || !out->p ? -1 : 0;
}

static int jvalue(jin *j, msp_elbuf *dst, const char *key, size_t klen, msp_buf *tmp, int depth);

/* A JSON string as a pointer and a length: into the text itself when it
 * has no escape (no copy), else unescaped into tmp by jstr. */
static int jstr_view(jin *j, msp_buf *tmp, const char **s, size_t *n)
{
	if (j->p >= j->end || *j->p != '"')
		return -1;
	const char *q = j->p + 1;
	while (q < j->end && *q != '"' && *q != '\\') {
		unsigned char c = (unsigned char)*q;
		if (c < 0x20 || (j->strict && c >= 0x80))
			return -1;
		q++;
	}
	if (q < j->end && *q == '"') {
		*s = j->p + 1;
		*n = (size_t)(q - j->p - 1);
		j->p = q + 1;
		return 0;
	}
	if (jstr(j, tmp))
		return -1;
	*s = tmp->p;
	*n = tmp->len;
	return 0;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		size_t d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* A JSON number with at most 15 significant digits and a decimal exponent
 * within 22 of them, converted exactly as strtod converts it: the digits
 * m < 10^15 and 10^|e| are exact doubles, so m * 10^e (or m / 10^-e) is
 * one correctly rounded operation (Clinger's fast path), the value strtod
 * gives, at a fraction of its cost.  0 for anything else (then strtod). */
static int short_decimal(const char *s, size_t n, double *out)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	if (!json_number(s, n))
		return 0;
	size_t i = 0;
	int neg = s[0] == '-', nd = 0, fd = 0;
	uint64_t m = 0;
	if (neg)
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		if (m || s[i] != '0') {
			m = m * 10 + (uint64_t)(s[i] - '0');
			if (++nd > 15)
				return 0;
		}
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			fd++;
			if (m || s[i] != '0') {
				m = m * 10 + (uint64_t)(s[i] - '0');
				if (++nd > 15)
					return 0;
			}
		}
	int e = 0;
	if (i < n) { /* e or E, then the grammar's sign and digits */
		int eneg = s[++i] == '-';
		if (s[i] == '-' || s[i] == '+')
			i++;
		for (; i < n; i++) {
			e = e * 10 + (s[i] - '0');
			if (e > 1000)
				return 0;
		}
		if (eneg)
			e = -e;
	}
	e -= fd;
	if (e < -22 || e > 22)
		return 0;
	double v = (double)m;
	v = e < 0 ? v / p10[-e] : v * p10[e];
	*out = neg ? -v : v;
	return 1;
}

/* The document is written as BSON bytes (the bytes bson_append_* would
 * write, without a call per value): an element's type and key, then its
 * value; a nested document's length is filled in at its end. */
static void ehead(msp_elbuf *b, uint8_t type, const char *key, size_t kl)
{
	msp_elbuf_add(b, &type, 1);
	msp_elbuf_add(b, key, kl);
	msp_elbuf_add(b, "", 1);
}

static void eval(msp_elbuf *b, uint8_t type, const char *key, size_t kl, const void *v, size_t n)
{
	ehead(b, type, key, kl);
	msp_elbuf_add(b, v, n);
}

static int jdouble(msp_elbuf *b, const char *key, size_t kl, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	u = BSON_UINT64_TO_LE(u);
	eval(b, BSON_TYPE_DOUBLE, key, kl, &u, 8);
	return 0;
}

static int jcontainer(jin *j, msp_elbuf *dst, int array, msp_buf *tmp, int depth);

/* A nested document or array: its length word is written at its end. */
static int jchild(jin *j, msp_elbuf *dst, uint8_t type, const char *key, size_t kl, msp_buf *tmp,
                  int depth)
{
	ehead(dst, type, key, kl);
	size_t at = dst->len;
	msp_elbuf_add(dst, "\0\0\0\0", 4);
	int rc = jcontainer(j, dst, type == BSON_TYPE_ARRAY, tmp, depth);
	msp_elbuf_add(dst, "", 1);
	if (rc || dst->failed || dst->len - at > INT32_MAX)
		return -1;
	uint32_t l = BSON_UINT32_TO_LE((uint32_t)(dst->len - at));
	memcpy(dst->p + at, &l, 4);
	return 0;
}

static int jcontainer(jin *j, msp_elbuf *dst, int array, msp_buf *tmp, int depth)
{
	char close = array ? ']' : '}';
	j->p++; /* [ or { */
	jws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	uint32_t idx = 0;
	msp_buf key;
	msp_buf_init(&key);
	int rc = 0;
	/* a key is used (written with its value's element) before the next
	 * key is read, and a nested container reads its own keys into its own
	 * key buffer, so an escaped key in key stays valid while it is used */
	for (;;) {
		jws(j);
		char ibuf[16];
		const char *k;
		size_t kl;
		if (array) {
			kl = bson_uint32_to_string(idx++, &k, ibuf, sizeof ibuf);
		} else {
			/* (no NUL in a key: raw control bytes and \u0000 give up) */
			if (jstr_view(j, &key, &k, &kl) || !k) {
				rc = -1;
				break;
			}
			if (kl > 0 && k[0] == '$') {
				rc = -1; /* $-keys (extended-JSON wrappers among them): libbson's job */
				break;
			}
			jws(j);
			if (j->p >= j->end || *j->p != ':') {
				rc = -1;
				break;
			}
			j->p++;
			jws(j);
		}
		if (jvalue(j, dst, k, kl, tmp, depth + 1)) {
			rc = -1;
			break;
		}
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			break;
		}
		rc = -1;
		break;
	}
	msp_buf_free(&key);
	return rc;
}

static int jvalue(jin *j, msp_elbuf *dst, const char *key, size_t klen, msp_buf *tmp, int depth)
{
	if (j->p >= j->end || depth > 90)
		return -1;
	char c = *j->p;
	if (c == '"') {
		const char *v;
		size_t n;
		if (jstr_view(j, tmp, &v, &n) || !v)
			return -1;
		uint32_t l = BSON_UINT32_TO_LE((uint32_t)n + 1);
		eval(dst, BSON_TYPE_UTF8, key, klen, &l, 4);
		msp_elbuf_add(dst, v, n);
		msp_elbuf_add(dst, "", 1);
		return 0;
	}
	if (c == '{') {
		/* {"$oid": "hex"} is an ObjectId; any other $-wrapper: give up */
		const char *q = j->p + 1;
		while (q < j->end && (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
			q++;
		if (q < j->end && q + 1 < j->end && q[0] == '"' && q[1] == '$') {
			if (j->end - q >= 6 && !memcmp(q, "\"$oid\"", 6)) {
				jin s = {q + 6, j->end, 0, j->strict};
				jws(&s);
				if (s.p >= s.end || *s.p != ':')
					return -1;
				s.p++;
				jws(&s);
				if (jstr(&s, tmp) || tmp->len != 24 || !bson_oid_is_valid(tmp->p, 24))
					return -1;
				jws(&s);
				if (s.p >= s.end || *s.p != '}')
					return -1;
				j->p = s.p + 1;
				bson_oid_t oid;
				bson_oid_init_from_string(&oid, tmp->p);
				eval(dst, BSON_TYPE_OID, key, klen, oid.bytes, 12);
				return 0;
			}
			return -1;
		}
		return jchild(j, dst, BSON_TYPE_DOCUMENT, key, klen, tmp, depth);
	}
	if (c == '[') {
		return jchild(j, dst, BSON_TYPE_ARRAY, key, klen, tmp, depth);
	}
	if (c == 't' && j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) {
		j->p += 4;
		eval(dst, BSON_TYPE_BOOL, key, klen, "\1", 1);
		return 0;
	}
	if (c == 'f' && j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) {
		j->p += 5;
		eval(dst, BSON_TYPE_BOOL, key, klen, "", 1);
		return 0;
	}
	if (c == 'n' && j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
		j->p += 4;
		ehead(dst, BSON_TYPE_NULL, key, klen);
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		const char *s = j->p;
		int isdbl = 0;
		while (j->p < j->end) {
			char d = *j->p;
			if (d == '.' || d == 'e' || d == 'E')
				isdbl = 1;
			else if (!(d == '-' || d == '+' || (d >= '0' && d <= '9')))
				break;
			j->p++;
		}
		char nb[64];
		size_t n = (size_t)(j->p - s);
		if (n == 0 || n >= sizeof nb)
			return -1;
		if (j->strict && !json_number(s, n))
			return -1;
		memcpy(nb, s, n);
		nb[n] = 0;
		char *e;
		if (isdbl) {
			double v;
			if (short_decimal(s, n, &v))
				return jdouble(dst, key, klen, v);
			errno = 0;
			v = strtod(nb, &e);
			if (*e || (j->strict && (errno || !isfinite(v))))
				return -1; /* strict: out of range is libbson's to say */
			return jdouble(dst, key, klen, v);
		}
		errno = 0;
		long long v = strtoll(nb, &e, 10);
		if (*e || errno)
			return -1; /* beyond int64: leave it to libbson */
		if (v >= INT32_MIN && v <= INT32_MAX) {
			uint32_t u = BSON_UINT32_TO_LE((uint32_t)(int32_t)v);
			eval(dst, BSON_TYPE_INT32, key, klen, &u, 4);
			return 0;
		}
		uint64_t u = BSON_UINT64_TO_LE((uint64_t)(int64_t)v);
		eval(dst, BSON_TYPE_INT64, key, klen, &u, 8);
		return 0;
	}
	return -1;
}

static bson_t *json_parse(const char *json, size_t len, int strict)
{
	jin j = {json, json + len, 0, strict};
	jws(&j);
	if (j.p >= j.end || *j.p != '{')
		return NULL;
	/* a top-level {"$oid": ...} or other wrapper is not a document */
	msp_elbuf b;
	msp_elbuf_init(&b);
	msp_buf tmp;
	msp_buf_init(&tmp);
	int rc = jcontainer(&j, &b, 0, &tmp, 0);
	msp_buf_free(&tmp);
	jws(&j);
	bson_t *out = NULL;
	if (!rc && j.p == j.end && !b.failed && (out = bson_new()) && msp_elbuf_commit(&b, out)) {
		bson_destroy(out);
		out = NULL;
	}
	if (!out)
		msp_elbuf_free(&b);
	return out;
}

bson_t *msp_db_json_parse(const char *json, size_t len) { return json_parse(json, len, 0); }

bson_t *msp_json_parse_strict(const char *json, size_t len) { return json_parse(json, len, 1); }
