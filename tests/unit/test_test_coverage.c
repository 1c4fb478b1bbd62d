/* test_test_coverage.c -- qgate-test's coverage readers, model and gate, called directly
 *
 * The end-to-end test (t_test_coverage.sh) checks the numbers against gcov,
 * lcov and gcovr on a real build; this one holds the edge cases those tools
 * do not produce on demand: records of one file merged, summaries that lie,
 * '-' branches, repeated gcov lines, Cobertura method lines, paths with
 * "./", "..", and a root prefix, every malformed input naming its position,
 * and the thresholds decided on counts, not on rounded percentages.
 */
#include "qgate/common.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/result.h"

#include "test/coverage.h"
#include "test/test.h"

static void model_at(struct cov_model *m, const char *root)
{
	assert_int_equal(cov_model_init(m, root), 0);
}

static void test_cov_percent_floors(void **state)
{
	(void)state;
	assert_true(cov_percent(999, 1000) == 99.9);
	assert_true(cov_percent(99999, 100000) == 99.99);
	assert_true(cov_percent(2, 3) == 66.66);
	assert_true(cov_percent(3, 3) == 100.0);
	assert_true(cov_percent(0, 0) == 100.0);
	assert_true(cov_percent(0, 7) == 0.0);
}

static void norm_is(const char *in, const char *want)
{
	char b[256];

	snprintf(b, sizeof(b), "%s", in);
	cov_path_normalize(b);
	assert_string_equal(b, want);
}

static void test_cov_path_normalize(void **state)
{
	(void)state;
	norm_is("./src/a.c", "src/a.c");
	norm_is("src//./b/../a.c", "src/a.c");
	norm_is("/r/build/../src/a.c", "/r/src/a.c");
	norm_is("/../a.c", "/a.c");
	norm_is("../x/a.c", "../x/a.c");
	norm_is("a/../../x", "../x");
	norm_is(".", ".");
	norm_is("a/", "a");
	norm_is("/", "/");
}

static const char lcov_two_records[] =
	"TN:unit\n"
	"SF:/repo/src/a.c\n"
	"FN:1,main\nFNDA:1,main\nFNF:1\nFNH:1\n"
	"DA:1,1\nDA:2,0\nDA:3,5,abcdef\n"
	"BRDA:2,0,0,-\nBRDA:2,0,1,-\nBRDA:3,0,0,4\nBRDA:3,0,1,0\n"
	"BRF:99\nBRH:99\nLF:99\nLH:99\n"
	"end_of_record\n"
	"TN:other\r\n"
	"SF:/repo/./src/../src/a.c\r\n"
	"DA:2,3\r\nDA:4,0\r\n"
	"BRDA:2,0,0,1\r\nBRDA:3,0,1,0\r\n"
	"VER:2.0\r\n"
	"end_of_record\r\n"
	"SF:/elsewhere/include/stdio.h\n"
	"DA:10,1 \n"
	"end_of_record \t\n";

static void test_cov_lcov_records_merged(void **state)
{
	struct cov_model m;
	const struct cov_file *f;
	const struct cov_line *l;

	(void)state;
	model_at(&m, "/repo");
	assert_int_equal(cov_read_lcov_buf(&m, lcov_two_records, sizeof(lcov_two_records) - 1, "t.info"), 0);
	assert_int_equal(cov_model_finish(&m), 0);
	assert_int_equal(m.nr_files, 2);
	f = cov_model_find(&m, "src/a.c");
	assert_non_null(f);
	/* lines 1..4; line 2 hit in the second record; LF/LH ignored */
	assert_int_equal(f->lines_valid, 4);
	assert_int_equal(f->lines_covered, 3);
	l = cov_file_find(f, 2);
	assert_non_null(l);
	assert_int_equal(l->hits, 3);
	/* branches: (2,0,0) taken in record 2, (2,0,1) never; (3,0,0) taken, (3,0,1) 0+0 */
	assert_int_equal(f->br_valid, 4);
	assert_int_equal(f->br_covered, 2);
	assert_int_equal(l->br_total, 2);
	assert_int_equal(l->br_taken, 1);
	/* outside the root: kept, absolute */
	assert_non_null(cov_model_find(&m, "/elsewhere/include/stdio.h"));
	assert_int_equal(m.lines_valid, 5);
	assert_int_equal(m.lines_covered, 4);
	cov_model_release(&m);
}

