/* test_table.c -- CSV/TSV/JSONL readers: dialect, positions, errors, buffering
 *
 * Most tests render everything the reader returns (columns, each record's
 * line/row, each cell's column, text and flags, errors, the final line count)
 * into one string and compare it with the expected rendering, and they do it
 * for many buffer sizes (block_size from 16 bytes up), so that every record
 * also lands across a refill and at exactly the buffer's end. The last tests
 * go through real files: a gzip-compressed CSV end to end and a field larger
 * than the default 1 MiB buffer.
 *
 * Size: past 800 lines because the renderings of the CSV and JSONL readers
 * share one harness (render, block sizes, SIMD levels); splitting it by
 * reader would copy that harness into a second file.
 */
#include "qgate/common.h"
#include "qgate/cpu.h"
#include "qgate/stream.h"
#include "qgate/table.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

static char dir[64];

static const size_t blocks[] = { 16, 17, 18, 19, 20, 23, 24, 31, 32, 33, 47, 63, 64, 65, 100, 127, 128, 4096, 0 };

static void render_text(struct qg_buf *o, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n')
			assert_int_equal(qg_buf_addstr(o, "\\n"), 0);
		else if (c == '\r')
			assert_int_equal(qg_buf_addstr(o, "\\r"), 0);
		else if (c < 0x20 || c >= 0x7f || c == '|')
			assert_int_equal(qg_buf_addf(o, "\\x%02x", c), 0);
		else
			assert_int_equal(qg_buf_addch(o, c), 0);
	}
}

static void render_flags(struct qg_buf *o, unsigned f)
{
	if (f & QG_CELL_QUOTED)
		assert_int_equal(qg_buf_addch(o, 'Q'), 0);
	if (f & QG_CELL_NULL)
		assert_int_equal(qg_buf_addch(o, 'N'), 0);
	if (f & QG_CELL_MISSING)
		assert_int_equal(qg_buf_addch(o, 'M'), 0);
	if (f & QG_CELL_NUMBER)
		assert_int_equal(qg_buf_addch(o, '#'), 0);
	if (f & QG_CELL_BOOL)
		assert_int_equal(qg_buf_addch(o, 'B'), 0);
	if (f & QG_CELL_NESTED)
		assert_int_equal(qg_buf_addch(o, 'J'), 0);
}

/* Everything the reader says about data, as text. The caller frees. */
static char *render(const char *data, size_t len, const char *name, const struct qg_table_opts *opts,
		    const char *const *columns, size_t nr_columns)
{
	struct qg_buf o = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_table *t;
	struct qg_record rec;
	const struct qg_cell *names;
	size_t nc, i;
	int r, guard = 0;

	r = qg_table_open_memory(&t, data, len, name, opts);
	if (r < 0) {
		assert_int_equal(qg_buf_addf(&o, "open: %d %s\n", r, qg_error_last()), 0);
		return qg_buf_detach(&o, NULL);
	}
	if (columns)
		assert_int_equal(qg_table_set_columns(t, columns, nr_columns), 0);
	nc = qg_table_columns(t, &names);
	assert_int_equal(qg_buf_addstr(&o, "cols:"), 0);
	for (i = 0; i < nc; i++) {
		assert_int_equal(qg_buf_addch(&o, ' '), 0);
		render_text(&o, names[i].ptr, names[i].len);
		assert_int_equal(names[i].ptr[names[i].len], '\0');
	}
	assert_int_equal(qg_buf_addch(&o, '\n'), 0);
	while ((r = qg_table_next(t, &rec)) != 0) {
		assert_true(++guard < 10000);
		if (r < 0) {
			assert_int_equal(qg_buf_addf(&o, "E%d %s\n", r, qg_error_last()), 0);
			if (qg_table_format(t) != QG_FORMAT_JSONL || r != QG_EPARSE ||
			    strstr(qg_error_last(), "longer than"))
				break;
			continue;
		}
		assert_int_equal(r, 1);
		assert_int_equal(qg_buf_addf(&o, "%lld/%lld", rec.line, rec.row), 0);
		if (rec.extra_keys)
			assert_int_equal(qg_buf_addf(&o, "+%zu", rec.extra_keys), 0);
		assert_int_equal(qg_buf_addstr(&o, ":"), 0);
		for (i = 0; i < rec.nr || i < nc; i++) {
			const struct qg_cell *c = &rec.cells[i];

			assert_int_equal(qg_buf_addstr(&o, i ? " | " : " "), 0);
			if (i == rec.nr)
				assert_int_equal(qg_buf_addstr(&o, "~ "), 0);
			assert_int_equal(qg_buf_addf(&o, "%lld:", qg_record_cell_column(&rec, i)), 0);
			render_text(&o, c->ptr, c->len);
			render_flags(&o, c->flags);
		}
		assert_int_equal(qg_buf_addch(&o, '\n'), 0);
	}
	assert_int_equal(qg_buf_addf(&o, "lines=%lld\n", qg_table_line(t)), 0);
	qg_table_free(t);
	return qg_buf_detach(&o, NULL);
}

