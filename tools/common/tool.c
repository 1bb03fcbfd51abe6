/*
 * tool.c - the program template (see tool.h): option table, help, strict
 * arguments, terminal refusal, checked I/O and messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "tool.h"
#include "msp_db.h"
#include "msp_parse.h"
#include "msp_status.h"

int mst_verbose;
int mst_show_progress;

static const mst_prog *prog;
static char cmdline[1024];
static char stdout_buf[1 << 16];

enum { OPT_PROGRESS = 0x7f00 };

static const mst_opt common_opts[] = {
	{"verbose", 'v', NULL, "say more on stderr (repeat for more)"},
	{"progress", OPT_PROGRESS, NULL, "show progress on stderr"},
	{"help", 'h', NULL, "print this help on stdout and exit"},
	{"version", 'V', NULL, "print the version on stdout and exit"},
	{0},
};

const char *mst_name(void) { return prog ? prog->name : "mspipe"; }
const char *mst_cmdline(void) { return cmdline; }

void mst_init(const mst_prog *p, int argc, char **argv)
{
	/* libmongoc, when loaded, initializes itself before main and keeps its
	 * counters in a shared-memory file /dev/shm/mongoc-PID, removed only by a
	 * normal exit.  A tool killed by a signal (| head, kill -9, a failed
	 * partition) would leave it behind, and a later process that gets the same
	 * PID then prints "Falling back to malloc for counters".  Unlinking the
	 * name now keeps the mapping working and leaves nothing to leak. */
	char shm[32];
	snprintf(shm, sizeof shm, "/mongoc-%ld", (long)getpid());
	(void)shm_unlink(shm);
	/* A standard descriptor closed by the caller (cmd <&- or >&-) would be
	 * the next file the process opens: SQLite puts /dev/null there, and
	 * "msdb import c <&-" would import nothing and succeed.  Hold each such
	 * slot with an O_PATH descriptor, on which read and write fail with
	 * EBADF exactly as on a closed one, so the tool reports it. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
			(void)open("/", O_PATH | O_CLOEXEC);
	prog = p;
	size_t off = 0;
	cmdline[0] = '\0';
	for (int i = 1; i < argc && off < sizeof cmdline - 1; i++) {
		int n = snprintf(cmdline + off, sizeof cmdline - off, "%s%s", i > 1 ? " " : "", argv[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off >= sizeof cmdline)
		cmdline[sizeof cmdline - 1] = '\0';
	/* the history of every record carries this line: never a password */
	char masked[sizeof cmdline];
	msp_mask_passwords(cmdline, masked, sizeof masked);
	memcpy(cmdline, masked, sizeof cmdline);
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
}

static void vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	/* messages may quote an argument or a database name: mask any URI's
	 * password before it reaches stderr */
	char msg[4096], masked[4096];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msp_mask_passwords(msg, masked, sizeof masked);
	fprintf(stderr, "%s: %s\n", mst_name(), masked);
}

noreturn void mst_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", mst_name());
	exit(2);
}

static void text_salvage(void);
static void record_salvage(void);
static msp_writer *record_out; /* the record output, until it is finished */

noreturn void mst_fatal(const char *fmt, ...)
{
	va_list ap;
	text_salvage();
	record_salvage();
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(1);
}

void mst_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void mst_info(int level, const char *fmt, ...)
{
	if (mst_verbose < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

static void print_opts(const mst_opt *o)
{
	for (; o && o->name; o++) {
		char left[64];
		if (o->key > ' ' && o->key < 127)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		if (strlen(left) < 28)
			printf("  %-28s %s\n", left, o->help);
		else
			printf("  %s\n  %-28s %s\n", left, "", o->help);
	}
}

static void help(void)
{
	printf("Usage: %s %s\n%s\n", prog->name, prog->usage, prog->summary);
	if (prog->description)
		printf("\n%s\n", prog->description);
	printf("\nOptions:\n");
	print_opts(prog->opts);
	print_opts(common_opts);
	printf("\nExit status: 0 success, 1 data or I/O error, 2 usage error.\n");
	printf("See %s(1) and mspipe(7).\n", prog->name);
	mst_close_stdout();
	exit(0);
}

int mst_getopt(int argc, char **argv, const char **arg)
{
	static struct option longopts[128];
	static char shortopts[256];
	static int built;
	if (!built) {
		size_t n = 0, s = 0;
		shortopts[s++] = ':'; /* we report missing arguments ourselves */
		const mst_opt *tables[2] = {prog->opts, common_opts};
		for (int t = 0; t < 2; t++)
			for (const mst_opt *o = tables[t]; o && o->name; o++) {
				if (n >= sizeof longopts / sizeof longopts[0] - 1)
					break;
				longopts[n].name = o->name;
				longopts[n].has_arg = o->arg ? required_argument : no_argument;
				longopts[n].flag = NULL;
				longopts[n].val = o->key;
				n++;
				if (o->key > ' ' && o->key < 127 && s < sizeof shortopts - 3) {
					shortopts[s++] = (char)o->key;
					if (o->arg)
						shortopts[s++] = ':';
				}
			}
		built = 1;
	}
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shortopts, longopts, NULL);
		*arg = optarg;
		switch (c) {
		case 'h': help(); break;
		case 'V':
			printf("%s (mspipe %s, stream format %d)\n", prog->name, MSP_VERSION_STRING,
			       MSP_STREAM_VERSION);
			mst_close_stdout();
			exit(0);
		case 'v': mst_verbose++; continue;
		case OPT_PROGRESS: mst_show_progress = 1; continue;
		case ':':
			if (optopt && optopt < 127 && optopt > ' ')
				mst_usage("option -%c needs an argument", optopt);
			mst_usage("option %s needs an argument", argv[optind - 1]);
		case '?':
			if (optopt && optopt < 127 && optopt > ' ')
				mst_usage("unknown option -%c", optopt);
			mst_usage("unknown option %s", argv[optind - 1]);
		default: return c;
		}
	}
}