typedef int (*reader_fn)(struct cov_model *, const char *, size_t, const char *);

/* The reader refuses doc with QG_EINPUT and a message holding want. */
static void read_fails(reader_fn read, const char *name, const char *doc, const char *want)
{
	struct cov_model m;

	model_at(&m, "/repo");
	assert_int_equal(read(&m, doc, strlen(doc), name), QG_EINPUT);
	if (!strstr(qg_error_last(), want))
		fail_msg("error '%s' does not hold '%s'", qg_error_last(), want);
	cov_model_release(&m);
}

static void lcov_fails(const char *doc, const char *want)
{
	read_fails(cov_read_lcov_buf, "bad.info", doc, want);
}

static void test_cov_lcov_malformed(void **state)
{
	(void)state;
	lcov_fails("DA:1,1\n", "'bad.info':1:1: DA outside a record");
	lcov_fails("SF:a.c\nDA:x,1\nend_of_record\n", "'bad.info':2:4: line number 'x'");
	lcov_fails("SF:a.c\nDA:3,1z\nend_of_record\n", "'bad.info':2:6: count '1z'");
	lcov_fails("SF:a.c\nDA:0,1\nend_of_record\n", "'bad.info':2:4:");
	lcov_fails("SF:a.c\nDA:3\nend_of_record\n", "'bad.info':2:4: DA needs line,count");
	lcov_fails("SF:a.c\nBRDA:3,0,1\nend_of_record\n", "'bad.info':2:6: BRDA needs");
	lcov_fails("SF:a.c\nBRDA:3,0,1,q\nend_of_record\n", "'bad.info':2:12: count 'q'");
	lcov_fails("SF:a.c\nDA:1,1\n", "'bad.info':3:1: end of file inside the record of line 1");
	lcov_fails("SF:a.c\nDA:1,1", "'bad.info':3:1: end of file inside");
	lcov_fails("SF:a.c\nSF:b.c\n", "'bad.info':2:1: SF inside the record of line 1");
	lcov_fails("end_of_record\n", "'bad.info':1:1: end_of_record outside");
	lcov_fails("<?xml version=\"1.0\"?>\n", "'bad.info':1:1: '<?xml version=\"1.0\"?>' is not an lcov record");
	lcov_fails("SF:\n", "'bad.info':1:4: SF names no file");
	lcov_fails("", "'bad.info': no lcov record");
	lcov_fails("\n\nTN:x\n", "'bad.info': no lcov record");
}

static void test_cov_lcov_negative_and_huge(void **state)
{
	static const char doc[] = "SF:a.c\nDA:1,-1\nDA:2,99999999999999999999999\nend_of_record\n";
	struct cov_model m;
	const struct cov_file *f;

	(void)state;
	model_at(&m, "/repo");
	assert_int_equal(cov_read_lcov_buf(&m, doc, sizeof(doc) - 1, "n.info"), 0);
	assert_int_equal(cov_model_finish(&m), 0);
	f = &m.files[0];
	assert_int_equal(cov_file_find(f, 1)->hits, 0); /* lcov clamps negative counts */
	assert_true(cov_file_find(f, 2)->hits == ULLONG_MAX);
	cov_model_release(&m);
}

static const char gcov_doc[] =
	"{\"format_version\": \"1\", \"gcc_version\": \"12.2.0\", \"current_working_directory\": \"/repo/build\",\n"
	" \"data_file\": \"a.gcda\", \"files\": [\n"
	"  {\"file\": \"../src/a.c\", \"functions\": [], \"lines\": [\n"
	"   {\"line_number\": 3, \"count\": 2, \"branches\": [{\"count\": 2, \"throw\": false, \"fallthrough\": true},\n"
	"                                           {\"count\": 0, \"throw\": false, \"fallthrough\": false}]},\n"
	"   {\"line_number\": 4, \"count\": 0, \"branches\": []},\n"
	"   {\"line_number\": 3, \"count\": 1, \"branches\": [{\"count\": 0}]}]},\n"
	"  {\"file\": \"/usr/include/x.h\", \"lines\": [{\"line_number\": 1, \"count\": 0}]}]}\n";

