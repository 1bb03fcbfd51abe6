/*
 * stream.c - the record stream reader and writer (format: man/man5/mspipe.5).
 *
 * Frame = 64-byte header (with its own CRC, checked before any length is
 * trusted) + payload (metadata BSON, elog BSON, history BSON, samples) + a
 * CRC-32C of the payload.  An end mark (24 bytes) closes each producer's
 * output and carries its record count, so concatenated streams stay valid
 * and a dropped or duplicated record between marks is detected.
 *
 * The reader works over a file descriptor or a memory buffer (the decoder
 * and the fuzz target use the same code path).  It keeps one I/O block and
 * the caller's record: O(one record) of memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "msp_stream.h"
#include "msp_status.h"

/* The I/O block; the fuzz build makes it small (MSP_IOBLOCK=4096) and
 * MSP_DIRECT_MIN=512, so that frames straddle blocks and take the direct
 * path with small inputs, and each input does not map a megabyte. */
#ifdef MSP_IOBLOCK
#define IOBLOCK (MSP_IOBLOCK)
#else
#define IOBLOCK (1024 * 1024)
#endif
/* Sample blocks at least this long move between the descriptor and the
 * record directly (read into rec->data, writev from it), skipping a copy
 * through the I/O block: a pass-through stage is bound by memory traffic. */
#ifdef MSP_DIRECT_MIN
#define DIRECT_MIN (MSP_DIRECT_MIN)
#else
#define DIRECT_MIN (64 * 1024)
#endif
/* A frame at least this long is read up to its end and no further (see
 * peek), so that the next one starts at the front of the block. */
#define LARGE_FRAME (IOBLOCK / 4)
static const char MAGIC_REC[4] = {'M', 'S', 'P', 'R'};
static const char MAGIC_END[4] = {'M', 'S', 'P', 'E'};

#define FLAG_LIVE 1u
#define FLAG_UTC 2u
#define FLAG_SHIFT 4u

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BE 1
#else
#define HOST_BE 0
#endif

static void put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put_f64(uint8_t *p, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	put_u64(p, v);
}
static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}
static double get_f64(const uint8_t *p)
{
	uint64_t v = get_u64(p);
	double d;
	memcpy(&d, &v, 8);
	return d;
}

static void swap_doubles(double *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		memcpy(&v, &d[i], 8);
		v = __builtin_bswap64(v);
		memcpy(&d[i], &v, 8);
	}
}

void msp_fd_raise_pipe(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		int cur = fcntl(fd, F_GETPIPE_SZ);
		if (cur >= 0 && cur < MSP_PIPE_SIZE)
			(void)fcntl(fd, F_SETPIPE_SZ, MSP_PIPE_SIZE); /* best effort: may exceed pipe-max-size */
	}
}

/* ------------------------------------------------------------------ reader */

/* A document's bytes that passed the validator, and its element count.  A
 * chain's records carry the same history document (and often the same
 * empty elog) one after the other: bytes equal to these were validated
 * already, so the validator (a UTF-8 check of every key and string) is not
 * run again on them. */
typedef struct doc_seen {
	uint8_t *p;
	uint32_t len, count;
	size_t cap;
} doc_seen;

struct msp_reader {
	int fd;                 /* -1 for a memory source */
	const uint8_t *mem;     /* memory source */
	size_t memlen;
	char name[64];
	uint8_t *buf;           /* I/O block (fd source) */
	size_t buf_cap;         /* its size: IOBLOCK, or more for a whole frame */
	size_t pos, len;        /* unread bytes are buf[pos..len) */
	uint64_t offset;        /* bytes consumed from the source */
	uint64_t max_record;
	uint64_t nrecords;      /* records returned */
	uint64_t since_mark;    /* records since the last end mark */
	int ended;              /* the last frame was an end mark */
	int saw_bytes;
	size_t upto;            /* read no further than this past pos (0: a block) */
	int io_errno;
	uint8_t *docbuf;        /* scratch for the BSON documents */
	size_t docbuf_cap;
	doc_seen seen[2];       /* the last elog and history documents validated */
	char err[256];
};

static int reader_init(msp_reader **out, int fd, const uint8_t *mem, size_t memlen,
                       const char *name, uint64_t max_record)
{
	msp_reader *r = calloc(1, sizeof *r);
	if (!r)
		return MSP_ERR_NOMEM;
	r->fd = fd;
	r->mem = mem;
	r->memlen = memlen;
	snprintf(r->name, sizeof r->name, "%s", name ? name : "input");
	r->max_record = max_record ? max_record : MSP_DEFAULT_MAX_RECORD;
	if (fd >= 0) {
		r->buf = malloc(IOBLOCK);
		r->buf_cap = IOBLOCK;
		if (!r->buf) {
			free(r);
			return MSP_ERR_NOMEM;
		}
		msp_fd_raise_pipe(fd);
	}
	*out = r;
	return MSP_OK;
}

int msp_reader_open(msp_reader **out, int fd, const char *name, uint64_t max_record)
{
	if (fd < 0)
		return MSP_ERR_INVAL;
	return reader_init(out, fd, NULL, 0, name, max_record);
}

void msp_reader_close(msp_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->docbuf);
	free(r->seen[0].p);
	free(r->seen[1].p);
	free(r);
}

