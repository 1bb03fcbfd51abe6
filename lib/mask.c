/*
 * mask.c - hide the password of any URI in a text (msp_mask_passwords, see
 * msp_db.h).  Apart from db.c so that tools which only print messages and
 * history (all of them) do not link the database backends.
 */
#include <stddef.h>
#include <string.h>
#include "msp_db.h"

size_t msp_mask_passwords(const char *in, char *out, size_t outlen)
{
	/* walk the text; at each "://" the authority runs to the first '/',
	 * '?', '#', blank or end; its userinfo is what precedes its last '@',
	 * and the password is what follows the userinfo's first ':' */
	size_t o = 0;
#define PUT(c) do { if (o + 1 < outlen) out[o] = (c); o++; } while (0)
	const char *p = in;
	while (*p) {
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			PUT(':'); PUT('/'); PUT('/');
			p += 3;
			const char *a = p, *end = p;
			while (*end && !strchr("/?# \t\n\"'", *end))
				end++;
			const char *at = NULL;
			for (const char *q = a; q < end; q++)
				if (*q == '@')
					at = q;
			const char *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
			if (colon) {
				for (const char *q = a; q <= colon; q++)
					PUT(*q);
				PUT('*'); PUT('*'); PUT('*');
				p = at;
			}
			continue;
		}
		PUT(*p);
		p++;
	}
#undef PUT
	if (outlen)
		out[o < outlen ? o : outlen - 1] = '\0';
	return o;
}
