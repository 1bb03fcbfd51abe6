/*
 * test_mask.c - msp_mask_passwords: the password of every URI in a text is
 * "***"; user names, hosts, paths and text without passwords are kept; the
 * result is always terminated, and the length returned is the full one.
 */
#include <string.h>
#include "tap.h"
#include "msp_db.h"

static void check(const char *in, const char *want)
{
	char out[256];
	size_t n = msp_mask_passwords(in, out, sizeof out);
	ok(strcmp(out, want) == 0 && n == strlen(want), "%s -> %s (got %s)", in, want, out);
}

int main(void)
{
	check("mongodb://user:secret@host:27017/db", "mongodb://user:***@host:27017/db");
	check("--db=mongodb://u:secret@h/x docs.json", "--db=mongodb://u:***@h/x docs.json");
	check("mongodb+srv://u:se:cr@et@h/x?authSource=admin", "mongodb+srv://u:***@h/x?authSource=admin");
	check("a mongodb://u:p@h1 and mongodb://v:q@h2/x", "a mongodb://u:***@h1 and mongodb://v:***@h2/x");
	check("mongodb://user@host/db", "mongodb://user@host/db");
	check("mongodb://host:27017/db?x=a@b", "mongodb://host:27017/db?x=a@b");
	check("'mongodb://u:secret@h'", "'mongodb://u:***@h'");
	check("no uri: a:b@c", "no uri: a:b@c");
	check("", "");
	check("://", "://");
	check("x://:@", "x://:***@");
	/* truncation: terminated, full length returned */
	char small[12];
	size_t n = msp_mask_passwords("mongodb://u:secret@h", small, sizeof small);
	ok(n == strlen("mongodb://u:***@h") && strlen(small) == sizeof small - 1 &&
	   strstr("mongodb://u:***@h", small) != NULL, "truncated output is a prefix, terminated");
	char one[1];
	msp_mask_passwords("mongodb://u:secret@h", one, 1);
	ok(one[0] == '\0', "one-byte buffer");
	return done_testing();
}
