/* xml.c -- the one expat wrapper: a streaming XML reader, safe on hostile input
 *
 * Documents are pushed through expat in 64 KiB blocks (files are read into
 * expat's own buffer with XML_GetBuffer/XML_ParseBuffer, so nothing is
 * copied twice), and only the text of the elements currently open is kept:
 * one buffer holds the open elements' text back to back, each element's
 * share capped at text_cap (the rest is dropped and the element flagged
 * truncated), and an element's share is cut off again when it ends. Memory
 * is therefore bounded by max_depth * text_cap whatever the document's size.
 *
 * Safety: any entity declaration (the DTD's <!ENTITY>, general or
 * parameter) stops the parse -- billion laughs and external entities are
 * refused before anything is expanded; parameter entities are never parsed
 * and no external entity handler is installed, so nothing is ever loaded.
 * Nesting past max_depth stops the parse. Every error is QG_EINPUT and
 * starts with "'name':line:column:" (1-based, from expat's position).
 *
 * Two pieces at once (qg_xml_parse_piece(), the at_split watch): a second
 * parser reads the file from an element start after a prefix that reopens
 * the elements open there, while the first reads up to it; the first
 * confirms the split when it meets that element (exact offset, UTF-8, no
 * DOCTYPE) and its caller compares what is open. The piece's positions are
 * mapped back to the file's (its base line and column counted as expat
 * counts: CR, LF and CRLF are one break each, a column is a character),
 * so a message from either piece is the one a single parse gives.
 */
#include "qgate/common.h"

#include <expat.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/xml.h"

#define XML_BLOCK ((size_t)64 << 10)
#define XML_DEFAULT_TEXT_CAP ((size_t)64 << 10)
#define XML_DEFAULT_DEPTH 256u

struct xml_open {
	size_t start;  /* where this element's text begins in text */
	int truncated; /* text beyond text_cap was dropped */
};

/* A piece's place in its file (qg_xml_parse_piece()): counted on demand. */
struct xml_piece_pos {
	struct qg_xml_piece *pc;
	unsigned long prefix_lines; /* line breaks in the prefix: content starts on the next line */
};

struct qg_xml {
	XML_Parser p;
	struct qg_xml_handler h;
	char *name;
	struct qg_buf text;     /* open elements' text, back to back */
	struct xml_open *open;  /* max_depth + 1 entries */
	unsigned depth;
	int err;                /* first error (sticky) */
	int delivered_truncated;
	int fed;                /* any byte seen */
	int done;               /* final feed made */
	/* the at_split watch */
	int split_seen, split_ended, saw_doctype, not_utf8;
	struct xml_piece_pos *piece; /* set when this parse reads a piece */
};

static __thread const struct qg_xml *xml_cur;

const struct qg_xml *qg_xml_current(void)
{
	return xml_cur;
}

/* The line (1-based) and column (0-based) of the piece's first byte in
 * its file, as expat counts them; counted once, when first needed. */
static void piece_count(struct xml_piece_pos *pp)
{
	struct qg_xml_piece *pc = pp->pc;
	unsigned char buf[1 << 16];
	long long line = 1, col = 0, at = 0;
	int fd = pc->fd, cr = 0;

	if (pc->counted)
		return;
	pc->counted = 1;
	while (at < pc->from) {
		size_t want = pc->from - at < (long long)sizeof(buf) ? (size_t)(pc->from - at) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			unsigned char b = buf[i];

			if (at + i < 3 && b == "\xef\xbb\xbf"[at + i] && (at + i == 0 || line == 1))
				continue; /* a UTF-8 byte order mark is not a character */
			if (b == '\n') {
				if (!cr)
					line++, col = 0;
			} else if (b == '\r') {
				line++, col = 0;
			} else if ((b & 0xc0) != 0x80) {
				col++;
			}
			cr = b == '\r';
		}
		at += n;
	}
	pc->line = line;
	pc->column = col;
}

long long qg_xml_line(const struct qg_xml *x)
{
	long long l;

	if (!x)
		return 0;
	l = (long long)XML_GetCurrentLineNumber(x->p);
	if (x->piece) {
		long long first = (long long)x->piece->prefix_lines + 1;

		piece_count(x->piece);
		l = x->piece->pc->line + (l > first ? l - first : 0);
	}
	return l;
}