static void test_cov_gcov_json(void **state)
{
	struct cov_model m;
	const struct cov_file *f;
	const struct cov_line *l;

	(void)state;
	model_at(&m, "/repo");
	assert_int_equal(cov_read_gcov_buf(&m, gcov_doc, sizeof(gcov_doc) - 1, "a.gcov.json"), 0);
	/* the same translation unit again: hits summed, branches merged by position */
	assert_int_equal(cov_read_gcov_buf(&m, gcov_doc, sizeof(gcov_doc) - 1, "a.gcov.json"), 0);
	assert_int_equal(cov_model_finish(&m), 0);
	f = cov_model_find(&m, "src/a.c");
	assert_non_null(f);
	assert_int_equal(f->lines_valid, 2);
	assert_int_equal(f->lines_covered, 1);
	l = cov_file_find(f, 3);
	assert_int_equal(l->hits, 6);
	/* line 3: three branches (two from the first entry, one numbered on from the second) */
	assert_int_equal(l->br_total, 3);
	assert_int_equal(l->br_taken, 1);
	assert_non_null(cov_model_find(&m, "/usr/include/x.h"));
	cov_model_release(&m);
}

static void gcov_fails(const char *doc, const char *want)
{
	read_fails(cov_read_gcov_buf, "g.json", doc, want);
}

static void test_cov_gcov_malformed(void **state)
{
	(void)state;
	gcov_fails("{\"files\": [\n  {\"file\": \"a.c\", \"lines\": [}\n", "g.json");
	gcov_fails("[]", "'g.json': expected a gcov JSON object");
	gcov_fails("{\"format_version\": \"3\", \"files\": []}", "format_version 3");
	gcov_fails("{\"gcc_version\": \"12\"}", "'g.json': files: expected an array");
	gcov_fails("{\"files\": [{\"lines\": []}]}", "files[0].file");
	gcov_fails("{\"files\": [{\"file\": \"a.c\", \"lines\": [{\"line_number\": 0, \"count\": 1}]}]}",
		   "files[0].lines[0].line_number");
	gcov_fails("{\"files\": [{\"file\": \"a.c\", \"lines\": [{\"line_number\": 2, \"count\": -1}]}]}",
		   "files[0].lines[0].count");
	gcov_fails("{\"files\": [{\"file\": \"a.c\", \"lines\": [{\"line_number\": 2, \"count\": 1, \"branches\": [{}]}]}]}",
		   "files[0].lines[0].branches[0].count");
}

