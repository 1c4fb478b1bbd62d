/* test_xml.c -- the streaming expat reader: hostile input refused, text and positions exact
 *
 * Each test records the events a document gives (start with its attributes
 * and position, end with its text) into a string and compares it, so the
 * same document parsed whole, from a file and in 1-byte pieces can be
 * checked to give the same events.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/xml.h"

struct rec {
	struct qg_buf ev;
	int fail_on_end; /* return an error from end() of this element name's first match */
	const char *fail_name;
};

static int rec_start(void *ud, const char *name, const char **attrs)
{
	struct rec *r = ud;
	const struct qg_xml *x = qg_xml_current();
	int err;

	assert_non_null(x);
	err = qg_buf_addf(&r->ev, "<%s@%lld:%lld", name, qg_xml_line(x), qg_xml_column(x));
	for (size_t i = 0; !err && attrs[i]; i += 2)
		err = qg_buf_addf(&r->ev, " %s=%s", attrs[i], attrs[i + 1]);
	if (!err)
		err = qg_buf_addstr(&r->ev, ">");
	return err;
}

static int rec_end(void *ud, const char *name, const char *text, size_t len)
{
	struct rec *r = ud;
	const struct qg_xml *x = qg_xml_current();
	int err = qg_buf_addf(&r->ev, "[%.*s]%s</%s>", (int)len, text, qg_xml_text_truncated(x) ? "~" : "", name);

	assert_int_equal(strlen(text), len); /* NUL-terminated at len */
	if (!err && r->fail_name && !strcmp(name, r->fail_name))
		return qg_error(QG_EINPUT, "stop at %s line %lld", name, qg_xml_line(x));
	return err;
}

static void rec_init(struct rec *r, struct qg_xml_handler *h)
{
	memset(r, 0, sizeof(*r));
	qg_buf_init(&r->ev, QG_CAP_REPORT);
	memset(h, 0, sizeof(*h));
	h->start = rec_start;
	h->end = rec_end;
	h->ud = r;
}

static void test_xml_events_and_positions(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n<a x='1'>\n  <b y=\"&lt;&amp;\">t&#233;xt</b><c/>\n</a>\n";
	struct rec r;
	struct qg_xml_handler h;

	(void)state;
	rec_init(&r, &h);
	assert_int_equal(qg_xml_parse_buf(doc, strlen(doc), "d.xml", &h), 0);
	assert_string_equal(r.ev.buf, "<a@2:1 x=1><b@3:3 y=<&>[t\xc3\xa9xt]</b><c@3:33>[]</c>[\n  \n]</a>");
	assert_null(qg_xml_current());
	qg_buf_release(&r.ev);
}

static void test_xml_cdata_and_entities_decoded(void **state)
{
	static const char doc[] = "<f m=\"&quot;q&apos;\">a &lt;b&gt; <![CDATA[<not> &amp; tags]]> c</f>";
	struct rec r;
	struct qg_xml_handler h;

	(void)state;
	rec_init(&r, &h);
	assert_int_equal(qg_xml_parse_buf(doc, strlen(doc), "d.xml", &h), 0);
	assert_string_equal(r.ev.buf, "<f@1:1 m=\"q'>[a <b> <not> &amp; tags c]</f>");
	qg_buf_release(&r.ev);
}

