/*
 * msstack - reduce runs of records with equal keys to one record each:
 * MsPASS's stack (sum), the mean, the per-sample median, or the robust
 * (dbxcor) stack.  Partial stacks (--partial) from separate partitions are
 * combined by a second pass (--merge) that gives exactly what one pass gives.
 *
 *   records grouped by key on stdin -> one stack per group on stdout
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "msp_meta.h"
#include "msp_stack.h"

enum {
	OPT_KEY = 'k',
	OPT_METHOD = 'm',
	OPT_WINDOW = 'w',
	OPT_REF = 'r',
	OPT_UNSORTED = MST_LONG + 1,
	OPT_PARTIAL,
	OPT_MERGE,
	OPT_ITER,
	OPT_EPS,
	OPT_FLOOR,
	OPT_PADCUT,
};

static const mst_opt opts[] = {
	{"key", OPT_KEY, "K[,K2...]", "metadata key(s) whose equal values form a group (required)"},
	{"method", OPT_METHOD, "M", "sum (MsPASS stack, default), mean, median or robust"},
	{"window", OPT_WINDOW, "START,END", "stack on this common window (nearest sample)"},
	{"ref", OPT_REF, "KEY", "align UTC records on this time key first (ator), e.g. Ptime"},
	{"unsorted", OPT_UNSORTED, NULL, "input not grouped: hold one accumulator per group in memory"},
	{"partial", OPT_PARTIAL, NULL, "write partial stacks (sum, mean) for a later --merge"},
	{"merge", OPT_MERGE, NULL, "combine partial stacks of equal keys (holds groups in memory)"},
	{"iterations", OPT_ITER, "N", "robust: at most N reweighting passes (default 20)"},
	{"eps", OPT_EPS, "X", "robust: stop when the stack changes by less than X (default 0.001)"},
	{"residual-floor", OPT_FLOOR, "X", "robust: floor of ||r||/||d|| in the weights (default 0.01)"},
	{"pad-cutoff", OPT_PADCUT, "F", "median/robust: drop members padded over F of the window (0.05)"},
	{0},
};

static const mst_prog prog = {
	.name = "msstack",
	.usage = "--key K[,K2] [OPTIONS] < RECORDS > RECORDS",
	.summary = "Stack runs of records with equal keys (sum, mean, median, robust).",
	.description =
	    "A group is a run of consecutive records with equal key values; a key that comes\n"
	    "back after its run closed is an error (sort the input with msquery --sort), unless\n"
	    "--unsorted, which keeps one accumulator per group in memory until the end.\n"
	    "Records align in relative time (MsPASS's += rule: same dt, whole-sample offsets,\n"
	    "the first record's span, sum over the overlap) or on --window.  Sums are exact\n"
	    "(correctly rounded), so --partial stacks of any split, combined with --merge,\n"
	    "equal one pass bit for bit.  Dead input records pass through; a record that\n"
	    "cannot be stacked is killed with an elog entry and passed through.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

/* ------------------------------------------------ groups kept by key string */

typedef struct group {
	char *key;
	size_t keylen;
	msp_stack *st;
	struct group *next_order; /* first-appearance order */
} group;

typedef struct table {
	group **slot;
	size_t cap, n;
	group *first, *last;
} table;

static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static group **find_slot(table *t, const char *k, size_t n)
{
	size_t i = hash(k, n) & (t->cap - 1);
	while (t->slot[i] && !(t->slot[i]->keylen == n && !memcmp(t->slot[i]->key, k, n)))
		i = (i + 1) & (t->cap - 1);
	return &t->slot[i];
}

static void grow(table *t)
{
	size_t oc = t->cap;
	group **os = t->slot;
	t->cap = oc ? 2 * oc : 64;
	t->slot = calloc(t->cap, sizeof *t->slot);
	if (!t->slot)
		mst_fatal("out of memory");
	for (size_t i = 0; i < oc; i++)
		if (os[i])
			*find_slot(t, os[i]->key, os[i]->keylen) = os[i];
	free(os);
}