const char *msp_reader_errmsg(const msp_reader *r) { return r->err; }
uint64_t msp_reader_count(const msp_reader *r) { return r->nrecords; }
uint64_t msp_reader_offset(const msp_reader *r) { return r->offset; }
uint64_t msp_reader_max_record(const msp_reader *r) { return r->max_record; }

int msp_record_fits(uint64_t bound, int kind, uint64_t npts, uint64_t docs)
{
	/* header + documents + samples + checksum <= bound, without overflow */
	uint64_t fixed = MSP_HEADER_SIZE + 4;
	return bound >= fixed && docs <= bound - fixed && npts <= (bound - fixed - docs) / 8 / (uint64_t)kind;
}

/*
 * Copy exactly n bytes into dst (or skip them when dst is NULL).  Returns
 * the number of bytes obtained (< n only at end of input) or -1 on a read
 * error (errno saved).
 */
static ssize_t rd(msp_reader *r, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t got = 0;
	if (r->fd < 0) {
		size_t avail = r->memlen - (size_t)r->offset;
		size_t k = n < avail ? n : avail;
		if (d)
			memcpy(d, r->mem + r->offset, k);
		r->offset += k;
		return (ssize_t)k;
	}
	while (got < n) {
		if (r->pos < r->len) {
			size_t k = r->len - r->pos;
			if (k > n - got)
				k = n - got;
			if (d)
				memcpy(d + got, r->buf + r->pos, k);
			r->pos += k;
			got += k;
			r->offset += k;
			continue;
		}
		/* large remainders go straight into the destination */
		if (d && n - got >= DIRECT_MIN) {
			ssize_t k = read(r->fd, d + got, n - got);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				r->io_errno = errno;
				return -1;
			}
			if (k == 0)
				break;
			got += (size_t)k;
			r->offset += (uint64_t)k;
			continue;
		}
		ssize_t k = read(r->fd, r->buf, IOBLOCK);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r->io_errno = errno;
			return -1;
		}
		if (k == 0)
			break;
		r->pos = 0;
		r->len = (size_t)k;
	}
	return (ssize_t)got;
}

static int fail(msp_reader *r, int code, uint64_t recno, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(msp_reader *r, int code, uint64_t recno, uint64_t at, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof r->err, "%s at record %llu (byte %llu)", what,
	         (unsigned long long)recno, (unsigned long long)at);
	return code;
}

/* What the first bytes of a non-mspipe input look like, for the message. */
static const char *looks_like(const uint8_t *h, size_t n)
{
	if (n >= 8) {
		int seq = 1;
		for (int i = 0; i < 6; i++)
			if (!((h[i] >= '0' && h[i] <= '9') || h[i] == ' ' || h[i] == '\0'))
				seq = 0;
		if (seq && strchr("DRQM", h[6]) && (h[7] == ' ' || h[7] == '\0'))
			return " (it looks like miniSEED: index it with msindex and read it with msread)";
	}
	size_t i = 0;
	while (i < n && (h[i] == ' ' || h[i] == '\n' || h[i] == '\t' || h[i] == '\r'))
		i++;
	if (i < n && (h[i] == '{' || h[i] == '['))
		return " (it looks like JSON: documents go to msread, not to a record filter)";
	if (n >= 4 && memcmp(h, "MSP", 3) == 0)
		return " (an mspipe magic of an unknown kind)";
	int text = n > 0;
	for (size_t k = 0; k < n; k++)
		if (h[k] < 0x09 || (h[k] > 0x0d && h[k] < 0x20) || h[k] == 0x7f)
			text = 0;
	if (text)
		return " (it looks like text)";
	return "";
}

static int grow_docbuf(msp_reader *r, size_t need)
{
	if (need <= r->docbuf_cap)
		return MSP_OK;
	uint8_t *p = realloc(r->docbuf, need);
	if (!p)
		return MSP_ERR_NOMEM;
	r->docbuf = p;
	r->docbuf_cap = need;
	return MSP_OK;
}

/*
 * A quick first look at a document before libbson's validator: 1 when the
 * document is certainly valid, 0 when this look cannot tell (then
 * bson_validate decides, with its own verdict).  Certainly valid means
 * made only of what a record's documents hold -- doubles, strings, nested
 * documents and arrays, ObjectIds, booleans 0/1, dates, null, int32, int64
 * -- with every length inside its parent, ASCII keys that are not empty and
 * have no '$' or '.', array keys 0, 1, 2, ..., strings of ASCII without NUL,
 * and the end mark where the length word says: the cases where libbson's
 * verdict is "valid" whatever its flags (test_stream checks it against
 * bson_validate on a million edited documents).  libbson's walk (a
 * visitor call and a UTF-8 check per key) cost 20k instructions for a
 * 700-byte metadata document, read by every tool of a chain.
 */