/* Check the rendering at every block size, and with the default buffer. */
static void expect_opts(const char *data, size_t len, const char *name, struct qg_table_opts opts,
			const char *const *columns, size_t nr_columns, const char *want)
{
	size_t k;

	for (k = 0; k < QG_ARRAY_SIZE(blocks); k++) {
		char *got;

		opts.block_size = blocks[k];
		got = render(data, len, name, &opts, columns, nr_columns);
		if (strcmp(got, want)) {
			print_message("block_size %zu:\n--- got\n%s--- want\n%s", blocks[k], got, want);
			free(got);
			fail();
		}
		free(got);
	}
}

static void expect(const char *data, const char *name, const char *want)
{
	struct qg_table_opts opts = { 0 };

	expect_opts(data, strlen(data), name, opts, NULL, 0, want);
}

/* ------------------------------------------------------------------ */

static void test_table_csv_basic(void **state)
{
	(void)state;
	expect("id,name,score\n1,ann,3.5\n2,bob,\n", "x.csv",
	       "cols: id name score\n"
	       "2/1: 1:1 | 3:ann | 7:3.5\n"
	       "3/2: 1:2 | 3:bob | 7:\n"
	       "lines=3\n");
	/* no newline at the end, empty cells, a header only */
	expect("a,b\n,\n1,2", "x.csv", "cols: a b\n2/1: 1: | 2:\n3/2: 1:1 | 3:2\nlines=3\n");
	expect("a,b\n", "x.csv", "cols: a b\nlines=1\n");
	expect("", "x.csv", "cols:\nlines=0\n");
}

static void test_table_csv_quotes(void **state)
{
	(void)state;
	/* doubled quotes, delimiters and newlines inside quotes, empty quoted */
	expect("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"\"\n\"two\nlines\",\"q\"\"\",z\n9,\"\"\"\",\"a\r\nb\"\n",
	       "x.csv",
	       "cols: a b c\n"
	       "2/1: 1:x,yQ | 7:say \"hi\"Q | 20:Q\n"
	       "3/2: 1:two\\nlinesQ | 8:q\"Q | 14:z\n"
	       "5/3: 1:9 | 3:\"Q | 8:a\\r\\nbQ\n"
	       "lines=6\n");
}

static void test_table_csv_quotes_positions(void **state)
{
	(void)state;
	/* a record spanning lines reports its first line; cells after an
	 * embedded newline get the column in their own physical line */
	expect("h1,h2,h3\n\"a\nbb\nccc\",d,\"e\nf\"\nnext,1,2\n", "x.csv",
	       "cols: h1 h2 h3\n"
	       "2/1: 1:a\\nbb\\ncccQ | 6:d | 8:e\\nfQ\n"
	       "6/2: 1:next | 6:1 | 8:2\n"
	       "lines=6\n");
}

static void test_table_csv_crlf(void **state)
{
	(void)state;
	expect("a,b\r\n1,2\r\n\"x\r\ny\",\"z\"\r\n3,\r\n", "x.csv",
	       "cols: a b\n"
	       "2/1: 1:1 | 3:2\n"
	       "3/2: 1:x\\r\\nyQ | 4:zQ\n"
	       "5/3: 1:3 | 3:\n"
	       "lines=5\n");
	/* a CR not before LF is data; CRLF at the very end */
	expect("a\rb,c\r\n", "x.csv", "cols: a\\rb c\nlines=1\n");
	expect("a,b\r\n1,2\r", "x.csv", "cols: a b\n2/1: 1:1 | 3:2\nlines=2\n");
}

static void test_table_csv_bom(void **state)
{
	(void)state;
	expect("\xef\xbb\xbf" "id,v\n1,2\n", "x.csv", "cols: id v\n2/1: 1:1 | 3:2\nlines=2\n");
	/* headerless: the first cell of the first record loses the BOM */
	{
		struct qg_table_opts o = { .no_header = 1 };
		const char *d = "\xef\xbb\xbf" "\"q\",2\n";

		expect_opts(d, strlen(d), "x.csv", o, NULL, 0, "cols:\n1/1: 1:qQ | 5:2\nlines=1\n");
	}
	/* a BOM later in the file is data */
	expect("a\n\xef\xbb\xbfx\n", "x.csv", "cols: a\n2/1: 1:\\xef\\xbb\\xbfx\nlines=2\n");
}

static void test_table_csv_delimiter(void **state)
{
	struct qg_table_opts o = { .delimiter = ';' };
	const char *d = "a;b\n\"1;2\";3,4\n";

	(void)state;
	expect_opts(d, strlen(d), "x.csv", o, NULL, 0, "cols: a b\n2/1: 1:1;2Q | 7:3,4\nlines=2\n");
	/* TSV: tabs, and quotes are plain text */
	expect("a\tb\n\"x\ty\"\t\"z\"\n", "x.tsv", "cols: a b\n2/1: 1:\"x | 4:y\" | 7:\"z\"\nlines=2\n");
	o.delimiter = '"';
	expect_opts(d, strlen(d), "x.csv", o, NULL, 0,
		    "open: -3 'x.csv': invalid delimiter 0x22 (expected any byte but a quote or a line break)\n");
}

