/*
 * msplot - record sections to PNG, SVG or PDF (by the output file's
 * extension) with cairo; no display needed.
 *
 *   records on stdin -> picture file(s); prints nothing unless -v
 *
 * It holds the traces it plots (inside --window when given), so unlike the
 * map tools its memory grows with the picture: --max-samples bounds it.
 */
#include <string.h>
#include "tool.h"
#include "msp_plot.h"

enum {
	OPT_OUT = 'o',
	OPT_ORDER = MST_LONG,
	OPT_DESC,
	OPT_ALIGN,
	OPT_WINDOW,
	OPT_MODE,
	OPT_GAIN,
	OPT_CLIP,
	OPT_NORM,
	OPT_DEAD,
	OPT_COMP,
	OPT_TPP,
	OPT_SIZE,
	OPT_TITLE,
	OPT_LABEL,
	OPT_MARK,
	OPT_MAXS,
	OPT_POS,
};

static const mst_opt opts[] = {
	{"output", OPT_OUT, "FILE", "write FILE (.png, .svg or .pdf); required"},
	{"order", OPT_ORDER, "KEY", "order traces by a numeric key (e.g. dist), ascending"},
	{"descending", OPT_DESC, NULL, "order in descending order"},
	{"position", OPT_POS, "KEY", "place traces at KEY's value on the vertical axis (e.g. distance)"},
	{"align", OPT_ALIGN, "KEY", "put time zero at each trace's KEY (epoch, e.g. Ptime)"},
	{"window", OPT_WINDOW, "T1,T2", "time range in s (relative to --align, else to the earliest start)"},
	{"mode", OPT_MODE, "MODE", "wiggle, va (variable area) or both (default both)"},
	{"gain", OPT_GAIN, "G", "amplitude gain in trace spacings (default 1)"},
	{"clip", OPT_CLIP, "C", "clip at C trace spacings, 0 for none (default 1.5)"},
	{"norm", OPT_NORM, "HOW", "trace (default), global or none"},
	{"dead", OPT_DEAD, "HOW", "mark (default: grey, labelled) or omit dead traces"},
	{"component", OPT_COMP, "C", "Seismogram component 0, 1, 2 or all (default all)"},
	{"per-page", OPT_TPP, "N", "traces per page (default 48); more make more pages"},
	{"size", OPT_SIZE, "WxH", "picture size in pixels or points (default 1400x1000)"},
	{"title", OPT_TITLE, "TEXT", "title at the top left"},
	{"label", OPT_LABEL, "KEY", "label traces with KEY (default net.sta.loc.chan)"},
	{"mark", OPT_MARK, "KEY", "tick each trace at KEY's time (repeatable, up to 8)"},
	{"max-samples", OPT_MAXS, "N", "refuse to hold more samples than N (default 200000000)"},
	{0},
};

static const mst_prog prog = {
	.name = "msplot",
	.usage = "-o FILE [OPTIONS] < RECORDS",
	.summary = "Draw a record section (wiggle and variable area) to PNG, SVG or PDF.",
	.description = "Pages: PDF gets one page per --per-page traces; PNG and SVG write FILE for\n"
	               "page 1 and NAME-p2.EXT, NAME-p3.EXT ... for the others.",
	.opts = opts,
	.records_in = 1,
};