double mst_arg_double(const char *opt, const char *s)
{
	double v;
	if (msp_parse_double(s, &v))
		mst_usage("%s: \"%s\" is not a number", opt, s);
	return v;
}

double mst_arg_double_range(const char *opt, const char *s, double lo, double hi)
{
	double v = mst_arg_double(opt, s);
	if (v < lo || v > hi)
		mst_usage("%s: %s is out of range [%g, %g]", opt, s, lo, hi);
	return v;
}

int64_t mst_arg_int(const char *opt, const char *s, int64_t lo, int64_t hi)
{
	int64_t v;
	int rc = msp_parse_int64(s, lo, hi, &v);
	if (rc == MSP_ERR_RANGE)
		mst_usage("%s: %s is out of range [%lld, %lld]", opt, s, (long long)lo, (long long)hi);
	if (rc)
		mst_usage("%s: \"%s\" is not an integer", opt, s);
	return v;
}

double mst_arg_time(const char *opt, const char *s)
{
	double v;
	if (msp_parse_time(s, &v))
		mst_usage("%s: \"%s\" is not a time (ISO 8601 UTC or epoch seconds)", opt, s);
	return v;
}

void mst_arg_double_list(const char *opt, const char *s, double *out, int n)
{
	if (msp_parse_double_list(s, out, n))
		mst_usage("%s: \"%s\" is not a list of %d numbers separated by commas", opt, s, n);
}

/* MSPIPE_MAX_RECORD, the bound on a record's size both ends enforce (0: the default) */
static uint64_t env_max_record(void)
{
	const char *env = getenv("MSPIPE_MAX_RECORD");
	if (!env || !*env)
		return 0;
	int64_t v;
	if (msp_parse_int64(env, 1024, INT64_MAX, &v))
		mst_usage("MSPIPE_MAX_RECORD: \"%s\" is not a byte count of at least 1024", env);
	return (uint64_t)v;
}

msp_reader *mst_open_input_fd(int fd, const char *name)
{
	msp_reader *r;
	uint64_t bound = env_max_record();
	if (msp_reader_open(&r, fd, name, bound))
		mst_fatal("out of memory");
	return r;
}

msp_reader *mst_open_input(void)
{
	if (isatty(STDIN_FILENO))
		mst_usage("refusing to read binary records from a terminal (pipe or redirect them in)");
	return mst_open_input_fd(STDIN_FILENO, "stdin");
}

msp_writer *mst_open_output(void)
{
	msp_writer *w;
	if (isatty(STDOUT_FILENO))
		mst_usage("refusing to write binary records to a terminal (pipe or redirect them)");
	uint64_t bound = env_max_record();
	if (msp_writer_open(&w, STDOUT_FILENO, "stdout"))
		mst_fatal("out of memory");
	msp_writer_set_max_record(w, bound);
	record_out = w;
	return w;
}

int mst_read(msp_reader *r, msp_record *rec)
{
	int rc = msp_reader_next(r, rec);
	if (rc == MSP_OK)
		return 1;
	if (rc == MSP_EOF)
		return 0;
	mst_fatal("stdin: %s", msp_reader_errmsg(r));
}

static noreturn void stdout_failed(int e);

static noreturn void write_failed(msp_writer *w)
{
	if (msp_writer_errno(w) == EPIPE)
		stdout_failed(EPIPE);
	mst_fatal("stdout: %s", msp_writer_errmsg(w));
}