static int plain_valid(const uint8_t *p, uint32_t len, int depth, int array)
{
	if (depth > 16 || len < 5 || get_u32(p) != len || p[len - 1] != 0)
		return 0;
	uint32_t o = 4, idx = 0;
	for (;;) {
		uint8_t t = p[o++]; /* o <= len - 1 here */
		if (t == 0)
			return o == len;
		/* the key */
		uint32_t k = o;
		while (o < len - 1 && p[o]) {
			uint8_t c = p[o++];
			if (c >= 0x80 || c == '$' || c == '.')
				return 0;
		}
		if (o == k || o >= len - 1)
			return 0;
		if (array) {
			/* idx in decimal, no leading zero */
			char want[11];
			int n = 0;
			uint32_t v = idx++;
			do {
				want[n++] = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			if (o - k != (uint32_t)n)
				return 0;
			for (int i = 0; i < n; i++)
				if (p[k + (uint32_t)i] != (uint8_t)want[n - 1 - i])
					return 0;
		}
		o++; /* the key's NUL */
		uint32_t rem = len - 1 - o; /* bytes before the document's end mark */
		if (o > len - 1)
			return 0;
		uint32_t l;
		switch (t) {
		case 0x01: case 0x09: case 0x12: l = 8; break;  /* double, date, int64 */
		case 0x10: l = 4; break;                        /* int32 */
		case 0x07: l = 12; break;                       /* ObjectId */
		case 0x0A: l = 0; break;                        /* null */
		case 0x08:                                      /* boolean */
			if (rem < 1 || p[o] > 1)
				return 0;
			l = 1;
			break;
		case 0x02:                                      /* string */
			if (rem < 5)
				return 0;
			l = get_u32(p + o);
			if (l < 1 || l > rem - 4 || p[o + 4 + l - 1] != 0)
				return 0;
			for (uint32_t i = o + 4; i < o + 4 + l - 1; i++)
				if (p[i] == 0 || p[i] >= 0x80)
					return 0;
			l += 4;
			break;
		case 0x03: case 0x04:                           /* document, array */
			if (rem < 5)
				return 0;
			l = get_u32(p + o);
			if (l < 5 || l > rem || !plain_valid(p + o, l, depth + 1, t == 0x04))
				return 0;
			break;
		default: return 0;
		}
		if (l > rem)
			return 0;
		o += l;
	}
}

/* Parse a BSON document of len bytes at p into *dst (replacing it).  The
 * copy goes into dst's own buffer (bson_reinit keeps it), so a stream of
 * records costs no allocation per document once the buffers have grown. */
static int take_doc(bson_t **dst, const uint8_t *p, uint32_t len, uint32_t *count,
                    doc_seen *seen)
{
	bson_t view;
	size_t erroff;
	int known = seen && seen->p && len == seen->len && memcmp(p, seen->p, len) == 0;
	if (len < 5 || !bson_init_static(&view, p, len) ||
	    (!known && !plain_valid(p, len, 0, 0) &&
	     !bson_validate(&view, BSON_VALIDATE_NONE, &erroff)))
		return MSP_ERR_FORMAT;
	bson_reinit(*dst);
	if (!bson_concat(*dst, &view))
		return MSP_ERR_NOMEM;
	if (known) {
		*count = seen->count;
		return MSP_OK;
	}
	if (count) {
		bson_iter_t it;
		uint32_t n = 0;
		if (bson_iter_init(&it, *dst))
			while (bson_iter_next(&it))
				n++;
		*count = n;
	}
	if (seen && count) {
		if (len > seen->cap) {
			uint8_t *q = realloc(seen->p, len);
			if (!q) {
				/* no memory for the shortcut: the next one is validated */
				free(seen->p);
				memset(seen, 0, sizeof *seen);
				return MSP_OK;
			}
			seen->p = q;
			seen->cap = len;
		}
		memcpy(seen->p, p, len);
		seen->len = len;
		seen->count = *count;
	}
	return MSP_OK;
}

/* The fields of a record header, once checked: version, header CRC, kind,
 * flags and the lengths against the bound (before anything is allocated).
 * Shared by the record and the frame readers so both say the same things. */
typedef struct hdr_info {
	uint16_t kind;
	uint32_t flags, meta_len, elog_len, hist_len;
	uint64_t npts, docs;
} hdr_info;

static int check_header(msp_reader *r, const uint8_t *h, uint64_t recno, uint64_t start, hdr_info *hi)
{
	uint16_t ver = get_u16(h + 4);
	if (ver != MSP_STREAM_VERSION)
		return fail(r, MSP_ERR_VERSION, recno, start, "unsupported stream version %u", ver);
	if (msp_crc32c(0, h, 60) != get_u32(h + 60))
		return fail(r, MSP_ERR_CHECKSUM, recno, start, "checksum mismatch in record header");
	hi->kind = get_u16(h + 6);
	hi->flags = get_u32(h + 8);
	hi->meta_len = get_u32(h + 12);
	hi->npts = get_u64(h + 40);
	hi->elog_len = get_u32(h + 48);
	hi->hist_len = get_u32(h + 52);
	if (hi->kind != MSP_TIMESERIES && hi->kind != MSP_SEISMOGRAM)
		return fail(r, MSP_ERR_FORMAT, recno, start, "unknown record kind %u", hi->kind);
	if (hi->flags & ~(FLAG_LIVE | FLAG_UTC | FLAG_SHIFT))
		return fail(r, MSP_ERR_FORMAT, recno, start, "unknown flags 0x%x", hi->flags);
	hi->docs = (uint64_t)hi->meta_len + hi->elog_len + hi->hist_len;
	uint64_t bound = r->max_record;
	if (!msp_record_fits(bound, hi->kind, hi->npts, hi->docs))
		return fail(r, MSP_ERR_TOOBIG, recno, start,
		            "record of %llu samples and %llu document bytes exceeds the bound of %llu bytes",
		            (unsigned long long)hi->npts, (unsigned long long)hi->docs,
		            (unsigned long long)bound);
	return MSP_OK;
}

/*
 * Make n bytes available contiguously at *p without consuming them (the
 * frame reader's view, and every reader's view of a frame's first bytes).
 * Returns how many are available (< n only at the end of input) or -1 on a
 * read error.  The I/O block is compacted, and grown to hold a frame larger
 * than it, only when a frame straddles its end.
 *
 * Reads fill the block, except that with r->upto set they stop upto bytes
 * past pos.  The frame reader sets it to the length of a large frame: read
 * to its end and no further, the next frame then starts at the front of the
 * block, and is not moved there (with 1-hour records, 576 KB in a 1 MiB
 * block, most of every frame was moved: 6% of a pass-through's time).  A
 * block of four frames did the same less often, with 4 times the memory,
 * and measured no better.
 */
static ssize_t peek(msp_reader *r, size_t n, const uint8_t **p)
{
	if (r->fd < 0) {
		size_t avail = r->memlen - (size_t)r->offset;
		*p = r->mem + r->offset;
		return (ssize_t)(n < avail ? n : avail);
	}
	if (r->pos == r->len)
		r->pos = r->len = 0; /* nothing in hand: start at the front */
	while (r->len - r->pos < n) {
		if (r->buf_cap - r->pos < n) {
			if (r->pos) {
				memmove(r->buf, r->buf + r->pos, r->len - r->pos);
				r->len -= r->pos;
				r->pos = 0;
			}
			if (r->buf_cap < n) {
				size_t cap = n < 2 * r->buf_cap ? 2 * r->buf_cap : n;
				uint8_t *nb = realloc(r->buf, cap);
				if (!nb) {
					r->io_errno = ENOMEM;
					return -1;
				}
				r->buf = nb;
				r->buf_cap = cap;
			}
		}
		size_t room = r->buf_cap - r->len;
		if (r->upto >= n && r->pos + r->upto - r->len < room)
			room = r->pos + r->upto - r->len;
		ssize_t k = read(r->fd, r->buf + r->len, room);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r->io_errno = errno;
			return -1;
		}
		if (k == 0)
			break;
		r->len += (size_t)k;
	}
	*p = r->buf + r->pos;
	return (ssize_t)(r->len - r->pos < n ? r->len - r->pos : n);
}

