/* fuzz_xml.c -- libFuzzer target for the streaming XML reader
 *
 * The first input byte picks the limits (a tiny text_cap, a shallow
 * max_depth) and the piece size; the rest is the document. The target is its
 * own oracle: the document parsed whole (qg_xml_parse_buf) and pushed in
 * pieces (qg_xml_new/feed) must give the same events (element names,
 * attributes, positions, text, truncation) and the same error. Any error must
 * be QG_EINPUT (or QG_ENOMEM) naming "fuzz.xml". A difference aborts. (The
 * error's position may differ: expat sometimes names another spot for the
 * same malformation when it sees the bytes one at a time.)
 */
#include "qgate/common.h"

#include "qgate/xml.h"

struct dig {
	struct qg_buf o;
};

static int dig_start(void *ud, const char *name, const char **attrs)
{
	struct dig *d = ud;
	const struct qg_xml *x = qg_xml_current();

	if (!x)
		abort();
	if (qg_buf_addf(&d->o, "<%s@%lld:%lld", name, qg_xml_line(x), qg_xml_column(x)) < 0)
		return QG_ENOMEM;
	for (size_t i = 0; attrs[i]; i += 2)
		if (qg_buf_addf(&d->o, " %s=%s", attrs[i], attrs[i + 1]) < 0)
			return QG_ENOMEM;
	return 0;
}

static int dig_end(void *ud, const char *name, const char *text, size_t len)
{
	struct dig *d = ud;
	const struct qg_xml *x = qg_xml_current();

	if (!x || text[len] != '\0')
		abort();
	if (qg_buf_add(&d->o, text, len) < 0 ||
	    qg_buf_addf(&d->o, "%s</%s>", qg_xml_text_truncated(x) ? "~" : "", name) < 0)
		return QG_ENOMEM;
	return 0;
}

static void check_err(int err)
{
	if (err && err != QG_ENOMEM && (err != QG_EINPUT || strncmp(qg_error_last(), "'fuzz.xml'", 10)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dig whole = { QG_BUF_INIT(QG_CAP_REPORT) }, piece = { QG_BUF_INIT(QG_CAP_REPORT) };
	struct qg_xml_handler h = { .start = dig_start, .end = dig_end };
	struct qg_xml *x;
	size_t step;
	int e1, e2 = 0;

	if (!size)
		return 0;
	h.text_cap = data[0] & 1 ? 5 : 0;
	h.max_depth = data[0] & 2 ? 4 : 0;
	step = (size_t)(data[0] >> 2) + 1;
	data++, size--;

	h.ud = &whole;
	e1 = qg_xml_parse_buf((const char *)data, size, "fuzz.xml", &h);
	check_err(e1);

	h.ud = &piece;
	if (qg_xml_new(&x, "fuzz.xml", &h) < 0)
		goto out;
	for (size_t off = 0; off < size && !e2; off += step)
		e2 = qg_xml_feed(x, (const char *)data + off, size - off < step ? size - off : step, 0);
	if (!e2)
		e2 = qg_xml_feed(x, NULL, 0, 1);
	qg_xml_free(x);
	check_err(e2);
	if (e1 != QG_ENOMEM && e2 != QG_ENOMEM) {
		/* expat may name a different spot (or token) for the same
		 * malformation when bytes arrive in pieces; success and the
		 * events of a good document must agree */
		if (!e1 != !e2 || (!e1 && strcmp(whole.o.buf, piece.o.buf)))
			abort();
	}
out:
	qg_buf_release(&whole.o);
	qg_buf_release(&piece.o);
	return 0;
}