static void test_xml_billion_laughs_refused(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n"
				  "<!DOCTYPE lolz [\n"
				  " <!ENTITY lol \"lol\">\n"
				  " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
				  " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
				  "]>\n<lolz>&lol2;</lolz>\n";
	static const char ext[] = "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>";
	static const char param[] = "<!DOCTYPE a [<!ENTITY % p SYSTEM \"http://example.invalid/x.dtd\"> %p;]><a/>";
	struct rec r;
	struct qg_xml_handler h;

	(void)state;
	rec_init(&r, &h);
	assert_int_equal(qg_xml_parse_buf(doc, strlen(doc), "bomb.xml", &h), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'bomb.xml':3:15: entity declarations are refused"));
	assert_string_equal(r.ev.buf, ""); /* nothing delivered, nothing expanded */
	assert_int_equal(qg_xml_parse_buf(ext, strlen(ext), "ext.xml", &h), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'ext.xml':1:"));
	assert_non_null(strstr(qg_error_last(), "entity declarations are refused"));
	assert_int_equal(qg_xml_parse_buf(param, strlen(param), "p.xml", &h), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "entity declarations are refused"));
	assert_string_equal(r.ev.buf, "");
	qg_buf_release(&r.ev);
}

static void test_xml_deep_nesting_refused(void **state)
{
	struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT);
	struct rec r;
	struct qg_xml_handler h;

	(void)state;
	rec_init(&r, &h);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(qg_buf_addstr(&d, "<a>"), 0);
	assert_int_equal(qg_xml_parse_buf(d.buf, d.len, "deep.xml", &h), QG_EINPUT);
	/* the 257th <a> starts at column 256 * 3 + 1 */
	assert_string_equal(qg_error_last(), "'deep.xml':1:769: elements nested deeper than 256 levels are refused");
	/* a smaller limit is honoured; exactly max_depth levels pass */
	h.max_depth = 3;
	r.ev.len = 0;
	assert_int_equal(qg_xml_parse_buf("<a><b><c/></b></a>", 18, "ok.xml", &h), 0);
	assert_int_equal(qg_xml_parse_buf("<a><b><c><d/></c></b></a>", 25, "no.xml", &h), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'no.xml':1:10: elements nested deeper than 3 levels"));
	qg_buf_release(&d);
	qg_buf_release(&r.ev);
}

static void test_xml_truncated_text_flagged(void **state)
{
	struct rec r;
	struct qg_xml_handler h;
	static const char doc[] = "<a>0123456789<b>xy</b>abcdef</a>";

	(void)state;
	rec_init(&r, &h);
	h.text_cap = 8;
	assert_int_equal(qg_xml_parse_buf(doc, strlen(doc), "t.xml", &h), 0);
	/* the child's text is its own; the parent's is capped across the child */
	assert_string_equal(r.ev.buf, "<a@1:1><b@1:14>[xy]</b>[01234567]~</a>");
	r.ev.len = 0;
	h.text_cap = 0; /* default 64 KiB: a 100 KiB text is cut there */
	{
		struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT);
		size_t n = 100 << 10;

		assert_int_equal(qg_buf_addstr(&d, "<a>"), 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(qg_buf_addch(&d, 'z'), 0);
		assert_int_equal(qg_buf_addstr(&d, "</a>"), 0);
		assert_int_equal(qg_xml_parse_buf(d.buf, d.len, "big.xml", &h), 0);
		assert_int_equal(r.ev.len, strlen("<a@1:1>[") + (64 << 10) + strlen("]~</a>"));
		qg_buf_release(&d);
	}
	qg_buf_release(&r.ev);
}

static void test_xml_errors_name_position(void **state)
{
	struct rec r;
	struct qg_xml_handler h;
	static const char bad[] = "<a>\n  <b></c>\n</a>";
	static const char cut[] = "<a>\n<b>text";

	(void)state;
	rec_init(&r, &h);
	assert_int_equal(qg_xml_parse_buf(bad, strlen(bad), "bad.xml", &h), QG_EINPUT);
	assert_string_equal(qg_error_last(), "'bad.xml':2:8: mismatched tag");
	assert_int_equal(qg_xml_parse_buf(cut, strlen(cut), "cut.xml", &h), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'cut.xml':2:"));
	assert_non_null(strstr(qg_error_last(), "truncated?"));
	assert_int_equal(qg_xml_parse_buf("", 0, "empty.xml", &h), QG_EINPUT);
	assert_string_equal(qg_error_last(), "'empty.xml': empty, expected an XML document");
	assert_int_equal(qg_xml_parse_buf("not xml", 7, "t.txt", &h), QG_EINPUT);
	assert_string_equal(qg_error_last(), "'t.txt':1:1: syntax error");
	/* a callback's error stops the parse and is returned as is */
	r.fail_name = "b";
	assert_int_equal(qg_xml_parse_buf("<a>\n<b/><c/></a>", 16, "cb.xml", &h), QG_EINPUT);
	assert_string_equal(qg_error_last(), "stop at b line 2");
	assert_string_equal(r.ev.buf + r.ev.len - 4, "</b>"); /* <c> never seen */
	qg_buf_release(&r.ev);
}

static void test_xml_push_one_byte_pieces_same_events(void **state)
{
	static const char doc[] = "\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>\n<!-- c -->\n"
				  "<suites n=\"a&#x1F600;b\">\n <s a='1'\n   b='2'><![CDATA[x]]>y&amp;z</s>\r\n"
				  " <t>\xf0\x9f\x98\x80</t></suites>\n<!-- after -->\n";
	struct rec whole, piece;
	struct qg_xml_handler hw, hp;
	struct qg_xml *x;
	char tmp[] = "/tmp/test_xml_XXXXXX";
	int fd;

	(void)state;
	rec_init(&whole, &hw);
	rec_init(&piece, &hp);
	assert_int_equal(qg_xml_parse_buf(doc, strlen(doc), "d.xml", &hw), 0);
	assert_int_equal(qg_xml_new(&x, "d.xml", &hp), 0);
	for (size_t i = 0; i < strlen(doc); i++)
		assert_int_equal(qg_xml_feed(x, doc + i, 1, 0), 0);
	assert_int_equal(qg_xml_feed(x, NULL, 0, 1), 0);
	qg_xml_free(x);
	assert_string_equal(whole.ev.buf, piece.ev.buf);
	assert_non_null(strstr(whole.ev.buf, "<s@4:2 a=1 b=2>[xy&z]</s>"));
	/* and from a file */
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	piece.ev.len = 0;
	assert_int_equal(qg_xml_parse_file(tmp, "f.xml", &hp), 0);
	assert_string_equal(whole.ev.buf, piece.ev.buf);
	/* an error sticks: later feeds return it */
	assert_int_equal(qg_xml_new(&x, "s.xml", &hp), 0);
	assert_int_equal(qg_xml_feed(x, "<a></b>", 7, 0), QG_EINPUT);
	assert_int_equal(qg_xml_feed(x, "<c/>", 4, 1), QG_EINPUT);
	qg_xml_free(x);
	unlink(tmp);
	assert_int_equal(qg_xml_parse_file(tmp, NULL, &hp), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "cannot open"));
	qg_buf_release(&whole.ev);
	qg_buf_release(&piece.ev);
}

static void test_xml_attr(void **state)
{
	const char *attrs[] = { "a", "1", "b", "", NULL };

	(void)state;
	assert_string_equal(qg_xml_attr(attrs, "a"), "1");
	assert_string_equal(qg_xml_attr(attrs, "b"), "");
	assert_null(qg_xml_attr(attrs, "c"));
	assert_null(qg_xml_attr(NULL, "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_events_and_positions),
		cmocka_unit_test(test_xml_cdata_and_entities_decoded),
		cmocka_unit_test(test_xml_billion_laughs_refused),
		cmocka_unit_test(test_xml_deep_nesting_refused),
		cmocka_unit_test(test_xml_truncated_text_flagged),
		cmocka_unit_test(test_xml_errors_name_position),
		cmocka_unit_test(test_xml_push_one_byte_pieces_same_events),
		cmocka_unit_test(test_xml_attr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