static void consume(msp_reader *r, size_t n)
{
	if (r->fd >= 0)
		r->pos += n;
	r->offset += n;
}

/* Bytes already in hand (buffered, or the rest of a memory source): what a
 * run of frames may take without a read. */
static size_t buffered(const msp_reader *r)
{
	return r->fd < 0 ? r->memlen - (size_t)r->offset : r->len - r->pos;
}

/*
 * Go to the next record header: the one place where the start of a frame
 * is read, for the record reader and the frame reader alike, so that both
 * stop at the same places with the same words.  End marks on the way are
 * checked (version, checksum, the count of records since the previous one)
 * and stepped over; a clean end (the last frame was an end mark) is
 * MSP_EOF.  On MSP_OK *hp points at a record header that passed
 * check_header, not yet consumed, and *startp is its offset.
 */
static int frame_start(msp_reader *r, const uint8_t **hp, hdr_info *hi, uint64_t *startp)
{
	const uint8_t *h;
	for (;;) {
		uint64_t start = r->offset;
		uint64_t recno = r->nrecords + 1;
		ssize_t got = peek(r, 4, &h);
		if (got < 0)
			return fail(r, MSP_ERR_IO, recno, start, "read error (%s)", strerror(r->io_errno));
		if (got == 0) {
			if (r->ended)
				return MSP_EOF;
			if (!r->saw_bytes)
				return fail(r, MSP_ERR_NOEND, recno, start,
				            "empty input, no end-of-stream mark (the producer wrote nothing)");
			return fail(r, MSP_ERR_NOEND, recno, start,
			            "input ends without an end-of-stream mark (the producer stopped early)");
		}
		r->saw_bytes = 1;
		if (got < 4) {
			if (memcmp(h, MAGIC_REC, (size_t)got) && memcmp(h, MAGIC_END, (size_t)got))
				return fail(r, MSP_ERR_MAGIC, recno, start, "not an mspipe stream%s",
				            looks_like(h, (size_t)got));
			return fail(r, MSP_ERR_TRUNCATED, recno, start,
			            "record cut short after %zd of %d header bytes", got, MSP_HEADER_SIZE);
		}
		if (memcmp(h, MAGIC_END, 4) == 0) {
			got = peek(r, MSP_ENDMARK_SIZE, &h);
			if (got < 0)
				return fail(r, MSP_ERR_IO, recno, start, "read error (%s)", strerror(r->io_errno));
			if (got < MSP_ENDMARK_SIZE)
				return fail(r, MSP_ERR_TRUNCATED, recno, start, "end-of-stream mark cut short");
			uint16_t ver = get_u16(h + 4);
			if (ver != MSP_STREAM_VERSION)
				return fail(r, MSP_ERR_VERSION, recno, start, "unsupported stream version %u", ver);
			if (msp_crc32c(0, h, MSP_ENDMARK_SIZE - 4) != get_u32(h + MSP_ENDMARK_SIZE - 4))
				return fail(r, MSP_ERR_CHECKSUM, recno, start, "checksum mismatch in end-of-stream mark");
			uint64_t claimed = get_u64(h + 8);
			if (claimed != r->since_mark)
				return fail(r, MSP_ERR_FORMAT, recno, start,
				            "end-of-stream mark counts %llu records but %llu preceded it (records lost or duplicated)",
				            (unsigned long long)claimed, (unsigned long long)r->since_mark);
			consume(r, MSP_ENDMARK_SIZE);
			r->since_mark = 0;
			r->ended = 1;
			continue;
		}
		if (memcmp(h, MAGIC_REC, 4) != 0) {
			/* a few more bytes, to say what the input looks like */
			got = peek(r, 16, &h);
			return fail(r, MSP_ERR_MAGIC, recno, start, "not an mspipe stream%s",
			            looks_like(h, got > 0 ? (size_t)got : 0));
		}
		got = peek(r, MSP_HEADER_SIZE, &h);
		if (got < 0)
			return fail(r, MSP_ERR_IO, recno, start, "read error (%s)", strerror(r->io_errno));
		if (got < MSP_HEADER_SIZE)
			return fail(r, MSP_ERR_TRUNCATED, recno, start,
			            "record cut short after %zd of %d header bytes", got, MSP_HEADER_SIZE);
		r->ended = 0;
		int rc = check_header(r, h, recno, start, hi);
		if (rc)
			return rc;
		*hp = h;
		*startp = start;
		return MSP_OK;
	}
}