long long qg_xml_column(const struct qg_xml *x)
{
	long long c;

	if (!x)
		return 0;
	c = (long long)XML_GetCurrentColumnNumber(x->p) + 1;
	if (x->piece && (long long)XML_GetCurrentLineNumber(x->p) <= (long long)x->piece->prefix_lines + 1) {
		piece_count(x->piece);
		c += x->piece->pc->column;
	}
	return c;
}

long long qg_xml_tag_offset(const struct qg_xml *x)
{
	return x ? (long long)XML_GetCurrentByteIndex(x->p) : -1;
}

long long qg_xml_tag_length(const struct qg_xml *x)
{
	return x ? (long long)XML_GetCurrentByteCount(x->p) : 0;
}

int qg_xml_text_truncated(const struct qg_xml *x)
{
	return x ? x->delivered_truncated : 0;
}

const char *qg_xml_attr(const char **attrs, const char *name)
{
	if (!attrs || !name)
		return NULL;
	for (size_t i = 0; attrs[i] && attrs[i + 1]; i += 2)
		if (!strcmp(attrs[i], name))
			return attrs[i + 1];
	return NULL;
}

/* Stop the parse with err (already recorded by qg_error()). */
static void xml_stop(struct qg_xml *x, int err)
{
	if (!x->err)
		x->err = err;
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL xml_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct qg_xml *x = ud;
	const struct qg_xml *saved = xml_cur;
	int err;

	if (x->err)
		return;
	if (x->h.at_split && !x->split_seen && XML_GetCurrentByteIndex(x->p) >= x->h.split_at) {
		int exact = XML_GetCurrentByteIndex(x->p) == x->h.split_at && !x->saw_doctype && !x->not_utf8;

		x->split_seen = 1;
		xml_cur = x;
		err = x->h.at_split(x->h.ud, exact);
		xml_cur = saved;
		if (err < 0) {
			xml_stop(x, err);
			return;
		}
		if (err == 1) { /* the rest was read as the other piece */
			x->split_ended = 1;
			XML_StopParser(x->p, XML_FALSE);
			return;
		}
	}
	if (x->depth >= x->h.max_depth) {
		xml_stop(x, qg_error(QG_EINPUT, "'%s':%lld:%lld: elements nested deeper than %u levels are refused",
				     x->name, qg_xml_line(x), qg_xml_column(x), x->h.max_depth));
		return;
	}
	x->open[x->depth].start = x->text.len;
	x->open[x->depth].truncated = 0;
	x->depth++;
	if (!x->h.start)
		return;
	xml_cur = x;
	err = x->h.start(x->h.ud, name, attrs);
	xml_cur = saved;
	if (err < 0)
		xml_stop(x, err);
}

static void XMLCALL xml_end(void *ud, const XML_Char *name)
{
	struct qg_xml *x = ud;
	const struct qg_xml *saved = xml_cur;
	struct xml_open *o;
	int err = 0;

	if (x->err || !x->depth)
		return;
	o = &x->open[x->depth - 1];
	if (x->h.end) {
		x->delivered_truncated = o->truncated;
		xml_cur = x;
		err = x->h.end(x->h.ud, name, x->text.buf + o->start, x->text.len - o->start);
		xml_cur = saved;
		x->delivered_truncated = 0;
	}
	qg_buf_setlen(&x->text, o->start);
	x->depth--;
	if (err < 0)
		xml_stop(x, err);
}

static void XMLCALL xml_chars(void *ud, const XML_Char *s, int len)
{
	struct qg_xml *x = ud;
	struct xml_open *o;
	size_t have, room, n;

	if (x->err || !x->depth || len <= 0)
		return;
	o = &x->open[x->depth - 1];
	have = x->text.len - o->start;
	room = have < x->h.text_cap ? x->h.text_cap - have : 0;
	n = (size_t)len;
	if (n > room) {
		n = room;
		o->truncated = 1;
	}
	if (n && qg_buf_add(&x->text, s, n) < 0)
		xml_stop(x, qg_error(QG_ENOMEM, "'%s':%lld:%lld: out of memory keeping element text", x->name,
				     qg_xml_line(x), qg_xml_column(x)));
}