static void test_table_csv_missing_extra(void **state)
{
	(void)state;
	expect("a,b,c\n1\n1,2,3,4,5\n\"q\",\n", "x.csv",
	       "cols: a b c\n"
	       "2/1: 1:1 | ~ 2:M | 2:M\n"
	       "3/2: 1:1 | 3:2 | 5:3 | 7:4 | 9:5\n"
	       "4/3: 1:qQ | 5: | ~ 5:M\n"
	       "lines=4\n");
}

static void test_table_csv_bare_quote(void **state)
{
	(void)state;
	/* lenient: a quote inside an unquoted field is text; text after a
	 * closing quote is appended (Python's csv does the same) */
	expect("a,b\nx\"y,5\"\n\"ab\"cd,\"e\"\"f\"g\"h\n", "x.csv",
	       "cols: a b\n"
	       "2/1: 1:x\"y | 5:5\"\n"
	       "3/2: 1:abcdQ | 8:e\"fg\"hQ\n"
	       "lines=3\n");
}

static void test_table_csv_blank_lines(void **state)
{
	(void)state;
	expect("\n\na,b\n\n\r\n1,2\n\n\n3,4\n\n", "x.csv",
	       "cols: a b\n6/1: 1:1 | 3:2\n9/2: 1:3 | 3:4\nlines=10\n");
}

static void test_table_csv_unterminated(void **state)
{
	struct qg_table *t;
	struct qg_record rec;

	(void)state;
	expect("a,b\n1,2\n3,\"open\n\nmore", "x.csv",
	       "cols: a b\n2/1: 1:1 | 3:2\n"
	       "E-9 'x.csv':3:3: unterminated quoted field (opened here)\nlines=2\n");
	/* sticky: the same error again */
	assert_int_equal(qg_table_open_memory(&t, "a\n\"x", 4, "s.csv", NULL), 0);
	assert_int_equal(qg_table_next(t, &rec), QG_EPARSE);
	qg_error_clear();
	assert_int_equal(qg_table_next(t, &rec), QG_EPARSE);
	assert_string_equal(qg_error_last(), "'s.csv':2:1: unterminated quoted field (opened here)");
	qg_table_free(t);
	/* in the header */
	expect("a,\"b\n", "h.csv", "open: -9 'h.csv':1:3: unterminated quoted field (opened here)\n");
}

static void test_table_nul_and_invalid_utf8(void **state)
{
	static const char d[] = "a,b\n\x00x,\xff\xfe\n\"\x00\",\xc3\n";
	struct qg_table_opts o = { 0 };

	(void)state;
	expect_opts(d, sizeof(d) - 1, "x.csv", o, NULL, 0,
		    "cols: a b\n2/1: 1:\\x00x | 4:\\xff\\xfe\n3/2: 1:\\x00Q | 5:\\xc3\nlines=3\n");
	{
		static const char j[] = "{\"a\":\"\xff\x00?\"}\n";

		expect_opts(j, sizeof(j) - 1, "x.jsonl", o, NULL, 0,
			    "cols:\nE-9 'x.jsonl':1:8: control character 0x00 in a string (expected it escaped)\n"
			    "lines=1\n");
	}
	expect("{\"a\":\"\xff\xc3(\"}\n", "x.jsonl", "cols: a\n1/1: 6:\\xff\\xc3(Q\nlines=1\n");
}

/* A record that ends exactly at the end of the buffer, and one that starts
 * there, at every block size around the record length. */
static void test_table_buffer_boundary(void **state)
{
	struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT), want = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_table_opts o = { 0 };
	size_t bs;
	int i;

	(void)state;
	assert_int_equal(qg_buf_addstr(&d, "k,v\n"), 0);
	assert_int_equal(qg_buf_addstr(&want, "cols: k v\n"), 0);
	for (i = 0; i < 40; i++) {
		assert_int_equal(qg_buf_addf(&d, "%d,\"%.*s\"\n", i, i % 23, "abcdefghijklmnopqrstuvwxyz"), 0);
		assert_int_equal(qg_buf_addf(&want, "%d/%d: 1:%d | %d:%.*sQ\n", i + 2, i + 1, i, i < 10 ? 3 : 4,
					     i % 23, "abcdefghijklmnopqrstuvwxyz"), 0);
	}
	assert_int_equal(qg_buf_addf(&want, "lines=41\n"), 0);
	for (bs = 16; bs < 80; bs++) {
		char *got;

		o.block_size = bs;
		got = render(d.buf, d.len, "b.csv", &o, NULL, 0);
		assert_string_equal(got, want.buf);
		free(got);
	}
	qg_buf_release(&d);
	qg_buf_release(&want);
}

