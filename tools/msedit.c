/*
 * msedit - edit record headers (SU's sushw, MsPASS's edit module) and kill
 * or drop records by a MongoDB-style filter.
 *
 *   records -> records with edited Metadata (some killed, some dropped)
 *
 * Operations run in command-line order on each live record: --set KEY=JSON,
 * --rename OLD=NEW, --delete KEY, --kill-if FILTER (kill with an elog entry),
 * --keep-if FILTER (pass only matching records).  Filters see the Metadata
 * plus the core attributes (msp_record_filter_doc); the matcher is
 * lib/match.c, the same language msquery sends to the database.  Dead
 * records pass untouched.  Core attributes are not Metadata and cannot be
 * edited here.
 */
#include <stdlib.h>
#include <string.h>
#include "msp_edit.h"
#include "msp_match.h"
#include "msp_meta.h"
#include "tool.h"

enum { OPT_SET = 's', OPT_RENAME = 'r', OPT_DELETE = 'd', OPT_KILL_IF = MST_LONG, OPT_KEEP_IF };

static const mst_opt opts[] = {
	{"set", OPT_SET, "KEY=VALUE", "set KEY to a JSON VALUE (1.5, \"ANMO\", true, null, {\"$oid\": ...})"},
	{"rename", OPT_RENAME, "OLD=NEW", "rename key OLD to NEW (replacing NEW)"},
	{"delete", OPT_DELETE, "KEY", "remove KEY"},
	{"kill-if", OPT_KILL_IF, "FILTER", "kill records matching the MongoDB filter FILTER (JSON)"},
	{"keep-if", OPT_KEEP_IF, "FILTER", "pass on only the live records matching FILTER"},
	{0},
};

static const mst_prog prog = {
	.name = "msedit",
	.usage = "[--set KEY=VALUE] [--rename OLD=NEW] [--delete KEY] [--kill-if FILTER] "
	         "[--keep-if FILTER] ... < RECORDS > RECORDS",
	.summary = "Edit record headers; kill or drop records by a MongoDB filter.",
	.description =
		"Operations run in command-line order on each live record; dead records pass\n"
		"untouched.  VALUE is JSON: strings need quotes (--set 'sta=\"ANMO\"').\n"
		"FILTER is a MongoDB filter (as msquery) on the Metadata plus the core\n"
		"attributes t0 dt npts live tref kind endtime starttime delta sampling_rate\n"
		"t0shift, which cannot themselves be edited.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

struct edit {
	int op;
	char *key, *key2;      /* --set KEY, --rename OLD NEW, --delete KEY */
	bson_value_t value;    /* --set */
	msp_filter *filter;    /* --kill-if, --keep-if */
	const char *text;      /* the filter as given, for messages */
};

static void check_key(const char *opt, const char *key)
{
	if (!*key)
		mst_usage("%s: empty key", opt);
	if (strchr(key, '.'))
		mst_usage("%s: \"%s\": keys are top-level names (no '.')", opt, key);
	if (key[0] == '$')
		mst_usage("%s: \"%s\": keys cannot start with '$'", opt, key);
	if (!bson_utf8_validate(key, strlen(key), false))
		mst_usage("%s: key is not valid UTF-8", opt);
	if (msp_is_core_key(key))
		mst_usage("%s: %s is a core attribute of the record, not Metadata; msedit does not "
		          "change it (mswindow, msator, msrtoa do)", opt, key);
}

/* Split "A=B" into two fresh strings. */
static void split(const char *opt, const char *arg, char **a, char **b)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		mst_usage("%s: \"%s\" has no '=' (%s)", opt, arg,
		          strcmp(opt, "--set") == 0 ? "KEY=VALUE" : "OLD=NEW");
	*a = strndup(arg, (size_t)(eq - arg));
	*b = strdup(eq + 1);
	if (!*a || !*b)
		mst_fatal("out of memory");
}

static msp_filter *filter_arg(const char *opt, const char *text)
{
	char err[256];
	bson_t *doc = msp_json_parse_doc(text, err, sizeof err);
	if (!doc)
		mst_usage("%s: %s", opt, err);
	msp_filter *f;
	int rc = msp_filter_compile(doc, &f, err, sizeof err);
	bson_destroy(doc);
	if (rc == MSP_ERR_NOMEM)
		mst_fatal("out of memory");
	if (rc)
		mst_usage("%s: %s", opt, err);
	return f;
}

