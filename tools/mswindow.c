/*
 * mswindow - cut a time window out of every record (MsPASS's WindowData).
 *
 *   records -> records cut to [START, END]
 *
 * START and END are absolute (ISO 8601 UTC or epoch seconds; plain numbers
 * are taken in each record's own time reference, so relative-time data take
 * relative seconds), or with --ref KEY seconds relative to the UTC time in
 * metadata key KEY (mswindow --ref Ptime -200 200).  Words that start with
 * '-' and a digit are operands, not options, so "-200" needs no "--".  The algorithm is
 * msp_window (lib/window.c).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "msp_parse.h"
#include "msp_window.h"
#include "tool.h"

enum { OPT_REF = 'r', OPT_SHORT = 's' };

static const mst_opt opts[] = {
	{"ref", OPT_REF, "KEY", "START and END are seconds relative to the UTC time in metadata KEY"},
	{"short", OPT_SHORT, "MODE", "partial overlap: kill (default), truncate or pad"},
	{0},
};

static const mst_prog prog = {
	.name = "mswindow",
	.usage = "[--ref KEY] [--short kill|truncate|pad] START END < RECORDS > RECORDS",
	.summary = "Cut a time window out of every record (MsPASS WindowData).",
	.description =
		"START and END: ISO 8601 UTC or epoch seconds; plain numbers are taken in each\n"
		"record's own time reference (relative seconds for relative-time data).\n"
		"With --ref KEY they are seconds relative to the UTC time in metadata KEY.\n"
		"No overlap with the data kills a record; partial overlap kills it too\n"
		"unless --short truncate or pad.  A record without KEY is killed.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

/* getopt would read "-200" as options -2 -0 -0: move operands that are
 * negative numbers after a "--", skipping the arguments of options. */
static char **operands_last(int argc, char **argv)
{
	char **out = malloc(((size_t)argc + 2) * sizeof *out);
	char **ops = malloc(((size_t)argc + 1) * sizeof *ops);
	int n = 0, k = 0;
	if (!out || !ops)
		mst_fatal("out of memory");
	out[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				ops[k++] = argv[i];
			break;
		}
		/* no option is a digit: "-200", "-1e3", "-.5" and "-200s" are
		 * operands (the last one then refused as a time) */
		if (a[0] == '-' && (isdigit((unsigned char)a[1]) || (a[1] == '.' && isdigit((unsigned char)a[2])))) {
			ops[k++] = argv[i];
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			ops[k++] = argv[i];
			continue;
		}
		out[n++] = argv[i];
		int takes_arg = 0;
		if (a[1] == '-') {
			/* --name, --name=value, or a unique prefix of a name */
			size_t len = strcspn(a + 2, "=");
			const mst_opt *hit = NULL;
			int hits = 0;
			for (const mst_opt *o = opts; o->name && !hit; o++)
				if (strlen(o->name) == len && strncmp(o->name, a + 2, len) == 0)
					hit = o, hits = 1;
			if (!hit)
				for (const mst_opt *o = opts; o->name; o++)
					if (strncmp(o->name, a + 2, len) == 0)
						hit = o, hits++;
			takes_arg = hits == 1 && hit->arg && a[2 + len] != '=';
		} else {
			/* bundled short options: the first one taking an argument ends
			 * the bundle; it takes the rest or the next word */
			for (const char *p = a + 1; *p; p++) {
				if (*p == OPT_REF || *p == OPT_SHORT) {
					takes_arg = p[1] == '\0';
					break;
				}
			}
		}
		if (takes_arg && i + 1 < argc)
			out[n++] = argv[++i];
	}
	out[n++] = (char *)"--";
	for (int j = 0; j < k; j++)
		out[n++] = ops[j];
	out[n] = NULL;
	free(ops);
	return out;
}

/* An absolute time operand: a number (in the record's own reference) or an
 * ISO 8601 UTC time. */
static double absolute_arg(const char *name, const char *s, int *iso)
{
	double v;
	*iso = 0;
	if (msp_parse_double(s, &v) == MSP_OK)
		return v;
	if (msp_parse_time(s, &v) == MSP_OK) {
		*iso = 1;
		return v;
	}
	mst_usage("%s: \"%s\" is not a time (ISO 8601 UTC, or seconds)", name, s);
}

int main(int argc, char **argv)
{
	const char *arg, *ref = NULL;
	int c, mode = MSP_SHORT_KILL;
	mst_init(&prog, argc, argv);
	char **av = operands_last(argc, argv);
	int ac = 0;
	while (av[ac])
		ac++;
	while ((c = mst_getopt(ac, av, &arg)) != -1) {
		switch (c) {
		case OPT_REF:
			if (!*arg)
				mst_usage("--ref: empty key");
			ref = arg;
			break;
		case OPT_SHORT:
			if ((mode = msp_short_mode_from_name(arg)) < 0)
				mst_usage("--short: \"%s\" is not kill, truncate or pad", arg);
			break;
		}
	}
	if (ac - optind != 2)
		mst_usage("need START and END (%d operand%s given)", ac - optind, ac - optind == 1 ? "" : "s");
	const char *s_start = av[optind], *s_end = av[optind + 1];
	double start, end;
	int iso_start = 0, iso_end = 0;
	if (ref) {
		if (msp_parse_double(s_start, &start))
			mst_usage("START: \"%s\" is not a number of seconds (relative to %s)", s_start, ref);
		if (msp_parse_double(s_end, &end))
			mst_usage("END: \"%s\" is not a number of seconds (relative to %s)", s_end, ref);
	} else {
		start = absolute_arg("START", s_start, &iso_start);
		end = absolute_arg("END", s_end, &iso_end);
		if (iso_start != iso_end)
			mst_usage("START and END must both be ISO times or both numbers");
	}
	if (end < start)
		mst_usage("END (%s) is before START (%s)", s_end, s_start);

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0, killed = 0;
	char err[256];
	while (mst_read(in, rec)) {
		if (rec->live) {
			double a = start, b = end, r;
			int rc = MSP_OK;
			if (ref) {
				rc = msp_record_ref_time(rec, ref, &r, err, sizeof err);
				a = r + start;
				b = r + end;
			} else if (iso_start) {
				/* UTC times on relative data: through the record's shift */
				if (msp_record_utc_to_own(rec, start, &a) || msp_record_utc_to_own(rec, end, &b)) {
					snprintf(err, sizeof err, "window given in UTC but the record is in "
					                          "relative time with no valid shift to UTC");
					rc = MSP_ERR_DATA;
				}
			}
			if (rc) {
				msp_record_kill(rec, "mswindow", "%s", err);
			} else {
				rc = msp_window(rec, a, b, mode, "mswindow");
				if (rc == MSP_ERR_NOMEM)
					mst_fatal("out of memory");
				if (rc == MSP_ERR_INVAL)
					msp_record_kill(rec, "mswindow", "cannot window a record with dt %g", rec->dt);
			}
			killed += !rec->live;
			mst_history(rec);
		}
		mst_write(out, rec);
		mst_progress(++n);
	}
	mst_finish_output(out);
	mst_close_input(in);
	mst_progress_done(n);
	mst_info(1, "%llu records, %llu killed", (unsigned long long)n, (unsigned long long)killed);
	msp_record_free(rec);
	free(av);
	return 0;
}