/* A record frame that ends after `have` of its bytes (header included,
 * have >= MSP_HEADER_SIZE): where it was cut, in the same words for the
 * record and the frame readers. */
static int cut_short(msp_reader *r, const hdr_info *hi, uint64_t have, uint64_t recno, uint64_t start)
{
	uint64_t nbytes = hi->npts * 8 * hi->kind, body = have - MSP_HEADER_SIZE;
	if (body < hi->docs)
		return fail(r, MSP_ERR_TRUNCATED, recno, start, "record cut short inside its metadata");
	if (body - hi->docs < nbytes)
		return fail(r, MSP_ERR_TRUNCATED, recno, start,
		            "record cut short inside its samples (%llu of %llu bytes)",
		            (unsigned long long)(body - hi->docs), (unsigned long long)nbytes);
	return fail(r, MSP_ERR_TRUNCATED, recno, start, "record cut short before its checksum");
}

int msp_reader_next(msp_reader *r, msp_record *rec)
{
	uint8_t h[MSP_HEADER_SIZE];
	const uint8_t *hp;
	hdr_info hi;
	uint64_t start, recno = r->nrecords + 1;
	int rc = frame_start(r, &hp, &hi, &start);
	if (rc)
		return rc;
	/* the rest is copied out of the block (or read straight into the
	 * samples), which may move it: keep the header */
	memcpy(h, hp, MSP_HEADER_SIZE);
	consume(r, MSP_HEADER_SIZE);
	uint16_t kind = hi.kind;
	uint32_t flags = hi.flags, meta_len = hi.meta_len, elog_len = hi.elog_len, hist_len = hi.hist_len;
	uint64_t npts = hi.npts, docs = hi.docs;
	/* documents */
	rc = grow_docbuf(r, (size_t)docs);
	if (rc)
		return fail(r, rc, recno, start, "cannot allocate %llu bytes", (unsigned long long)docs);
	ssize_t got = rd(r, r->docbuf, (size_t)docs);
	if (got < 0)
		return fail(r, MSP_ERR_IO, recno, start, "read error (%s)", strerror(r->io_errno));
	if ((uint64_t)got < docs)
		return cut_short(r, &hi, MSP_HEADER_SIZE + (uint64_t)got, recno, start);
	uint32_t crc = msp_crc32c(0, r->docbuf, (size_t)docs);
	/* samples */
	rc = msp_record_resize(rec, kind, (size_t)npts);
	if (rc)
		return fail(r, rc, recno, start, "cannot allocate %llu samples", (unsigned long long)npts);
	size_t nbytes = (size_t)npts * 8 * kind;
	got = rd(r, rec->data, nbytes);
	if (got < 0)
		return fail(r, MSP_ERR_IO, recno, start, "read error (%s)", strerror(r->io_errno));
	if ((size_t)got < nbytes)
		return cut_short(r, &hi, MSP_HEADER_SIZE + docs + (uint64_t)got, recno, start);
	crc = msp_crc32c(crc, rec->data, nbytes);
	uint8_t tail[4];
	got = rd(r, tail, 4);
	if (got < 0)
		return fail(r, MSP_ERR_IO, recno, start, "read error (%s)", strerror(r->io_errno));
	if (got < 4)
		return cut_short(r, &hi, MSP_HEADER_SIZE + docs + nbytes + (uint64_t)got, recno, start);
	if (crc != get_u32(tail))
		return fail(r, MSP_ERR_CHECKSUM, recno, start, "checksum mismatch in record payload");
	if (HOST_BE)
		swap_doubles(rec->data, (size_t)npts * kind);
	if ((rc = take_doc(&rec->meta, r->docbuf, meta_len, NULL, NULL)) ||
	    (rc = take_doc(&rec->elog, r->docbuf + meta_len, elog_len, &rec->nelog, &r->seen[0])) ||
	    (rc = take_doc(&rec->history, r->docbuf + meta_len + elog_len, hist_len, &rec->nhistory,
	                   &r->seen[1])))
		return fail(r, rc, recno, start, "malformed BSON document in record");
	rec->live = (flags & FLAG_LIVE) != 0;
	rec->tref = (flags & FLAG_UTC) ? MSP_TREF_UTC : MSP_TREF_RELATIVE;
	rec->t0shift_valid = (flags & FLAG_SHIFT) != 0;
	rec->t0 = get_f64(h + 16);
	rec->dt = get_f64(h + 24);
	rec->t0shift = get_f64(h + 32);
	rec->history_dropped = get_u32(h + 56);
	r->nrecords++;
	r->since_mark++;
	return MSP_OK;
}