static void test_table_max_record(void **state)
{
	struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_table_opts o = { .max_record = 100 };
	size_t k;

	(void)state;
	assert_int_equal(qg_buf_addstr(&d, "a,b\n1,2\n3,"), 0);
	for (k = 0; k < 300; k++)
		assert_int_equal(qg_buf_addch(&d, 'x'), 0);
	assert_int_equal(qg_buf_addstr(&d, "\n5,6\n"), 0);
	expect_opts(d.buf, d.len, "long.csv", o, NULL, 0,
		    "cols: a b\n2/1: 1:1 | 3:2\n"
		    "E-9 'long.csv':3: record longer than 100 bytes (the maximum record size)\nlines=2\n");
	/* exactly at the cap is fine */
	qg_buf_reset(&d);
	assert_int_equal(qg_buf_addstr(&d, "a\n"), 0);
	for (k = 0; k < 100; k++)
		assert_int_equal(qg_buf_addch(&d, 'y'), 0);
	assert_int_equal(qg_buf_addstr(&d, "\n"), 0);
	{
		char *got = render(d.buf, d.len, "cap.csv", &o, NULL, 0);

		assert_non_null(strstr(got, "2/1: 1:yyyy"));
		free(got);
	}
	/* a quoted field that never ends is cut by the cap too */
	qg_buf_reset(&d);
	assert_int_equal(qg_buf_addstr(&d, "a\n\""), 0);
	for (k = 0; k < 1000; k++)
		assert_int_equal(qg_buf_addstr(&d, "z\n"), 0);
	expect_opts(d.buf, d.len, "q.csv", o, NULL, 0,
		    "cols: a\nE-9 'q.csv':2: record longer than 100 bytes (the maximum record size)\nlines=1\n");
	/* JSONL */
	qg_buf_reset(&d);
	assert_int_equal(qg_buf_addstr(&d, "{\"a\":1}\n{\"a\":\""), 0);
	for (k = 0; k < 300; k++)
		assert_int_equal(qg_buf_addch(&d, 'x'), 0);
	assert_int_equal(qg_buf_addstr(&d, "\"}\n"), 0);
	expect_opts(d.buf, d.len, "long.jsonl", o, NULL, 0,
		    "cols: a\n1/1: 6:1#\n"
		    "E-9 'long.jsonl':2: record longer than 100 bytes (the maximum record size)\nlines=1\n");
	/* a whitespace-only line over the cap is too long too, whatever the
	 * buffer size (found by fuzz_jsonl) */
	qg_buf_reset(&d);
	for (k = 0; k < 120; k++)
		assert_int_equal(qg_buf_addch(&d, '\t'), 0);
	assert_int_equal(qg_buf_addstr(&d, "\n{\"a\":1}\n"), 0);
	expect_opts(d.buf, d.len, "blank.jsonl", o, NULL, 0,
		    "cols:\nE-9 'blank.jsonl':1: record longer than 100 bytes (the maximum record size)\nlines=0\n");
	qg_buf_release(&d);
}

static void test_table_jsonl_basic(void **state)
{
	(void)state;
	expect("{\"id\": 1, \"name\": \"ann\", \"ok\": true, \"x\": null, \"tags\": [\"a\", {\"b\": [1, 2]}]}\n"
	       "\n"
	       "   \r\n"
	       "{\"name\":\"bob\",\"id\":-2.5e+3,\"extra\":{},\"ok\":false,\"name\":\"bo\"}\n"
	       "{}\n"
	       "{\"tags\":{\"k\":\"}\"},\"id\":0}",
	       "x.jsonl",
	       "cols: id name ok x tags\n"
	       "1/1: 8:1# | 19:annQ | 32:trueB | 43:N | 57:[\"a\", {\"b\": [1, 2]}]J\n"
	       "4/2+1: 20:-2.5e+3# | 57:boQ | 44:falseB | 61:M | 61:M\n"
	       "5/3: 2:M | 2:M | 2:M | 2:M | 2:M\n"
	       "6/4: 24:0# | 25:M | 25:M | 25:M | 9:{\"k\":\"}\"}J\n"
	       "lines=6\n");
}

static void test_table_jsonl_escapes(void **state)
{
	(void)state;
	expect("{\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\",\"u\":\"\\u00e9\\u20AC\\ud83d\\ude00\\u0000!\","
	       "\"lone\":\"\\ud800x\\udc00\",\"k\\u0065y\":1}\n",
	       "x.jsonl",
	       "cols: s u lone key\n"
	       "1/1: 6:q\"b\\s/n\\nt\\x09r\\rb\\x08f\\x0cQ | 37:\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\\x00!Q"
	       " | 78:\\xed\\xa0\\x80x\\xed\\xb0\\x80Q | 105:1#\n"
	       "lines=1\n");
}

