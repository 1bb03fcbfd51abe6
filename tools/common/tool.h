/*
 * tool.h - the program template every mspipe tool follows (in the manner of
 * Seismic Unix's uniform programs, with jq's and OpenBSD's strictness).
 *
 * A tool declares one table of options; that table drives getopt_long and
 * --help (so help and parsing cannot drift; a test checks the man page
 * against --help).  The template handles -h/--help (stdout, exit 0),
 * -V/--version, -v/--verbose, --progress, strict number and time arguments
 * (usage error, exit 2), refusal to read or write records on a terminal,
 * checked writes (exit 1), and messages "msNAME: ..." on stderr.
 *
 * This is program code, not library code: it prints and exits.  The
 * algorithms stay in lib/.
 */
#ifndef MSP_TOOL_H
#define MSP_TOOL_H

#include <stdint.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include "msp_record.h"
#include "msp_stream.h"
#include "msp_status.h"

/* Keys for long-only options start here. */
#define MST_LONG 256

typedef struct mst_opt {
	const char *name;  /* long name, without "--" */
	int key;           /* short letter, or MST_LONG + n for long-only */
	const char *arg;   /* argument name ("HZ"), or NULL for a flag */
	const char *help;  /* one line */
} mst_opt;

typedef struct mst_prog {
	const char *name;        /* "msfilter" */
	const char *usage;       /* after the name: "[OPTIONS] < RECORDS > RECORDS" */
	const char *summary;     /* one line: what the tool does */
	const char *description; /* more lines for --help (may be NULL) */
	const mst_opt *opts;     /* the tool's own options, ending with {0} */
	int records_in;          /* reads records from stdin */
	int records_out;         /* writes records to stdout */
} mst_prog;

/* Set by the template from the common options. */
extern int mst_verbose;      /* count of -v */
extern int mst_show_progress;/* --progress */

/* libmseed 2.x has its own mst_init(MSTrace *); a tool's mst_init would be
 * exported from the executable and interpose libmseed's, so every libmseed
 * call that makes a trace (mst_init, ms_readtraces, mst_addmsrtogroup) would
 * run the template's function instead.  The macro gives ours another symbol
 * while tools keep writing mst_init(&prog, argc, argv). */
#define mst_init mst_tool_init

/* Start: remember the program, the arguments (for history) and set up stdout. */
void mst_init(const mst_prog *prog, int argc, char **argv);
/* Next option: its key, with *arg set for options that take one; -1 when done
 * (optind then indexes the operands).  Common options are handled inside. */
int mst_getopt(int argc, char **argv, const char **arg);

noreturn void mst_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void mst_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mst_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A message only with -v (level 1) or -vv (level 2). */
void mst_info(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Strict option values: a bad one is a usage error naming the option. */
double mst_arg_double(const char *opt, const char *s);
double mst_arg_double_range(const char *opt, const char *s, double lo, double hi);
int64_t mst_arg_int(const char *opt, const char *s, int64_t lo, int64_t hi);
double mst_arg_time(const char *opt, const char *s);
void mst_arg_double_list(const char *opt, const char *s, double *out, int n);

/* Record input on stdin and output on stdout, refusing terminals. */
/* seconds on the monotonic clock (progress, timings) */
double mst_now(void);

msp_reader *mst_open_input(void);
/* a record stream on FD (a file operand), named NAME in messages; the same
 * MSPIPE_MAX_RECORD bound as standard input */
msp_reader *mst_open_input_fd(int fd, const char *name);
msp_writer *mst_open_output(void);
/* 1 with a record, 0 at the end of the stream; a broken stream is fatal:
 * "msNAME: stdin: what at record N (byte B)", exit 1. */
int mst_read(msp_reader *r, msp_record *rec);
/* Write one record; an I/O error is fatal (a closed pipe ends quietly). */
void mst_write(msp_writer *w, const msp_record *rec);
/* The same for a run of n records passed through as verified bytes (mscat:
 * msp_reader_next_frames, msp_writer_put_frames). */
void mst_write_frames(msp_writer *w, const uint8_t *run, size_t len, uint64_t n);
/* End mark, flush, close. */
void mst_finish_output(msp_writer *w);
void mst_close_input(msp_reader *r);
/* Text output (JSON lines, reports) on stdout through one large buffer and
 * write(2), every write checked: a failure is exit 1 "stdout: write error"
 * (a closed pipe ends quietly). */
void mst_text(const char *s, size_t n);
/* Flush stdio and the text buffer, close stdout, and exit 1 on any error. */
void mst_close_stdout(void);

/* Append this run's history entry (tool name and its arguments) to rec. */
void mst_history(msp_record *rec);
/* The command line, for messages and history. */
const char *mst_cmdline(void);
const char *mst_name(void);
/* --progress: records done so far (prints at most once a second). */
void mst_progress(uint64_t n);
void mst_progress_done(uint64_t n);

/* Allocate a record or die. */
msp_record *mst_record_new(void);

#endif
