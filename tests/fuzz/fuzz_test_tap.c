/* fuzz_test_tap.c -- libFuzzer target for qgate-test's TAP push parser
 *
 * The first input byte picks the piece size; the rest is the stream. The
 * target is its own oracle: the stream fed whole and fed in pieces must
 * give the same verdict (the same error message, or the same results: names,
 * outcomes, messages, details, suite errors), since a test's stdout arrives
 * in whatever pieces the pipe gives. Errors are QG_EINPUT (or QG_ENOMEM)
 * naming the stream. A difference aborts.
 */
#include "qgate/common.h"

#include "test/test.h"

static int digest(struct qg_buf *o, const uint8_t *data, size_t size, size_t step)
{
	struct test_tap *t;
	struct test_results rs = { 0 };
	int err = test_tap_new(&t, "fuzz.tap", "cls");

	if (err)
		return err;
	for (size_t off = 0; !err && off < size; off += step)
		err = test_tap_feed(t, (const char *)data + off, size - off < step ? size - off : step);
	if (!err)
		err = test_tap_finish(t, &rs);
	test_tap_free(t);
	if (err) {
		if (err != QG_ENOMEM && (err != QG_EINPUT || strncmp(qg_error_last(), "'fuzz.tap'", 10)))
			abort();
		if (rs.nr)
			abort();
		if (qg_buf_addf(o, "error %d %s\n", err, qg_error_last()) < 0)
			return QG_ENOMEM;
		return err;
	}
	if (qg_buf_addf(o, "bail %lld\n", rs.suite_errors) < 0)
		return QG_ENOMEM;
	for (size_t i = 0; i < rs.nr; i++) {
		const struct test_case *c = &rs.v[i];

		if (strcmp(c->classname, "cls") || strcmp(c->source, "fuzz.tap") || c->outcome > TEST_ERROR)
			abort();
		if (qg_buf_addf(o, "%d %s|%s|%s\n", (int)c->outcome, c->name, c->message ? c->message : "-",
				c->detail ? c->detail : "-") < 0) {
			test_results_release(&rs);
			return QG_ENOMEM;
		}
	}
	test_results_release(&rs);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qg_buf whole = QG_BUF_INIT(QG_CAP_REPORT), piece = QG_BUF_INIT(QG_CAP_REPORT);
	size_t step;
	int e1, e2;

	if (!size)
		return 0;
	step = (size_t)data[0] + 1;
	data++, size--;
	e1 = digest(&whole, data, size, size ? size : 1);
	e2 = digest(&piece, data, size, step);
	if (e1 != QG_ENOMEM && e2 != QG_ENOMEM && (e1 != e2 || strcmp(whole.buf, piece.buf)))
		abort();
	qg_buf_release(&whole);
	qg_buf_release(&piece);
	return 0;
}
