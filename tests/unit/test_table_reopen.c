/* test_table_reopen.c -- one reader re-opened over many files reads each as a fresh one
 *
 * qg_table_reopen() keeps the buffers of the stream it finished and resets
 * everything else: each file's header, records, lines, rows, errors and
 * format must come out as qg_table_open() gives them, whatever the file
 * before it was (longer, shorter, JSONL after CSV, an error before).
 */
#include "qgate/common.h"
#include "qgate/stream.h"
#include "qgate/table.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static struct qg_stream *open_s(const char *name)
{
	char path[128];
	struct qg_stream *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(qg_stream_open(&s, path, 0), 0);
	return s;
}

/* Everything the reader says about a file, as one string. */
static void render(struct qg_table *t, struct qg_buf *o)
{
	const struct qg_cell *names;
	size_t nc = qg_table_columns(t, &names);
	struct qg_record rec;
	int r;

	for (size_t i = 0; i < nc; i++)
		assert_int_equal(qg_buf_addf(o, "%s%.*s", i ? "," : "[", (int)names[i].len, names[i].ptr), 0);
	assert_int_equal(qg_buf_addstr(o, "]"), 0);
	while ((r = qg_table_next(t, &rec)) == 1) {
		assert_int_equal(qg_buf_addf(o, " %lld/%lld:", rec.line, rec.row), 0);
		for (size_t i = 0; i < rec.nr; i++)
			assert_int_equal(qg_buf_addf(o, "%s%.*s", i ? "|" : "", (int)rec.cells[i].len, rec.cells[i].ptr), 0);
	}
	if (r < 0)
		assert_int_equal(qg_buf_addf(o, " error %d", r), 0);
	assert_int_equal(qg_buf_addf(o, " lines=%lld", qg_table_line(t)), 0);
}

static void fresh(const char *name, const struct qg_table_opts *o, struct qg_buf *out)
{
	struct qg_table *t = NULL;

	assert_int_equal(qg_table_open(&t, open_s(name), o), 0);
	render(t, out);
	qg_table_free(t);
}

static void test_table_reopen_equals_open(void **state)
{
	static const char *const files[] = { "a.csv", "b.csv", "c.jsonl", "d.csv", "e.csv", "a.csv" };
	struct qg_table_opts o = { 0 };
	struct qg_table *t = NULL;
	char big[9000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	put("a.csv", "id,name\n1,ann\n2,\"b\nob\"\n");
	{
		struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
		assert_int_equal(qg_buf_addf(&b, "k,v,w\r\n1,%s,3\r\n\r\n2,y,z\r\n", big), 0);
		put("b.csv", b.buf);
		qg_buf_release(&b);
	}
	put("c.jsonl", "{\"p\": 1, \"q\": \"r\"}\n{\"q\": \"s\"}\n");
	put("d.csv", "only\n\"unterminated\n");
	put("e.csv", "\xef\xbb\xbfz\n9");
	o.block_size = 64; /* the first file's buffer is small; the big one grows it */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT), got = QG_BUF_INIT(QG_CAP_REPORT);
		int r;

		fresh(files[i], &o, &want);
		if (!t)
			r = qg_table_open(&t, open_s(files[i]), &o);
		else
			r = qg_table_reopen(t, open_s(files[i]), &o);
		assert_int_equal(r, 0);
		assert_int_equal(qg_table_format(t), qg_table_format_of(files[i]));
		render(t, &got);
		assert_string_equal(got.buf, want.buf);
		qg_buf_release(&want);
		qg_buf_release(&got);
	}
	qg_table_free(t);
}

/* A header that cannot be read: reopen fails like open, and the table can
 * still be freed (or reopened on the next file). */
static void test_table_reopen_failure(void **state)
{
	struct qg_table_opts o = { 0 };
	struct qg_table *t = NULL;
	struct qg_buf got = QG_BUF_INIT(QG_CAP_REPORT);

	(void)state;
	put("h.csv", "\"open header\n");
	put("ok.csv", "a\n1\n");
	assert_int_equal(qg_table_open(&t, open_s("ok.csv"), &o), 0);
	assert_true(qg_table_reopen(t, open_s("h.csv"), &o) < 0);
	assert_int_equal(qg_table_reopen(t, open_s("ok.csv"), &o), 0);
	render(t, &got);
	assert_string_equal(got.buf, "[a] 2/1:1 lines=2");
	qg_buf_release(&got);
	qg_table_free(t);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/qg-reopen-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = { "a.csv", "b.csv", "c.jsonl", "d.csv", "e.csv", "h.csv", "ok.csv" };
	char path[128];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_reopen_equals_open),
		cmocka_unit_test(test_table_reopen_failure),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