void mst_write(msp_writer *w, const msp_record *rec)
{
	int rc = msp_writer_put(w, rec);
	if (rc == MSP_ERR_INVAL)
		mst_fatal("internal error: record of unknown kind %d", rec->kind);
	if (rc == MSP_ERR_TOOBIG)
		mst_fatal("stdout: %s", msp_writer_errmsg(w));
	if (rc)
		write_failed(w);
}

void mst_write_frames(msp_writer *w, const uint8_t *run, size_t len, uint64_t n)
{
	int rc = msp_writer_put_frames(w, run, len, n);
	if (rc == MSP_ERR_INVAL)
		mst_fatal("internal error: not a run of record frames");
	if (rc)
		write_failed(w);
}

void mst_finish_output(msp_writer *w)
{
	if (msp_writer_finish(w))
		write_failed(w);
	if (record_out == w)
		record_out = NULL;
	msp_writer_close(w);
}

void mst_close_input(msp_reader *r)
{
	msp_reader_close(r);
}

static char text_buf[1 << 20];
static size_t text_len;

static noreturn void stdout_failed(int e)
{
	if (e == EPIPE) {
		/* the reader went away (| head): end as SIGPIPE would, quietly */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		exit(141);
	}
	mst_fatal("stdout: write error (%s)", strerror(e));
}

/* Before a fatal exit: the records written whole before it (held in the
 * writer's block) go out, without an end mark, so the next tool gets and
 * keeps them (mssave saves them) and still reports the stream as cut.  The
 * writer's block ends at a record's end whenever mst_fatal can be called;
 * a writer that failed writes nothing more. */
static void record_salvage(void)
{
	if (!record_out)
		return;
	msp_writer *w = record_out;
	record_out = NULL;
	signal(SIGPIPE, SIG_IGN);
	(void)msp_writer_flush(w);
}

/* Before a fatal exit: what the tool already printed (msinfo's lines for the
 * good records before a broken one) goes out, so nothing read is lost.  Best
 * effort: a stdout that fails now (the reason for the exit, or a reader gone)
 * is ignored, and SIGPIPE with it, so the error message still reaches
 * stderr. */
static void text_salvage(void)
{
	if (text_len == 0)
		return;
	signal(SIGPIPE, SIG_IGN);
	size_t off = 0;
	while (off < text_len) {
		ssize_t k = write(STDOUT_FILENO, text_buf + off, text_len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	text_len = 0;
}

static void text_flush(void)
{
	size_t off = 0;
	while (off < text_len) {
		ssize_t k = write(STDOUT_FILENO, text_buf + off, text_len - off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			stdout_failed(errno);
		}
		off += (size_t)k;
	}
	text_len = 0;
}

void mst_text(const char *s, size_t n)
{
	if (text_len + n > sizeof text_buf)
		text_flush();
	if (n > sizeof text_buf) {
		size_t off = 0;
		while (off < n) {
			ssize_t k = write(STDOUT_FILENO, s + off, n - off);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				stdout_failed(errno);
			}
			off += (size_t)k;
		}
		return;
	}
	memcpy(text_buf + text_len, s, n);
	text_len += n;
}

void mst_close_stdout(void)
{
	/* stdio first (help, tools that print with stdio), then our buffer */
	if (fflush(stdout) != 0 || ferror(stdout))
		stdout_failed(errno ? errno : EIO);
	text_flush();
	if (close(STDOUT_FILENO) != 0 && errno != EBADF)
		stdout_failed(errno);
}

void mst_history(msp_record *rec)
{
	if (msp_record_add_history(rec, mst_name(), cmdline))
		mst_fatal("out of memory");
}

double mst_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double progress_t0, progress_last;

void mst_progress(uint64_t n)
{
	if (!mst_show_progress)
		return;
	double t = mst_now();
	if (progress_t0 == 0.0)
		progress_t0 = progress_last = t;
	if (t - progress_last < 1.0)
		return;
	progress_last = t;
	fprintf(stderr, "\r%s: %llu records, %.0f records/s", mst_name(), (unsigned long long)n,
	        n / (t - progress_t0));
}

void mst_progress_done(uint64_t n)
{
	if (!mst_show_progress)
		return;
	double t = mst_now();
	double el = progress_t0 > 0 ? t - progress_t0 : 0.0;
	fprintf(stderr, "\r%s: %llu records in %.1f s\n", mst_name(), (unsigned long long)n, el);
}

msp_record *mst_record_new(void)
{
	msp_record *rec = msp_record_new();
	if (!rec)
		mst_fatal("out of memory");
	return rec;
}
