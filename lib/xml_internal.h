/*
 * xml_internal.h - the few libxml2 helpers the StationXML and QuakeML parsers
 * share (private to lib/; static so each parser stays a standalone unit).
 * Parsing never touches the network, never expands external entities and
 * never prints: errors come back as text.
 */
#ifndef MSP_XML_INTERNAL_H
#define MSP_XML_INTERNAL_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "msp_parse.h"

/* libxml2 2.9 reports some errors without a parser context (an input
 * that declares or looks like UCS-4 and does not convert: "encoding error :
 * input conversion failed ...") through its generic error channel, which
 * prints to stderr whatever XML_PARSE_NOERROR says (fuzz_stationxml,
 * fuzz_quakeml).  The library never prints: that channel is silenced for
 * the parse and restored after; the parser context keeps the error. */
static inline void mspx_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static inline xmlDocPtr mspx_read(const char *buf, size_t len, char *err, size_t errlen)
{
	if (len > INT_MAX) {
		snprintf(err, errlen, "XML document too large");
		return NULL;
	}
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	xmlGenericErrorFunc old = xmlGenericError;
	void *oldctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, mspx_silent);
	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR |
					  XML_PARSE_NOWARNING);
	xmlSetGenericErrorFunc(oldctx, old);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		if (e && e->message) {
			size_t m = strlen(e->message);
			while (m && (e->message[m - 1] == '\n' || e->message[m - 1] == ' '))
				m--;
			snprintf(err, errlen, "XML line %d: %.*s", e->line, (int)m, e->message);
		} else {
			snprintf(err, errlen, "not well-formed XML");
		}
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* Element node with this local name (namespace ignored)? */
static inline int mspx_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static inline xmlNode *mspx_child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (mspx_is(c, name))
			return c;
	return NULL;
}

/* Text content, trimmed, into buf (truncated to bufsize); 0 if the node
 * is missing. */
static inline int mspx_text(const xmlNode *n, char *buf, size_t bufsize)
{
	if (!n || bufsize == 0)
		return 0;
	xmlChar *t = xmlNodeGetContent(n);
	if (!t)
		return 0;
	const char *s = (const char *)t;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t m = strlen(s);
	while (m && (s[m - 1] == ' ' || s[m - 1] == '\t' || s[m - 1] == '\n' || s[m - 1] == '\r'))
		m--;
	if (m >= bufsize)
		m = bufsize - 1;
	memcpy(buf, s, m);
	buf[m] = 0;
	xmlFree(t);
	return 1;
}

/* A number from the child element name (or its <value> child for QuakeML's
 * RealQuantity when value_child): NAN when absent, -1 when present but not
 * a number, 0 otherwise. */
static inline int mspx_number(const xmlNode *n, const char *name, int value_child, double *out)
{
	char buf[128];
	*out = NAN;
	xmlNode *c = mspx_child(n, name);
	if (value_child && c)
		c = mspx_child(c, "value");
	if (!c || !mspx_text(c, buf, sizeof buf))
		return 0;
	return msp_parse_double(buf, out) == 0 ? 0 : -1;
}

/* Attribute value into buf ("" and 0 when absent). */
static inline int mspx_attr(const xmlNode *n, const char *name, char *buf, size_t bufsize)
{
	buf[0] = 0;
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	if (!v)
		return 0;
	snprintf(buf, bufsize, "%s", (const char *)v);
	xmlFree(v);
	/* trim */
	size_t m = strlen(buf);
	while (m && buf[m - 1] == ' ')
		buf[--m] = 0;
	size_t s = 0;
	while (buf[s] == ' ')
		s++;
	if (s)
		memmove(buf, buf + s, m - s + 1);
	return 1;
}

/* A time attribute or element text: NAN when absent, -1 when unparsable. */
static inline int mspx_time_str(const char *s, double *out)
{
	*out = NAN;
	if (!s || !*s)
		return 0;
	return msp_parse_time(s, out) == 0 ? 0 : -1;
}
#endif