/* The group of key k, created (with a stack when want_stack) if new. */
static group *lookup(table *t, const char *k, size_t n, int create, int *created)
{
	if (t->n * 2 >= t->cap)
		grow(t);
	group **s = find_slot(t, k, n);
	*created = 0;
	if (*s || !create)
		return *s;
	group *g = calloc(1, sizeof *g);
	if (!g || !(g->key = malloc(n + 1)))
		mst_fatal("out of memory");
	memcpy(g->key, k, n);
	g->keylen = n;
	*s = g;
	t->n++;
	if (t->last)
		t->last->next_order = g;
	else
		t->first = g;
	t->last = g;
	*created = 1;
	return g;
}

/* ------------------------------------------------------------------ main */

static msp_stack_opts sopt;
static int partial_out;
static const char *keys[16];
static int nkeys;
static msp_writer *out;
static msp_record *res;
static uint64_t nout;

static void emit(msp_stack *st, const char *keytext)
{
	if (!msp_stack_count(st))
		return;
	int rc = partial_out ? msp_stack_partial(st, res) : msp_stack_result(st, res);
	if (rc == MSP_ERR_DATA) {
		/* median/robust members with no span in common: res has the group's
		 * header; it becomes a dead stack that says why */
		msp_record_resize(res, res->kind, 0);
		msp_record_kill(res, "msstack", "group %s: the %zu members have no time span in common",
		                keytext, msp_stack_count(st));
		mst_history(res);
		mst_write(out, res);
		nout++;
		return;
	}
	if (rc)
		mst_fatal("group %s: %s", keytext, msp_strerror(rc));
	mst_history(res);
	mst_write(out, res);
	nout++;
}