static const char cobertura_doc[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE coverage SYSTEM \"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n"
	"<coverage line-rate=\"1\" branch-rate=\"1\" lines-covered=\"100\" lines-valid=\"100\" version=\"x\" timestamp=\"1\">\n"
	" <sources><source>/nowhere</source><source>\n  /repo\n </source></sources>\n"
	" <packages><package name=\"src\"><classes>\n"
	"  <class name=\"a\" filename=\"src/a.c\">\n"
	"   <methods><method name=\"f\"><lines><line number=\"1\" hits=\"9\"/><line number=\"77\" hits=\"0\"/></lines></method></methods>\n"
	"   <lines>\n"
	"    <line number=\"1\" hits=\"3\" branch=\"false\"/>\n"
	"    <line number=\"2\" hits=\"0\" branch=\"true\" condition-coverage=\"50% (1/2)\"/>\n"
	"    <line number=\"3\" hits=\"1\" branch=\"true\"/>\n"
	"   </lines>\n"
	"  </class>\n"
	" </classes></package></packages>\n"
	"</coverage>\n";

static void test_cov_cobertura_in_and_out(void **state)
{
	struct cov_model m, again;
	const struct cov_file *f;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);

	(void)state;
	model_at(&m, "/repo");
	assert_int_equal(cov_read_cobertura_buf(&m, cobertura_doc, sizeof(cobertura_doc) - 1, "c.xml"), 0);
	assert_int_equal(cov_model_finish(&m), 0);
	/* /nowhere/src/a.c does not exist: the first source is the base */
	f = cov_model_find(&m, "/nowhere/src/a.c");
	assert_non_null(f);
	assert_int_equal(f->lines_valid, 3);     /* method lines skipped, declared totals ignored */
	assert_int_equal(f->lines_covered, 2);
	assert_int_equal(f->br_valid, 2);
	assert_int_equal(f->br_covered, 1);
	assert_int_equal(cov_write_cobertura(&out, &m, 1700000000), 0);
	assert_non_null(strstr(out.buf, "lines-covered=\"2\" lines-valid=\"3\" branches-covered=\"1\" branches-valid=\"2\""));
	assert_non_null(strstr(out.buf, "timestamp=\"1700000000\""));
	assert_non_null(strstr(out.buf, "condition-coverage=\"50% (1/2)\""));
	/* what was written reads back to the same model */
	model_at(&again, "/repo");
	assert_int_equal(cov_read_cobertura_buf(&again, out.buf, out.len, "out.xml"), 0);
	assert_int_equal(cov_model_finish(&again), 0);
	assert_int_equal(again.lines_valid, 3);
	assert_int_equal(again.lines_covered, 2);
	assert_int_equal(again.br_valid, 2);
	assert_int_equal(again.br_covered, 1);
	qg_buf_release(&out);
	cov_model_release(&again);
	cov_model_release(&m);
}

static void cob_fails(const char *doc, const char *want)
{
	read_fails(cov_read_cobertura_buf, "c.xml", doc, want);
}

static void test_cov_cobertura_malformed(void **state)
{
	(void)state;
	cob_fails("<testsuites/>", "'c.xml':1:1: root element <testsuites> is not <coverage>");
	cob_fails("<coverage>\n<line number=\"1\" hits=\"1\"/></coverage>", "'c.xml':2:1: <line> outside a <class>");
	cob_fails("<coverage><class>\n</class></coverage>", "'c.xml':1:11: <class> without a filename");
	cob_fails("<coverage><class filename=\"a\">\n <line number=\"x\" hits=\"1\"/></class></coverage>", "'c.xml':2:2:");
	cob_fails("<coverage><class filename=\"a\">\n <line number=\"1\" hits=\"-1\"/></class></coverage>", "'c.xml':2:2:");
	cob_fails("<coverage><class filename=\"a\"><line number=\"1\" hits=\"1\" branch=\"true\" condition-coverage=\"50%\"/>"
		  "</class></coverage>",
		  "condition-coverage");
	cob_fails("<coverage><class filename=\"a\"><line number=\"1\" hits=\"1\"", "'c.xml':1:");
	cob_fails("", "c.xml");
	/* an entity bomb is refused before anything is expanded, deep nesting too */
	cob_fails("<?xml version=\"1.0\"?>\n<!DOCTYPE coverage [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>\n"
		  "<coverage><class filename=\"&b;\"/></coverage>",
		  "'c.xml':2:32: entity declarations are refused");
	char deep[4096];
	size_t n = (size_t)snprintf(deep, sizeof(deep), "<coverage>");

	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "<x>");
	cob_fails(deep, "'c.xml':1:200: elements nested deeper than 64 levels");
}

/* ---- the gate, on files ---- */

static char tmpdir[] = "/tmp/qg-cov-unit.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *path_of(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
	return p[i];
}

static struct test_cov_opts opts_none(void)
{
	struct test_cov_opts o = { NULL, NULL, NULL, -1, -1, -1, NULL, NULL };

	return o;
}