static void test_table_jsonl_errors(void **state)
{
	(void)state;
	expect("{\"a\":1}\n"
	       "[1]\n"
	       "{\"a\":1,}\n"
	       "{\"a\" 1}\n"
	       "{\"a\":tru}\n"
	       "{\"a\":01}\n"
	       "{\"a\":1.}\n"
	       "{\"a\":\"x\\q\"}\n"
	       "{\"a\":\"\\u12g4\"}\n"
	       "{\"a\":[1,2}\n"
	       "{\"a\":1} {\n"
	       "{\"a\":\"open}\n"
	       "{a:1}\n"
	       "{\"a\":{\"b\" 2}}\n"
	       "{\"a\":-}\n"
	       "{\"a\":1e}\n"
	       "{\"a\":2}\n",
	       "e.jsonl",
	       "cols: a\n"
	       "1/1: 6:1#\n"
	       "E-9 'e.jsonl':2:1: expected '{' at the start of a record, found '['\n"
	       "E-9 'e.jsonl':3:8: expected a string key, found '}'\n"
	       "E-9 'e.jsonl':4:6: expected ':' after key \"a\", found '1'\n"
	       "E-9 'e.jsonl':5:6: invalid literal (expected true)\n"
	       "E-9 'e.jsonl':6:7: expected ',' or '}' after a value, found '1'\n"
	       "E-9 'e.jsonl':7:8: expected a digit after '.', found '}'\n"
	       "E-9 'e.jsonl':8:8: invalid escape '\\q' in a string (expected one of \"\\/bfnrtu after '\\')\n"
	       "E-9 'e.jsonl':9:7: invalid \\u escape (expected 4 hex digits)\n"
	       "E-9 'e.jsonl':10:10: expected ',' or ']', found '}'\n"
	       "E-9 'e.jsonl':11:9: expected the end of the line after the object, found '{'\n"
	       "E-9 'e.jsonl':12:6: unterminated string (expected a closing '\"')\n"
	       "E-9 'e.jsonl':13:2: expected a string key, found 'a'\n"
	       "E-9 'e.jsonl':14:11: expected ':' after a key, found '2'\n"
	       "E-9 'e.jsonl':15:7: expected a digit in the number starting at column 6, found '}'\n"
	       "E-9 'e.jsonl':16:8: expected a digit in the exponent, found '}'\n"
	       "17/2: 6:2#\n"
	       "lines=17\n");
	/* a malformed first line: the first good object names the columns */
	expect("{\"a\":\n{\"b\":1}\n", "f.jsonl",
	       "cols:\nE-9 'f.jsonl':1:6: expected a value, found end of line\n2/1: 6:1#\nlines=2\n");
	/* deep nesting is an error, not a stack overflow */
	{
		struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT);
		char *got;
		int k;

		assert_int_equal(qg_buf_addstr(&d, "{\"a\":"), 0);
		for (k = 0; k < 5000; k++)
			assert_int_equal(qg_buf_addch(&d, '['), 0);
		assert_int_equal(qg_buf_addstr(&d, "}\n"), 0);
		got = render(d.buf, d.len, "deep.jsonl", NULL, NULL, 0);
		assert_non_null(strstr(got, "'deep.jsonl':1:1030: nesting deeper than 1024 levels"));
		free(got);
		qg_buf_release(&d);
	}
}

static void test_table_jsonl_set_columns(void **state)
{
	static const char *const cols[] = { "b", "zz", "a" };
	struct qg_table_opts o = { 0 };
	const char *d = "{\"a\":1,\"b\":2,\"c\":3}\n{\"b\":\"x\",\"c\":{},\"d\":[]}\n";
	struct qg_table *t;
	struct qg_record rec;

	(void)state;
	expect_opts(d, strlen(d), "s.jsonl", o, cols, 3, "cols: b zz a\n"
		    "1/1+1: 12:2# | 19:M | 6:1#\n"
		    "2/2+2: 6:xQ | 23:M | 23:M\n"
		    "lines=2\n");
	/* too late once reading started */
	assert_int_equal(qg_table_open_memory(&t, d, strlen(d), "s.jsonl", NULL), 0);
	assert_int_equal(qg_table_next(t, &rec), 1);
	assert_int_equal(qg_table_set_columns(t, cols, 3), QG_EUSAGE);
	qg_table_free(t);
	/* CSV with a header refuses; headerless CSV takes names */
	assert_int_equal(qg_table_open_memory(&t, "a,b\n1,2\n", 8, "s.csv", NULL), 0);
	assert_int_equal(qg_table_set_columns(t, cols, 3), QG_EUSAGE);
	qg_table_free(t);
	o.no_header = 1;
	expect_opts("1,2\n", 4, "n.csv", o, cols, 3, "cols: b zz a\n1/1: 1:1 | 3:2 | ~ 4:M\nlines=1\n");
}