static size_t frame_size(const hdr_info *hi)
{
	return MSP_HEADER_SIZE + (size_t)hi->docs + (size_t)hi->npts * 8 * hi->kind + 4;
}

/*
 * The checks of a whole frame of total bytes at h, whose header passed
 * check_header: the payload checksum, and the framing of the three
 * documents (at least 5 bytes, at most INT32_MAX, the document's own
 * length word equal to the header's, a last byte of 0).  Those are the
 * checks bson_init_static makes before the record reader's bson_validate,
 * so a frame refused here is refused by msp_reader_next with the same
 * words.  The documents' contents are not walked: a pass-through carries
 * them as bytes, and whoever decodes the record validates them (mspipe(5)).
 */
static int check_frame(msp_reader *r, const uint8_t *h, const hdr_info *hi, size_t total,
                       uint64_t recno, uint64_t start)
{
	if (msp_crc32c(0, h + MSP_HEADER_SIZE, total - MSP_HEADER_SIZE - 4) != get_u32(h + total - 4))
		return fail(r, MSP_ERR_CHECKSUM, recno, start, "checksum mismatch in record payload");
	const uint8_t *d = h + MSP_HEADER_SIZE;
	const uint32_t lens[3] = {hi->meta_len, hi->elog_len, hi->hist_len};
	for (int k = 0; k < 3; k++) {
		if (lens[k] < 5 || lens[k] > INT32_MAX || get_u32(d) != lens[k] || d[lens[k] - 1] != 0)
			return fail(r, MSP_ERR_FORMAT, recno, start, "malformed BSON document in record");
		d += lens[k];
	}
	return MSP_OK;
}

/*
 * The frame reader: up to max consecutive record frames as one run of
 * bytes.  The first frame is read like any (peek, reading as needed); the
 * frames after it join the run only while they are already in hand whole
 * and pass every check, so a run never needs a read and stays contiguous.
 * Anything else (an end mark, a frame not yet read, a bad frame) ends the
 * run, and the next call meets it through frame_start and says what it is:
 * the frames before a bad one are returned, and the error comes next.
 */
static int frames(msp_reader *r, size_t max, const uint8_t **run, size_t *run_len, uint64_t *nframes)
{
	const uint8_t *h;
	hdr_info hi;
	uint64_t start, recno = r->nrecords + 1;
	int rc = frame_start(r, &h, &hi, &start);
	if (rc)
		return rc;
	size_t total = frame_size(&hi);
	/* a large frame is read to its end and no further; the next one is
	 * likely as large, so the reads for its start stop there too */
	r->upto = total >= LARGE_FRAME ? total : 0;
	ssize_t got = peek(r, total, &h);
	if (got < 0)
		return fail(r, MSP_ERR_IO, recno, start, "read error (%s)", strerror(r->io_errno));
	if ((size_t)got < total)
		return cut_short(r, &hi, (uint64_t)got, recno, start);
	if ((rc = check_frame(r, h, &hi, total, recno, start)))
		return rc;
	consume(r, total);
	r->nrecords++;
	r->since_mark++;
	size_t len = total;
	uint64_t n = 1;
	while (n < max) {
		/* the next frame starts where this one ended: h + len, no read since */
		const uint8_t *p = h + len;
		size_t avail = buffered(r);
		if (avail < MSP_HEADER_SIZE || memcmp(p, MAGIC_REC, 4) != 0 ||
		    check_header(r, p, r->nrecords + 1, r->offset, &hi))
			break;
		total = frame_size(&hi);
		if (total > avail || check_frame(r, p, &hi, total, r->nrecords + 1, r->offset))
			break;
		consume(r, total);
		r->nrecords++;
		r->since_mark++;
		len += total;
		n++;
	}
	r->err[0] = '\0'; /* a check that ended the run speaks on the next call */
	*run = h;
	*run_len = len;
	*nframes = n;
	return MSP_OK;
}

int msp_reader_next_frame(msp_reader *r, const uint8_t **frame, size_t *frame_len)
{
	uint64_t n;
	return frames(r, 1, frame, frame_len, &n);
}

int msp_reader_next_frames(msp_reader *r, const uint8_t **run, size_t *run_len, uint64_t *nframes)
{
	return frames(r, SIZE_MAX, run, run_len, nframes);
}

int msp_record_decode(msp_record *rec, const uint8_t *buf, size_t len, size_t *used,
                      uint64_t max_record)
{
	msp_reader *r;
	int rc = reader_init(&r, -1, buf, len, "buffer", max_record);
	if (rc)
		return rc;
	rc = msp_reader_next(r, rec);
	if (used)
		*used = (size_t)r->offset;
	msp_reader_close(r);
	return rc;
}

/* ------------------------------------------------------------------ writer */

struct msp_writer {
	int fd;
	char name[64];
	uint8_t *buf;
	size_t len;
	uint64_t nrecords;  /* records since the last end mark */
	uint64_t total;
	int io_errno;
	int failed;
	uint64_t max_record; /* the readers' bound: a larger record is refused */
	char err[256];
};