static void test_cov_gate_thresholds(void **state)
{
	struct qg_result r;
	struct test_cov_opts o = opts_none();
	const struct qg_check *c;

	(void)state;
	/* 2 of 3 lines, 1 of 4 branches */
	write_file("g.info", "SF:x.c\nDA:1,1\nDA:2,1\nDA:3,0\nBRDA:1,0,0,1\nBRDA:1,0,1,0\nBRDA:2,0,0,-\nBRDA:2,0,1,-\nend_of_record\n");
	o.lcov = path_of("g.info");
	o.coverage_min = 66.67; /* 66.666..% is below, though it prints 66.66 */
	o.branch_min = 25;
	o.cobertura_out = path_of("out.xml");
	assert_int_equal(qg_result_init(&r, "test", "0"), 0);
	assert_int_equal(test_coverage_gate(&o, &r), 0);
	c = qg_result_find_check(&r, "coverage.lines");
	assert_non_null(c);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_true(c->observed.number == 66.66);
	assert_int_equal(c->count, 1);
	c = qg_result_find_check(&r, "coverage.branches");
	assert_non_null(c);
	assert_int_equal(c->status, QG_STATUS_PASS);
	assert_true(qg_json_number(qg_json_get(r.metrics, "line_coverage")) == 66.66);
	assert_true(qg_json_number(qg_json_get(r.metrics, "branch_coverage")) == 25);
	assert_int_equal(qg_result_exit_code(&r), 1);
	assert_int_equal(r.subject.nr_artifacts, 1);
	assert_int_equal(access(o.cobertura_out, F_OK), 0);
	qg_result_release(&r);

	o.coverage_min = 66.66;
	assert_int_equal(qg_result_init(&r, "test", "0"), 0);
	assert_int_equal(test_coverage_gate(&o, &r), 0);
	assert_int_equal(qg_result_find_check(&r, "coverage.lines")->status, QG_STATUS_PASS);
	assert_int_equal(qg_result_exit_code(&r), 0);
	qg_result_release(&r);
}

static void test_cov_gate_usage_and_input_errors(void **state)
{
	struct qg_result r;
	struct test_cov_opts o = opts_none();

	(void)state;
	assert_int_equal(test_cov_given(&o), 0);
	o.coverage_min = 80;
	assert_int_equal(test_coverage_gate(&o, NULL), QG_EUSAGE); /* a threshold without input */
	o.lcov = path_of("none.info");
	o.coverage_min = 101;
	assert_int_equal(test_coverage_gate(&o, NULL), QG_EUSAGE);
	o.coverage_min = -1;
	o.diff_min = 50;
	assert_int_equal(test_coverage_gate(&o, NULL), QG_EUSAGE); /* --diff-coverage-min without --base */
	o.diff_min = -1;
	o.branch_min = 10;
	write_file("nobr.info", "SF:x.c\nDA:1,1\nend_of_record\n");
	o.lcov = path_of("nobr.info");
	assert_int_equal(qg_result_init(&r, "test", "0"), 0);
	assert_int_equal(test_coverage_gate(&o, &r), 0);
	assert_int_equal(qg_result_find_check(&r, "coverage.branches")->status, QG_STATUS_ERROR);
	assert_int_equal(qg_result_exit_code(&r), 3);
	qg_result_release(&r);
	o.branch_min = -1;
	o.lcov = path_of("missing.info");
	assert_int_equal(qg_result_init(&r, "test", "0"), 0);
	assert_int_equal(test_coverage_gate(&o, &r), QG_EINPUT);
	qg_result_release(&r);
	write_file("empty.info", "TN:\n");
	o.lcov = path_of("empty.info");
	assert_int_equal(qg_result_init(&r, "test", "0"), 0);
	assert_int_equal(test_coverage_gate(&o, &r), QG_EINPUT);
	qg_result_release(&r);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = { "g.info", "out.xml", "nobr.info", "empty.info" };

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(names); i++)
		unlink(path_of(names[i]));
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cov_percent_floors),
		cmocka_unit_test(test_cov_path_normalize),
		cmocka_unit_test(test_cov_lcov_records_merged),
		cmocka_unit_test(test_cov_lcov_malformed),
		cmocka_unit_test(test_cov_lcov_negative_and_huge),
		cmocka_unit_test(test_cov_gcov_json),
		cmocka_unit_test(test_cov_gcov_malformed),
		cmocka_unit_test(test_cov_cobertura_in_and_out),
		cmocka_unit_test(test_cov_cobertura_malformed),
		cmocka_unit_test(test_cov_gate_thresholds),
		cmocka_unit_test(test_cov_gate_usage_and_input_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