static void test_table_format_detect(void **state)
{
	(void)state;
	assert_int_equal(qg_table_format_of("a/b.csv"), QG_FORMAT_CSV);
	assert_int_equal(qg_table_format_of("B.CSV.GZ"), QG_FORMAT_CSV);
	assert_int_equal(qg_table_format_of("x.tsv.zst"), QG_FORMAT_TSV);
	assert_int_equal(qg_table_format_of("x.ndjson"), QG_FORMAT_JSONL);
	assert_int_equal(qg_table_format_of("https://h/x.jsonl?sig=1.csv"), QG_FORMAT_JSONL);
	assert_int_equal(qg_table_format_of("x.json"), QG_FORMAT_AUTO);
	assert_int_equal(qg_table_format_of("-"), QG_FORMAT_AUTO);
	/* sniffing when the name says nothing */
	expect("  {\"a\":1}\n", "-", "cols: a\n1/1: 8:1#\nlines=1\n");
	expect("a\tb\n1\t2\n", "-", "cols: a b\n2/1: 1:1 | 3:2\nlines=2\n");
	expect("a,b\tc\n1,2\n", "-", "cols: a b\\x09c\n2/1: 1:1 | 3:2\nlines=2\n");
}

/* The batch call and the one-record call share one sequence of records. */
static void test_table_next_batch(void **state)
{
	struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_table_opts o = { .block_size = 100 };
	struct qg_table *t;
	struct qg_record rec;
	const struct qg_record *recs;
	long long want = 1;
	int i, r, k, calls = 0;

	(void)state;
	assert_int_equal(qg_buf_addstr(&d, "n,sq\n"), 0);
	for (i = 1; i <= 3000; i++)
		assert_int_equal(qg_buf_addf(&d, "%d,%d\n", i, i * i), 0);
	assert_int_equal(qg_table_open_memory(&t, d.buf, d.len, "b.csv", &o), 0);
	for (;;) {
		if (calls++ % 2) {
			if ((r = qg_table_next(t, &rec)) == 0)
				break;
			assert_int_equal(r, 1);
			recs = &rec;
		} else {
			if ((r = qg_table_next_batch(t, &recs)) == 0)
				break;
			assert_true(r >= 1);
		}
		for (k = 0; k < r; k++, want++) {
			assert_int_equal(recs[k].row, want);
			assert_int_equal(recs[k].line, want + 1);
			assert_int_equal(strtoll(recs[k].cells[0].ptr, NULL, 10), want);
			assert_int_equal(strtoll(recs[k].cells[1].ptr, NULL, 10), want * want);
		}
	}
	assert_int_equal(want, 3001);
	assert_true(calls < 3000); /* batches hold more than one record */
	qg_table_free(t);
	qg_buf_release(&d);
}

static uint64_t xorshift(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* qg_table_batch_regular(): 1 exactly when every record of the batch has as
 * many cells as columns, and then the cells are one array (record r's at
 * recs[0].cells + r * columns); checked on batches with short, long and
 * quoted rows at random places, with every block size the cells move at. */
static void test_table_batch_regular(void **state)
{
	static const char *rows[] = { "1,a,x\n", "2,\"b,c\",y\n", "3,\"q\"\"q\",z\n", "4,d\n", "5,e,f,g\n", "\n",
				      "6,,\n", "7,\"multi\nline\",w\r\n" };
	uint64_t x = 0x2545F4914F6CDD1Dull;
	int regular = 0, irregular = 0;

	(void)state;
	for (int round = 0; round < 400; round++) {
		struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT);
		struct qg_table_opts o = { .block_size = 64 + (size_t)((x = xorshift(x)) % 4000) };
		struct qg_table *t;
		const struct qg_record *recs;
		int r;

		assert_int_equal(qg_buf_addstr(&d, "id,s,t\n"), 0);
		for (int i = 0; i < 600; i++) {
			unsigned k = (unsigned)((x = xorshift(x)) >> 33) % 100;
			/* mostly plain rows, sometimes one of the others */
			assert_int_equal(qg_buf_addstr(&d, k < 97 ? rows[0] : rows[1 + (x >> 20) % 7]), 0);
		}
		assert_int_equal(qg_table_open_memory(&t, d.buf, d.len, "r.csv", &o), 0);
		while ((r = qg_table_next_batch(t, &recs)) > 0) {
			int all = 1;

			for (int k = 0; k < r; k++)
				all &= recs[k].nr == 3;
			assert_int_equal(qg_table_batch_regular(t), all);
			regular += all;
			irregular += !all;
			if (all) {
				for (int k = 0; k < r; k++)
					assert_ptr_equal(recs[k].cells, recs[0].cells + (size_t)k * 3);
			}
		}
		assert_int_equal(r, 0);
		qg_table_free(t);
		qg_buf_release(&d);
	}
	/* both kinds were met */
	assert_true(regular > 100);
	assert_true(irregular > 100);
}

