/* xml.h -- a streaming XML reader over expat, safe on hostile input
 *
 * The one wrapper of expat (XML_Parser never leaves lib/io/xml.c). Reports
 * (JUnit, checkstyle, Cobertura) and the lint gate's `xml` check read through
 * it. Invariants: input is streamed (memory is flat in the document's size;
 * only the current element's text is buffered, capped); a DOCTYPE that
 * declares entities (billion laughs, external entities) is refused, never
 * expanded; nesting deeper than max_depth is refused; every error names
 * "file:line:column: what was found, what was expected" and is QG_EINPUT.
 */
#ifndef QGATE_XML_H
#define QGATE_XML_H

#include <stddef.h>

struct qg_xml;

/* Attributes as expat gives them: name, value, name, value, ..., NULL. */
struct qg_xml_handler {
	/* Each callback returns 0 to go on, or a negative QG_E* (after
	 * qg_error()) to stop the parse with that error. Any may be NULL. */
	int (*start)(void *ud, const char *name, const char **attrs);
	/* text: the element's whole character data (CDATA included, entities
	 * decoded), delivered once before end(); len <= text_cap, truncated
	 * beyond it (qg_xml_text_truncated() says so). */
	int (*end)(void *ud, const char *name, const char *text, size_t len);
	void *ud;
	size_t text_cap;      /* bytes of text kept per element, 0 = 64 KiB */
	unsigned max_depth;   /* 0 = 256 */
};

/* Parse `path` ("-" = stdin; gzip/zstd are not unwrapped here) with h.
 * `name` is what messages call the file (NULL = path). 0 or QG_E*. */
int qg_xml_parse_file(const char *path, const char *name, const struct qg_xml_handler *h);
/* Parse an in-memory document (the lint gate's blobs). */
int qg_xml_parse_buf(const char *data, size_t len, const char *name, const struct qg_xml_handler *h);

/* Push parsing, for bytes that arrive in pieces (the lint gate's streamed
 * files): feed each piece, then once with final = 1. An error stops the
 * parser; later feeds return the same error. */
int qg_xml_new(struct qg_xml **out, const char *name, const struct qg_xml_handler *h);
int qg_xml_feed(struct qg_xml *x, const char *data, size_t len, int final);
void qg_xml_free(struct qg_xml *x);

/* Inside a callback: where the parser is (1-based), and whether the text
 * just delivered was cut at text_cap. */
long long qg_xml_line(const struct qg_xml *x);
long long qg_xml_column(const struct qg_xml *x);
/* The parser running the current callback (NULL outside one): callbacks
 * call qg_xml_line(qg_xml_current()) to name where an element starts. */
const struct qg_xml *qg_xml_current(void);
int qg_xml_text_truncated(const struct qg_xml *x);
/* Find an attribute's value in attrs, NULL when absent. */
const char *qg_xml_attr(const char **attrs, const char *name);

#endif