static void XMLCALL xml_entity_decl(void *ud, const XML_Char *entity_name, int is_param, const XML_Char *value,
				    int value_len, const XML_Char *base, const XML_Char *system_id,
				    const XML_Char *public_id, const XML_Char *notation)
{
	struct qg_xml *x = ud;

	(void)entity_name, (void)is_param, (void)value, (void)value_len, (void)base, (void)system_id;
	(void)public_id, (void)notation;
	xml_stop(x, qg_error(QG_EINPUT,
			     "'%s':%lld:%lld: entity declarations are refused (possible entity expansion attack)",
			     x->name, qg_xml_line(x), qg_xml_column(x)));
}

static void XMLCALL xml_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
				int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	((struct qg_xml *)ud)->saw_doctype = 1;
}

static void XMLCALL xml_decl(void *ud, const XML_Char *version, const XML_Char *encoding, int standalone)
{
	(void)version, (void)standalone;
	if (encoding && strcasecmp(encoding, "UTF-8") && strcasecmp(encoding, "UTF8"))
		((struct qg_xml *)ud)->not_utf8 = 1;
}

int qg_xml_new(struct qg_xml **out, const char *name, const struct qg_xml_handler *h)
{
	struct qg_xml *x = calloc(1, sizeof(*x));

	*out = NULL;
	if (!x)
		return qg_error(QG_ENOMEM, "out of memory");
	x->h = *h;
	if (!x->h.text_cap)
		x->h.text_cap = XML_DEFAULT_TEXT_CAP;
	if (!x->h.max_depth)
		x->h.max_depth = XML_DEFAULT_DEPTH;
	x->name = qg_strdup(name ? name : "-");
	x->open = calloc((size_t)x->h.max_depth + 1, sizeof(*x->open));
	x->p = XML_ParserCreate(NULL);
	if (!x->name || !x->open || !x->p) {
		qg_xml_free(x);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	/* the buffer holds at most max_depth elements' capped text */
	qg_buf_init(&x->text, x->h.text_cap * (size_t)x->h.max_depth + 1);
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, xml_start, xml_end);
	XML_SetCharacterDataHandler(x->p, xml_chars);
	XML_SetEntityDeclHandler(x->p, xml_entity_decl);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (x->h.at_split) {
		XML_SetStartDoctypeDeclHandler(x->p, xml_doctype);
		XML_SetXmlDeclHandler(x->p, xml_decl);
	}
	*out = x;
	return 0;
}

void qg_xml_free(struct qg_xml *x)
{
	if (!x)
		return;
	if (x->p)
		XML_ParserFree(x->p);
	qg_buf_release(&x->text);
	free(x->open);
	free(x->name);
	free(x);
}

/* After XML_Parse* returned an error: the callback's error, or expat's. */
static int xml_failed(struct qg_xml *x)
{
	enum XML_Error code;

	if (x->err)
		return x->err;
	if (x->split_ended)
		return 0; /* stopped at the split: the rest is the other piece's */
	code = XML_GetErrorCode(x->p);
	if (code == XML_ERROR_NO_MEMORY)
		x->err = qg_error(QG_ENOMEM, "'%s': out of memory parsing XML", x->name);
	else if ((code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN) && x->depth)
		x->err = qg_error(QG_EINPUT, "'%s':%lld:%lld: %s (the document ends inside an open element: truncated?)",
				  x->name, qg_xml_line(x), qg_xml_column(x), XML_ErrorString(code));
	else
		x->err = qg_error(QG_EINPUT, "'%s':%lld:%lld: %s", x->name, qg_xml_line(x), qg_xml_column(x),
				  XML_ErrorString(code));
	return x->err;
}

static int xml_final_check(struct qg_xml *x)
{
	if (!x->fed)
		return x->err = qg_error(QG_EINPUT, "'%s': empty, expected an XML document", x->name);
	return 0;
}