int main(int argc, char **argv)
{
	const char *arg;
	int c;
	mst_init(&prog, argc, argv);
	struct edit *ed = calloc((size_t)argc, sizeof *ed);
	size_t ned = 0;
	if (!ed)
		mst_fatal("out of memory");
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		struct edit *e = &ed[ned++];
		char err[256];
		e->op = c;
		switch (c) {
		case OPT_SET: {
			char *val;
			split("--set", arg, &e->key, &val);
			check_key("--set", e->key);
			if (msp_json_parse_value(val, &e->value, err, sizeof err)) {
				if (*val && !strpbrk(val, "\"{}[],:\\"))
					mst_usage("--set %s: %s is not a JSON value (a string needs quotes: "
					          "--set '%s=\"%s\"')", e->key, val, e->key, val);
				mst_usage("--set %s: %s is not one JSON value", e->key, *val ? val : "(empty)");
			}
			free(val);
			break;
		}
		case OPT_RENAME:
			split("--rename", arg, &e->key, &e->key2);
			check_key("--rename", e->key);
			check_key("--rename", e->key2);
			break;
		case OPT_DELETE:
			e->key = strdup(arg);
			if (!e->key)
				mst_fatal("out of memory");
			check_key("--delete", e->key);
			break;
		case OPT_KILL_IF:
		case OPT_KEEP_IF:
			e->text = arg;
			e->filter = filter_arg(c == OPT_KILL_IF ? "--kill-if" : "--keep-if", arg);
			break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected operand \"%s\"", argv[optind]);
	if (!ned)
		mst_usage("nothing to do: give --set, --rename, --delete, --kill-if or --keep-if");

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	bson_t view = BSON_INITIALIZER;
	uint64_t n = 0, killed = 0, dropped = 0;
	while (mst_read(in, rec)) {
		mst_progress(++n);
		if (!rec->live) {
			mst_write(out, rec);
			continue;
		}
		int keep = 1, changed = 0, rc = MSP_OK;
		for (size_t i = 0; i < ned && rec->live && keep && !rc; i++) {
			struct edit *e = &ed[i];
			switch (e->op) {
			case OPT_SET:
				rc = msp_meta_set_value(rec->meta, e->key, &e->value);
				changed = 1;
				break;
			case OPT_RENAME:
				if (!msp_meta_has(rec->meta, e->key))
					rc = msp_record_log(rec, "msedit", MSP_SEV_COMPLAINT,
					                    "--rename %s=%s: no key %s; nothing renamed", e->key,
					                    e->key2, e->key);
				else
					rc = msp_meta_rename(rec->meta, e->key, e->key2);
				changed = 1; /* renamed, or a Complaint logged */
				break;
			case OPT_DELETE:
				if (msp_meta_has(rec->meta, e->key)) {
					rc = msp_meta_remove(rec->meta, e->key);
					changed = 1;
				}
				break;
			default:
				if ((rc = msp_record_filter_doc(rec, &view)))
					break;
				int hit = msp_filter_eval(e->filter, &view);
				if (e->op == OPT_KILL_IF && hit) {
					rc = msp_record_kill(rec, "msedit", "matched --kill-if %s", e->text);
					killed++;
					changed = 1;
				} else if (e->op == OPT_KEEP_IF && !hit) {
					keep = 0;
				}
				break;
			}
		}
		if (rc)
			mst_fatal("record %llu: %s", (unsigned long long)n, msp_strerror(rc));
		if (!keep) {
			dropped++;
			continue;
		}
		if (changed)
			mst_history(rec);
		mst_write(out, rec);
	}
	mst_finish_output(out);
	mst_close_input(in);
	mst_progress_done(n);
	mst_info(1, "%llu records, %llu killed, %llu dropped", (unsigned long long)n,
	         (unsigned long long)killed, (unsigned long long)dropped);
	for (size_t i = 0; i < ned; i++) {
		free(ed[i].key);
		free(ed[i].key2);
		if (ed[i].op == OPT_SET)
			bson_value_destroy(&ed[i].value);
		msp_filter_free(ed[i].filter);
	}
	free(ed);
	bson_destroy(&view);
	msp_record_free(rec);
	return 0;
}