int msp_writer_open(msp_writer **out, int fd, const char *name)
{
	msp_writer *w = calloc(1, sizeof *w);
	if (!w)
		return MSP_ERR_NOMEM;
	w->buf = malloc(IOBLOCK);
	if (!w->buf) {
		free(w);
		return MSP_ERR_NOMEM;
	}
	w->fd = fd;
	w->max_record = MSP_DEFAULT_MAX_RECORD;
	snprintf(w->name, sizeof w->name, "%s", name ? name : "output");
	msp_fd_raise_pipe(fd);
	*out = w;
	return MSP_OK;
}

const char *msp_writer_errmsg(const msp_writer *w) { return w->err; }
int msp_writer_errno(const msp_writer *w) { return w->io_errno; }
uint64_t msp_writer_count(const msp_writer *w) { return w->total; }

static int write_all(msp_writer *w, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->io_errno = errno;
			w->failed = 1;
			snprintf(w->err, sizeof w->err, "write error (%s)", strerror(errno));
			return MSP_ERR_IO;
		}
		p += k;
		n -= (size_t)k;
	}
	return MSP_OK;
}

/* Write the buffered bytes and then p[0..n) with as few system calls as the
 * kernel allows. */
static int write_buffered_and(msp_writer *w, const uint8_t *p, size_t n)
{
	struct iovec iov[2] = {{w->buf, w->len}, {(void *)p, n}};
	int k0 = w->len ? 0 : 1;
	w->len = 0;
	while (k0 < 2) {
		ssize_t k = writev(w->fd, iov + k0, 2 - k0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->io_errno = errno;
			w->failed = 1;
			snprintf(w->err, sizeof w->err, "write error (%s)", strerror(errno));
			return MSP_ERR_IO;
		}
		size_t done = (size_t)k;
		while (k0 < 2 && done >= iov[k0].iov_len) {
			done -= iov[k0].iov_len;
			k0++;
		}
		if (k0 < 2) {
			iov[k0].iov_base = (uint8_t *)iov[k0].iov_base + done;
			iov[k0].iov_len -= done;
		}
	}
	return MSP_OK;
}

int msp_writer_flush(msp_writer *w)
{
	if (w->failed)
		return MSP_ERR_IO;
	int rc = write_all(w, w->buf, w->len);
	w->len = 0;
	return rc;
}