int qg_xml_feed(struct qg_xml *x, const char *data, size_t len, int final)
{
	if (x->err)
		return x->err;
	if (x->done)
		return x->err = qg_error(QG_ERROR, "'%s': fed after the final piece", x->name);
	while (len > XML_BLOCK) {
		x->fed = 1;
		if (XML_Parse(x->p, data, (int)XML_BLOCK, XML_FALSE) != XML_STATUS_OK)
			return xml_failed(x);
		data += XML_BLOCK;
		len -= XML_BLOCK;
	}
	if (len)
		x->fed = 1;
	if (final) {
		x->done = 1;
		if (xml_final_check(x) < 0)
			return x->err;
	}
	if (XML_Parse(x->p, data, (int)len, final ? XML_TRUE : XML_FALSE) != XML_STATUS_OK)
		return xml_failed(x);
	return 0;
}

int qg_xml_parse_buf(const char *data, size_t len, const char *name, const struct qg_xml_handler *h)
{
	struct qg_xml *x;
	int err = qg_xml_new(&x, name, h);

	if (!err)
		err = qg_xml_feed(x, data, len, 1);
	qg_xml_free(x);
	return err;
}

int qg_xml_parse_fd(int fd, const char *name, const struct qg_xml_handler *h)
{
	struct qg_xml *x;
	int err = qg_xml_new(&x, name, h);

	while (!err) {
		void *buf = XML_GetBuffer(x->p, (int)XML_BLOCK);
		ssize_t n;

		if (!buf) {
			err = xml_failed(x);
			break;
		}
		n = read(fd, buf, XML_BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = x->err = qg_error(QG_EINPUT, "'%s': cannot read: %s", name, strerror(errno));
			break;
		}
		if (n > 0)
			x->fed = 1;
		else if ((err = xml_final_check(x)) < 0)
			break;
		if (XML_ParseBuffer(x->p, (int)n, n == 0) != XML_STATUS_OK) {
			err = xml_failed(x);
			break;
		}
		if (n == 0)
			break;
	}
	qg_xml_free(x);
	return err;
}

int qg_xml_parse_file(const char *path, const char *name, const struct qg_xml_handler *h)
{
	struct stat st;
	int fd, err, is_stdin = !strcmp(path, "-");

	if (!name)
		name = is_stdin ? "<stdin>" : path;
	fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", name, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		err = qg_error(QG_EINPUT, "'%s': is a directory, expected an XML file", name);
	else
		err = qg_xml_parse_fd(fd, name, h);
	if (!is_stdin)
		close(fd);
	return err;
}

int qg_xml_parse_piece(int fd, const char *name, const struct qg_xml_handler *h, struct qg_xml_piece *pc)
{
	struct xml_piece_pos pos = { pc, 0 };
	struct qg_xml *x;
	long long at = pc->from;
	int err, cr = 0;

	pc->fd = fd;
	pc->counted = 0;
	for (size_t i = 0; i < pc->prefix_len; i++) { /* as expat counts breaks */
		char b = pc->prefix[i];

		pos.prefix_lines += b == '\r' || (b == '\n' && !cr);
		cr = b == '\r';
	}
	err = qg_xml_new(&x, name, h);
	if (!err) {
		x->piece = &pos;
		x->fed = 1;
		if (XML_Parse(x->p, pc->prefix, (int)pc->prefix_len, XML_FALSE) != XML_STATUS_OK)
			err = xml_failed(x);
	}
	while (!err) {
		void *buf;
		ssize_t n;

		if (pc->cancel && __atomic_load_n(pc->cancel, __ATOMIC_RELAXED)) {
			err = qg_error(QG_ECONFLICT, "'%s': the second piece's read was cancelled", name);
			break;
		}
		if (!(buf = XML_GetBuffer(x->p, (int)XML_BLOCK))) {
			err = xml_failed(x);
			break;
		}
		n = pread(fd, buf, XML_BLOCK, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = x->err = qg_error(QG_EINPUT, "'%s': cannot read: %s", name, strerror(errno));
			break;
		}
		at += n;
		if (XML_ParseBuffer(x->p, (int)n, n == 0) != XML_STATUS_OK) {
			err = xml_failed(x);
			break;
		}
		if (n == 0)
			break;
	}
	qg_xml_free(x);
	return err;
}