int main(int argc, char **argv)
{
	msp_plot_opts o;
	const char *out = NULL, *arg;
	int c;
	msp_plot_opts_default(&o);
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_OUT: out = arg; break;
		case OPT_ORDER: o.order_key = arg; break;
		case OPT_DESC: o.order_desc = 1; break;
		case OPT_POS: o.position_key = arg; break;
		case OPT_ALIGN: o.align_key = arg; break;
		case OPT_WINDOW: {
			double w[2];
			mst_arg_double_list("--window", arg, w, 2);
			if (!(w[1] > w[0]))
				mst_usage("--window: %s: the end must be after the start", arg);
			o.has_window = 1;
			o.t1 = w[0];
			o.t2 = w[1];
			break;
		}
		case OPT_MODE:
			if (strcmp(arg, "wiggle") == 0)
				o.mode = MSP_PLOT_WIGGLE;
			else if (strcmp(arg, "va") == 0)
				o.mode = MSP_PLOT_VA;
			else if (strcmp(arg, "both") == 0)
				o.mode = MSP_PLOT_BOTH;
			else
				mst_usage("--mode: \"%s\" is not wiggle, va or both", arg);
			break;
		case OPT_GAIN: o.gain = mst_arg_double_range("--gain", arg, 1e-12, 1e12); break;
		case OPT_CLIP: o.clip = mst_arg_double_range("--clip", arg, 0, 1e12); break;
		case OPT_NORM:
			if (strcmp(arg, "trace") == 0)
				o.norm = MSP_NORM_TRACE;
			else if (strcmp(arg, "global") == 0)
				o.norm = MSP_NORM_GLOBAL;
			else if (strcmp(arg, "none") == 0)
				o.norm = MSP_NORM_NONE;
			else
				mst_usage("--norm: \"%s\" is not trace, global or none", arg);
			break;
		case OPT_DEAD:
			if (strcmp(arg, "mark") == 0)
				o.omit_dead = 0;
			else if (strcmp(arg, "omit") == 0)
				o.omit_dead = 1;
			else
				mst_usage("--dead: \"%s\" is not mark or omit", arg);
			break;
		case OPT_COMP:
			o.component = strcmp(arg, "all") == 0 ? -1 : (int)mst_arg_int("--component", arg, 0, 2);
			break;
		case OPT_TPP: o.traces_per_page = (int)mst_arg_int("--per-page", arg, 1, 1000); break;
		case OPT_SIZE: {
			char w[32];
			const char *x = strchr(arg, 'x');
			if (!x || (size_t)(x - arg) >= sizeof w)
				mst_usage("--size: \"%s\" is not WIDTHxHEIGHT", arg);
			memcpy(w, arg, (size_t)(x - arg));
			w[x - arg] = '\0';
			o.width = (int)mst_arg_int("--size", w, 200, 20000);
			o.height = (int)mst_arg_int("--size", x + 1, 150, 20000);
			break;
		}
		case OPT_TITLE: o.title = arg; break;
		case OPT_LABEL: o.label_key = arg; break;
		case OPT_MARK:
			if (o.nmark >= 8)
				mst_usage("--mark: at most 8 keys");
			o.mark_keys[o.nmark++] = arg;
			break;
		case OPT_MAXS: o.max_samples = (size_t)mst_arg_int("--max-samples", arg, 1, INT64_MAX); break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);
	if (!out)
		mst_usage("an output file is required (-o FILE.png, .svg or .pdf)");
	if (msp_plot_format_from_name(out) < 0)
		mst_usage("-o %s: unknown format (use .png, .svg or .pdf)", out);

	msp_plot *plot;
	if (msp_plot_open(&plot, &o))
		mst_usage("inconsistent options");
	msp_reader *in = mst_open_input();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		int rc = msp_plot_add(plot, rec);
		if (rc)
			mst_fatal("record %llu: %s", (unsigned long long)n + 1,
			          *msp_plot_errmsg(plot) ? msp_plot_errmsg(plot) : msp_strerror(rc));
		mst_progress(++n);
	}
	mst_progress_done(n);
	int npages;
	if (msp_plot_render(plot, out, &npages))
		mst_fatal("%s", msp_plot_errmsg(plot));
	mst_info(1, "%zu traces on %d page%s in %s", msp_plot_ntraces(plot), npages,
	         npages == 1 ? "" : "s", out);
	msp_plot_close(plot);
	msp_record_free(rec);
	mst_close_input(in);
	mst_close_stdout();
	return 0;
}