/* Key text for messages: the raw key with separators made readable. */
static const char *readable(const msp_buf *k)
{
	static char buf[256];
	size_t j = 0;
	for (size_t i = 0; i < k->len && j + 2 < sizeof buf; i++) {
		char c = k->p[i];
		if (c == '\x1f')
			buf[j++] = ',';
		else if ((i == 0 || k->p[i - 1] == '\x1f') && (c == 's' || c == 'n' || c == 'b' || c == 'o'))
			continue; /* type tag */
		else
			buf[j++] = c;
	}
	buf[j] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	const char *arg;
	int c, unsorted = 0, merge = 0;
	const char *ref = NULL;
	char *keyarg = NULL;
	mst_init(&prog, argc, argv);
	msp_stack_opts_default(&sopt);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_KEY:
			free(keyarg);
			keyarg = strdup(arg);
			break;
		case OPT_METHOD:
			sopt.method = msp_stack_method_from_name(arg);
			if (sopt.method < 0)
				mst_usage("--method: \"%s\" is not sum, mean, median or robust", arg);
			break;
		case OPT_WINDOW: {
			double w[2];
			mst_arg_double_list("--window", arg, w, 2);
			if (!(w[1] > w[0]))
				mst_usage("--window: END must be after START");
			sopt.use_window = 1;
			sopt.wstart = w[0];
			sopt.wend = w[1];
			break;
		}
		case OPT_REF: ref = arg; break;
		case OPT_UNSORTED: unsorted = 1; break;
		case OPT_PARTIAL: partial_out = 1; break;
		case OPT_MERGE: merge = 1; break;
		case OPT_ITER: sopt.maxiter = (int)mst_arg_int("--iterations", arg, 1, 100000); break;
		case OPT_EPS: sopt.eps = mst_arg_double_range("--eps", arg, 0, 1); break;
		case OPT_PADCUT:
			sopt.pad_fraction_cutoff = mst_arg_double_range("--pad-cutoff", arg, 0, 1);
			break;
		case OPT_FLOOR:
			sopt.residual_norm_floor = mst_arg_double_range("--residual-floor", arg, 0, 1);
			break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);
	if (!keyarg || !*keyarg)
		mst_usage("--key is required");
	for (char *p = keyarg, *tok; (tok = strsep(&p, ","));) {
		if (!*tok)
			mst_usage("--key: empty key name in \"%s\"", keyarg);
		if (nkeys == 16)
			mst_usage("--key: at most 16 keys");
		keys[nkeys++] = tok;
	}
	if (partial_out && (sopt.method == MSP_STACK_MEDIAN || sopt.method == MSP_STACK_ROBUST))
		mst_usage("--partial: a %s stack cannot be merged exactly (use sum or mean)",
		          msp_stack_method_name(sopt.method));
	if (merge && (sopt.method == MSP_STACK_MEDIAN || sopt.method == MSP_STACK_ROBUST))
		mst_usage("--merge combines sum and mean partial stacks only");
	if (merge && (ref || sopt.use_window))
		mst_usage("--merge takes the alignment from the partial stacks (no --ref or --window)");
	sopt.partial = partial_out;
	int hold = unsorted || merge;
	if (unsorted && !merge)
		mst_info(1, "--unsorted: one accumulator per group is held in memory");

	msp_reader *in = mst_open_input();
	out = mst_open_output();
	msp_record *rec = mst_record_new();
	res = mst_record_new();
	msp_buf key, cur;
	msp_buf_init(&key);
	msp_buf_init(&cur);
	table groups = {0};   /* held groups, or closed keys in streaming mode */
	msp_stack *st = NULL; /* streaming mode: the open run's stack */
	int have_cur = 0;
	uint64_t n = 0;
	char err[512];
	while (mst_read(in, rec)) {
		mst_progress(++n);
		if (!rec->live) {
			mst_write(out, rec);
			continue;
		}
		int miss = -1, rc = msp_group_key(rec->meta, keys, nkeys, &key, &miss);
		if (rc) {
			msp_record_kill(rec, "msstack", rc == MSP_ERR_NOTFOUND ? "group key %s is missing"
			                                                      : "group key %s is not a "
			                                                        "string or a number",
			                keys[miss]);
			mst_write(out, rec);
			continue;
		}
		if (merge && !msp_stack_is_partial(rec)) {
			msp_record_kill(rec, "msstack", "--merge: not a partial stack (no stack_partial)");
			mst_write(out, rec);
			continue;
		}
		if (ref && rec->tref == MSP_TREF_UTC) {
			double t;
			if (msp_meta_get_double(rec->meta, ref, &t) || !isfinite(t)) {
				msp_record_kill(rec, "msstack", "--ref: time key %s is missing or not a number",
				                ref);
				mst_write(out, rec);
				continue;
			}
			msp_record_ator(rec, t);
		}
		msp_stack *target;
		if (hold) {
			int created;
			group *g = lookup(&groups, key.p, key.len, 1, &created);
			if (created && msp_stack_new(&g->st, &sopt))
				mst_fatal("out of memory");
			target = g->st;
		} else {
			if (!have_cur || key.len != cur.len || memcmp(key.p, cur.p, key.len)) {
				if (have_cur) {
					emit(st, readable(&cur));
					int created;
					lookup(&groups, cur.p, cur.len, 1, &created);
					msp_stack_reset(st);
				}
				int created;
				if (lookup(&groups, key.p, key.len, 0, &created))
					mst_fatal("stdin: record %llu: key %s came back after its group closed: "
					          "the input is not grouped (sort it with msquery --sort, or use "
					          "--unsorted)",
					          (unsigned long long)n, readable(&key));
				msp_buf_reset(&cur);
				msp_buf_add(&cur, key.p, key.len);
				have_cur = 1;
				if (!st && msp_stack_new(&st, &sopt))
					mst_fatal("out of memory");
			}
			target = st;
		}
		rc = merge ? msp_stack_merge(target, rec, err, sizeof err)
		           : msp_stack_add(target, rec, err, sizeof err);
		if (rc == MSP_ERR_NOMEM)
			mst_fatal("out of memory");
		if (rc) {
			msp_record_kill(rec, "msstack", "not stacked: %s", err);
			mst_write(out, rec);
		}
	}
	if (hold) {
		for (group *g = groups.first; g; g = g->next_order) {
			msp_buf k = {.p = g->key, .len = g->keylen};
			emit(g->st, readable(&k));
		}
	} else if (have_cur) {
		emit(st, readable(&cur));
	}
	mst_progress_done(n);
	mst_finish_output(out);
	mst_close_input(in);
	mst_info(1, "%llu records in, %llu stacks out", (unsigned long long)n,
	         (unsigned long long)nout);
	for (group *g = groups.first, *next; g; g = next) {
		next = g->next_order;
		msp_stack_free(g->st);
		free(g->key);
		free(g);
	}
	free(groups.slot);
	msp_stack_free(st);
	msp_buf_free(&key);
	msp_buf_free(&cur);
	msp_record_free(rec);
	msp_record_free(res);
	free(keyarg);
	return 0;
}
