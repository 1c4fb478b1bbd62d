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
	/* A watch for reading one document in two pieces at once (the JUnit
	 * reader's big files; see qg_xml_parse_piece()). When at_split is set,
	 * it is called once, before start(), for the first element whose '<'
	 * is at byte split_at or after it: exact = 1 when it is at split_at in
	 * a UTF-8 document without a DOCTYPE (whose internal subset could give
	 * the rest of the document attribute defaults), 0 otherwise; the parse
	 * reaching its end first calls nothing. It returns 0 to go on (the
	 * element is read as usual), 1 to end the parse there as a success
	 * (the rest was read elsewhere), or a negative QG_E*. */
	int (*at_split)(void *ud, int exact);
	long long split_at;
};

/* The second piece of a document split at an element start (`from`, the
 * '<' of a start tag the first parse's at_split confirms): a prefix that
 * reopens the elements open at `from` (the XML declaration and their start
 * tags, copied from the document, then a line break), then the bytes of
 * the open file fd from `from` to its end, read with pread() (fd may be the
 * one the first piece reads with read(): the same file, whatever happens
 * to its path meanwhile). Positions in messages are the file's: the
 * line and column of `from` are counted (as expat counts them) the first
 * time a message needs one. `cancel`, when set (another thread), stops the
 * read at the next block with QG_ECONFLICT. */
struct qg_xml_piece {
	long long from;
	const char *prefix;
	size_t prefix_len;
	const int *cancel;     /* read with __atomic_load_n */
	/* out: the line (1-based) and column (0-based) of `from`, once a
	 * message needed them (counted = 1); the first piece's caller checks
	 * them against its own parser at the split */
	int counted;
	long long line, column;
	int fd;                /* set by qg_xml_parse_piece() */
};
int qg_xml_parse_piece(int fd, const char *name, const struct qg_xml_handler *h, struct qg_xml_piece *pc);

/* Parse `path` ("-" = stdin; gzip/zstd are not unwrapped here) with h.
 * `name` is what messages call the file (NULL = path). 0 or QG_E*. */
int qg_xml_parse_file(const char *path, const char *name, const struct qg_xml_handler *h);
/* The same on an open file, read from its offset (it stays open). */
int qg_xml_parse_fd(int fd, const char *name, const struct qg_xml_handler *h);
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
/* Inside start(): where the element's start tag begins in the input (bytes
 * from its first byte) and how many bytes the tag takes. */
long long qg_xml_tag_offset(const struct qg_xml *x);
long long qg_xml_tag_length(const struct qg_xml *x);
/* Find an attribute's value in attrs, NULL when absent. */
const char *qg_xml_attr(const char **attrs, const char *name);

#endif