/* A record of 300000 empty cells is refused, not stored. */
static void test_table_too_many_cells(void **state)
{
	size_t n = 300000;
	char *d = malloc(n + 3);
	struct qg_table_opts o = { .no_header = 1 };
	struct qg_table *t;
	struct qg_record rec;

	(void)state;
	assert_non_null(d);
	memcpy(d, "x\n", 2);
	memset(d + 2, ',', n);
	d[n + 2] = '\n';
	assert_int_equal(qg_table_open_memory(&t, d, n + 3, "w.csv", &o), 0);
	assert_int_equal(qg_table_next(t, &rec), 1);
	assert_int_equal(qg_table_next(t, &rec), QG_EPARSE);
	assert_string_equal(qg_error_last(), "'w.csv':2: record has more than 262144 cells");
	qg_table_free(t);
	free(d);
}

/* ------------------------------------------------------------------ */
/* through real files */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/qg-table-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_table_gz_end_to_end(void **state)
{
	struct qg_buf csv = QG_BUF_INIT(QG_CAP_REPORT);
	char path[128];
	struct qg_stream *s;
	struct qg_table *t;
	struct qg_record rec;
	gzFile gz;
	long long rows = 0, sum = 0;
	int i, r;

	(void)state;
	assert_int_equal(qg_buf_addstr(&csv, "n,text\r\n"), 0);
	for (i = 1; i <= 50000; i++)
		assert_int_equal(qg_buf_addf(&csv, "%d,\"line %d, \"\"quoted\"\"\"\r\n", i, i), 0);
	snprintf(path, sizeof(path), "%s/d.csv.gz", dir);
	assert_non_null(gz = gzopen(path, "wb"));
	assert_int_equal(gzwrite(gz, csv.buf, (unsigned)csv.len), (int)csv.len);
	assert_int_equal(gzclose(gz), Z_OK);

	assert_int_equal(qg_stream_open(&s, path, 0), 0);
	assert_int_equal(qg_table_open(&t, s, NULL), 0);
	assert_int_equal(qg_table_format(t), QG_FORMAT_CSV);
	while ((r = qg_table_next(t, &rec)) == 1) {
		char want[64];

		rows++;
		assert_int_equal(rec.nr, 2);
		assert_int_equal(rec.line, rows + 1);
		sum += strtoll(rec.cells[0].ptr, NULL, 10);
		snprintf(want, sizeof(want), "line %lld, \"quoted\"", rows);
		assert_int_equal(rec.cells[1].len, strlen(want));
		assert_memory_equal(rec.cells[1].ptr, want, strlen(want));
	}
	assert_int_equal(r, 0);
	assert_int_equal(rows, 50000);
	assert_int_equal(sum, 50000LL * 50001 / 2);
	assert_int_equal(qg_table_line(t), 50001);
	assert_string_equal(qg_table_name(t), path);
	qg_table_free(t);
	qg_buf_release(&csv);
}