static int emit(msp_writer *w, const void *p, size_t n)
{
	const uint8_t *s = p;
	if (w->len + n > IOBLOCK) {
		int rc = msp_writer_flush(w);
		if (rc)
			return rc;
		if (n >= IOBLOCK)
			return write_all(w, s, n);
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return MSP_OK;
}

static void make_header(uint8_t h[MSP_HEADER_SIZE], const msp_record *rec)
{
	uint32_t flags = (rec->live ? FLAG_LIVE : 0) | (rec->tref == MSP_TREF_UTC ? FLAG_UTC : 0) |
	                 (rec->t0shift_valid ? FLAG_SHIFT : 0);
	memcpy(h, MAGIC_REC, 4);
	put_u16(h + 4, MSP_STREAM_VERSION);
	put_u16(h + 6, (uint16_t)rec->kind);
	put_u32(h + 8, flags);
	put_u32(h + 12, rec->meta->len);
	put_f64(h + 16, rec->t0);
	put_f64(h + 24, rec->dt);
	put_f64(h + 32, rec->t0shift);
	put_u64(h + 40, rec->npts);
	put_u32(h + 48, rec->elog->len);
	put_u32(h + 52, rec->history->len);
	put_u32(h + 56, rec->history_dropped);
	put_u32(h + 60, msp_crc32c(0, h, 60));
}

void msp_writer_set_max_record(msp_writer *w, uint64_t max_record)
{
	w->max_record = max_record ? max_record : MSP_DEFAULT_MAX_RECORD;
}

int msp_writer_put(msp_writer *w, const msp_record *rec)
{
	uint8_t h[MSP_HEADER_SIZE], tail[4];
	int rc;
	if (w->failed)
		return MSP_ERR_IO;
	if (rec->kind != MSP_TIMESERIES && rec->kind != MSP_SEISMOGRAM)
		return MSP_ERR_INVAL;
	/* the reader's test, so that no record goes out that the next reader
	 * with the same bound would refuse */
	uint64_t docs = (uint64_t)rec->meta->len + rec->elog->len + rec->history->len;
	if (!msp_record_fits(w->max_record, rec->kind, rec->npts, docs)) {
		snprintf(w->err, sizeof w->err,
		         "record %llu of %llu samples and %llu document bytes exceeds the bound of %llu bytes "
		         "that readers enforce (MSPIPE_MAX_RECORD); not written",
		         (unsigned long long)w->total + 1, (unsigned long long)rec->npts * (uint64_t)rec->kind,
		         (unsigned long long)docs, (unsigned long long)w->max_record);
		return MSP_ERR_TOOBIG;
	}
	make_header(h, rec);
	const uint8_t *m = bson_get_data(rec->meta), *e = bson_get_data(rec->elog),
	              *hi = bson_get_data(rec->history);
	size_t nbytes = msp_record_nsamples(rec) * 8;
	uint32_t crc = msp_crc32c(0, m, rec->meta->len);
	crc = msp_crc32c(crc, e, rec->elog->len);
	crc = msp_crc32c(crc, hi, rec->history->len);
	if ((rc = emit(w, h, sizeof h)) || (rc = emit(w, m, rec->meta->len)) ||
	    (rc = emit(w, e, rec->elog->len)) || (rc = emit(w, hi, rec->history->len)))
		return rc;
	if (HOST_BE) {
		/* convert in slices through the buffer */
		for (size_t i = 0; i < msp_record_nsamples(rec); i++) {
			uint8_t le[8];
			put_f64(le, rec->data[i]);
			crc = msp_crc32c(crc, le, 8);
			if ((rc = emit(w, le, 8)))
				return rc;
		}
	} else if (nbytes >= DIRECT_MIN) {
		crc = msp_crc32c(crc, rec->data, nbytes);
		if ((rc = write_buffered_and(w, (const uint8_t *)rec->data, nbytes)))
			return rc;
	} else if (nbytes) {
		crc = msp_crc32c(crc, rec->data, nbytes);
		if ((rc = emit(w, rec->data, nbytes)))
			return rc;
	}
	put_u32(tail, crc);
	if ((rc = emit(w, tail, 4)))
		return rc;
	w->nrecords++;
	w->total++;
	return MSP_OK;
}

int msp_writer_put_frames(msp_writer *w, const uint8_t *run, size_t len, uint64_t nframes)
{
	int rc;
	if (w->failed)
		return MSP_ERR_IO;
	/* The run must be exactly nframes record frames, walked by their
	 * lengths (the reader has checked their checksums): a caller that
	 * passes anything else gets MSP_ERR_INVAL, not a stream that lies. */
	size_t off = 0;
	uint64_t n = 0;
	while (off < len) {
		const uint8_t *h = run + off;
		size_t left = len - off;
		if (left < MSP_HEADER_SIZE + 4 || memcmp(h, MAGIC_REC, 4) != 0)
			return MSP_ERR_INVAL;
		uint64_t kind = get_u16(h + 6), npts = get_u64(h + 40);
		if ((kind != MSP_TIMESERIES && kind != MSP_SEISMOGRAM) || npts > left / 8 / kind)
			return MSP_ERR_INVAL;
		uint64_t flen = MSP_HEADER_SIZE + (uint64_t)get_u32(h + 12) + get_u32(h + 48) +
		                get_u32(h + 52) + npts * 8 * kind + 4;
		if (flen > left)
			return MSP_ERR_INVAL;
		off += (size_t)flen;
		n++;
	}
	if (n == 0 || n != nframes)
		return MSP_ERR_INVAL;
	/* a long run goes out from the caller's memory (the reader's block)
	 * behind what is buffered, in one writev: no copy */
	if (len >= DIRECT_MIN)
		rc = write_buffered_and(w, run, len);
	else
		rc = emit(w, run, len);
	if (rc)
		return rc;
	w->nrecords += n;
	w->total += n;
	return MSP_OK;
}

int msp_writer_put_frame(msp_writer *w, const uint8_t *frame, size_t len)
{
	return msp_writer_put_frames(w, frame, len, 1);
}

void msp_endmark_encode(uint8_t out[MSP_ENDMARK_SIZE], uint64_t nrecords)
{
	memset(out, 0, MSP_ENDMARK_SIZE);
	memcpy(out, MAGIC_END, 4);
	put_u16(out + 4, MSP_STREAM_VERSION);
	put_u64(out + 8, nrecords);
	put_u32(out + 20, msp_crc32c(0, out, 20));
}

int msp_writer_finish(msp_writer *w)
{
	uint8_t mark[MSP_ENDMARK_SIZE];
	if (w->failed)
		return MSP_ERR_IO;
	msp_endmark_encode(mark, w->nrecords);
	w->nrecords = 0;
	int rc = emit(w, mark, sizeof mark);
	if (rc)
		return rc;
	return msp_writer_flush(w);
}

void msp_writer_close(msp_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

int msp_record_encode(const msp_record *rec, uint8_t **buf, size_t *len)
{
	uint8_t h[MSP_HEADER_SIZE];
	size_t nbytes = msp_record_nsamples(rec) * 8;
	if (rec->kind != MSP_TIMESERIES && rec->kind != MSP_SEISMOGRAM)
		return MSP_ERR_INVAL;
	size_t total = MSP_HEADER_SIZE + rec->meta->len + rec->elog->len + rec->history->len + nbytes + 4;
	uint8_t *p = malloc(total);
	if (!p)
		return MSP_ERR_NOMEM;
	make_header(h, rec);
	size_t off = 0;
	memcpy(p, h, sizeof h);
	off += sizeof h;
	memcpy(p + off, bson_get_data(rec->meta), rec->meta->len);
	off += rec->meta->len;
	memcpy(p + off, bson_get_data(rec->elog), rec->elog->len);
	off += rec->elog->len;
	memcpy(p + off, bson_get_data(rec->history), rec->history->len);
	off += rec->history->len;
	for (size_t i = 0; i < msp_record_nsamples(rec); i++)
		put_f64(p + off + 8 * i, rec->data[i]);
	uint32_t crc = msp_crc32c(0, p + MSP_HEADER_SIZE, total - MSP_HEADER_SIZE - 4);
	off += nbytes;
	put_u32(p + off, crc);
	*buf = p;
	*len = total;
	return MSP_OK;
}