/* A 3 MiB field: bigger than the default 1 MiB buffer, which must grow. */
static void test_table_long_field(void **state)
{
	char path[128];
	struct qg_stream *s;
	struct qg_table *t;
	struct qg_record rec;
	FILE *f;
	size_t k, big = (size_t)3 << 20;

	(void)state;
	snprintf(path, sizeof(path), "%s/long.jsonl", dir);
	assert_non_null(f = fopen(path, "wb"));
	fputs("{\"a\":1,\"b\":\"", f);
	for (k = 0; k < big; k++)
		fputc('a' + (int)(k % 26), f);
	fputs("\"}\n{\"b\":\"\",\"a\":2}\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(qg_stream_open(&s, path, 0), 0);
	assert_int_equal(qg_table_open(&t, s, NULL), 0);
	assert_int_equal(qg_table_next(t, &rec), 1);
	assert_int_equal(rec.cells[1].len, big);
	assert_int_equal(rec.cells[1].ptr[big - 1], 'a' + (int)((big - 1) % 26));
	assert_int_equal(qg_table_next(t, &rec), 1);
	assert_int_equal(rec.line, 2);
	assert_int_equal(rec.cells[0].len, 1);
	assert_int_equal(rec.cells[0].ptr[0], '2');
	assert_int_equal(qg_table_next(t, &rec), 0);
	qg_table_free(t);

	/* the same with a cap below it: an error naming the line, no allocation of it */
	{
		struct qg_table_opts o = { .max_record = (size_t)1 << 20 };

		assert_int_equal(qg_stream_open(&s, path, 0), 0);
		assert_int_equal(qg_table_open(&t, s, &o), 0);
		assert_int_equal(qg_table_next(t, &rec), QG_EPARSE);
		assert_non_null(strstr(qg_error_last(), "long.jsonl':1: record longer than 1048576 bytes"));
		qg_table_free(t);
	}
}

/* The common records' loop (table_simple.h: portable, SSE2 and AVX2) and
 * the general splitter's blocks (portable and SSE2) against the general
 * splitter with portable blocks, on random CSV/TSV: the same cells, columns,
 * lines and errors at every block size and every QG_SIMD level
 * (include/qgate/cpu.h; a level the CPU lacks runs the next one down). */
static void test_table_simple_loop_same(void **state)
{
	static const char *const alpha[] = { "ab,\n", "ab,,\n\n\r", "a,\n\"", "ab\t\n\r\"" };
	static const char *const levels[] = { "scalar", "sse2", "avx2" };
	uint64_t x = 0x9E3779B97F4A7C15ull;
	char data[600];

	(void)state;
	for (int it = 0; it < 3000; it++) {
		const char *a = alpha[it % 4];
		size_t k = strlen(a), n;
		struct qg_table_opts opts = { 0 };
		char *general;

		memcpy(data, "h1,h2,h3\n", 9);
		if (it % 4 == 3)
			memcpy(data, "h1\th2\th3\n", 9);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = 9 + (size_t)(x % 500);
		for (size_t i = 9; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* mostly whole records of three cells */
			data[i] = (x >> 40) % 4 ? (it % 4 == 3 ? "abc\tde\tf\n" : "abc,de,f\n")[i % 9] : a[(x >> 8) % k];
		}
		opts.format = it % 4 == 3 ? QG_FORMAT_TSV : QG_FORMAT_CSV;
		opts.max_record = (it % 5) ? 0 : 12;
		opts.block_size = blocks[(size_t)it % QG_ARRAY_SIZE(blocks)];
		setenv("QG_SIMD", "general", 1);
		general = render(data, n, "r.csv", &opts, NULL, 0);
		for (size_t l = 0; l < QG_ARRAY_SIZE(levels); l++) {
			char *other;

			setenv("QG_SIMD", levels[l], 1);
			other = render(data, n, "r.csv", &opts, NULL, 0);
			if (strcmp(general, other))
				print_message("input %d:\n--- general\n%s--- %s\n%s", it, general, levels[l], other);
			assert_string_equal(general, other);
			free(other);
		}
		unsetenv("QG_SIMD");
		free(general);
	}
}

/* The QG_SIMD switch: each name lowers the level, never raises it above the
 * CPU's, and the CPU's own level is asked once (the same answer each time). */
static void test_table_cpu_level(void **state)
{
	enum qg_cpu_level hw = qg_cpu_level_hw();

	(void)state;
	assert_int_equal(qg_cpu_level_hw(), hw);
	assert_true(hw >= QG_CPU_SCALAR);
#if QG_SIMD_SSE2
	assert_true(hw >= QG_CPU_SSE2);
#else
	assert_int_equal(hw, QG_CPU_SCALAR);
#endif
	unsetenv("QG_SIMD");
	assert_int_equal(qg_cpu_level(), hw);
	setenv("QG_SIMD", "general", 1);
	assert_int_equal(qg_cpu_level(), QG_CPU_GENERAL);
	setenv("QG_SIMD", "0", 1);
	assert_int_equal(qg_cpu_level(), QG_CPU_SCALAR);
	setenv("QG_SIMD", "scalar", 1);
	assert_int_equal(qg_cpu_level(), QG_CPU_SCALAR);
	setenv("QG_SIMD", "sse2", 1);
	assert_int_equal(qg_cpu_level(), hw < QG_CPU_SSE2 ? hw : QG_CPU_SSE2);
	setenv("QG_SIMD", "avx2", 1);
	assert_int_equal(qg_cpu_level(), hw);
	setenv("QG_SIMD", "bogus", 1);
	assert_int_equal(qg_cpu_level(), hw);
	unsetenv("QG_SIMD");
	assert_string_equal(qg_cpu_level_name(QG_CPU_SSE2), "sse2");
	assert_string_equal(qg_cpu_level_name(QG_CPU_GENERAL), "general");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_csv_basic),
		cmocka_unit_test(test_table_csv_quotes),
		cmocka_unit_test(test_table_csv_quotes_positions),
		cmocka_unit_test(test_table_csv_crlf),
		cmocka_unit_test(test_table_csv_bom),
		cmocka_unit_test(test_table_csv_delimiter),
		cmocka_unit_test(test_table_csv_missing_extra),
		cmocka_unit_test(test_table_csv_bare_quote),
		cmocka_unit_test(test_table_csv_blank_lines),
		cmocka_unit_test(test_table_csv_unterminated),
		cmocka_unit_test(test_table_nul_and_invalid_utf8),
		cmocka_unit_test(test_table_buffer_boundary),
		cmocka_unit_test(test_table_max_record),
		cmocka_unit_test(test_table_jsonl_basic),
		cmocka_unit_test(test_table_jsonl_escapes),
		cmocka_unit_test(test_table_jsonl_errors),
		cmocka_unit_test(test_table_jsonl_set_columns),
		cmocka_unit_test(test_table_format_detect),
		cmocka_unit_test(test_table_next_batch),
		cmocka_unit_test(test_table_batch_regular),
		cmocka_unit_test(test_table_too_many_cells),
		cmocka_unit_test(test_table_gz_end_to_end),
		cmocka_unit_test(test_table_long_field),
		cmocka_unit_test(test_table_simple_loop_same),
		cmocka_unit_test(test_table_cpu_level),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
