/* test_lint_parse.c -- qgate-lint's report parsers, --run's splitting and the json/yaml/xml checks
 *
 * The peer reports in ../shared/peer-reports (QG_SHARED overrides) are read
 * in place and counted against MANIFEST.tsv; without ../shared those tests
 * are skipped, loudly. The rest are edge cases written here.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "lint/jsonscan.h"
#include "lint/parse.h"

struct counts {
	int err, warn, note, hidden;
};

static struct counts count(const struct lint_findings *fs)
{
	struct counts c = { 0, 0, 0, 0 };
	size_t i;

	for (i = 0; i < fs->nr; i++) {
		if (fs->v[i].flags & LINT_F_HIDDEN)
			c.hidden++;
		else if (fs->v[i].level == LINT_ERROR)
			c.err++;
		else if (fs->v[i].level == LINT_WARNING)
			c.warn++;
		else
			c.note++;
	}
	return c;
}

static int parse_str(const char *parser, const char *tool, const char *text, struct lint_findings *fs,
		     struct lint_tools *ts)
{
	return lint_parse_buf(NULL, parser, tool, "t.txt", text, strlen(text), fs, ts);
}

static void test_gcc_text(void **state)
{
	struct lint_findings fs = { 0 };
	struct lint_tools ts = { 0 };
	const char *txt =
		"In file included from a.h:3,\n"
		"                 from main.c:1:\n"
		"b.h:10:5: warning: unused variable 'x' [-Wunused-variable]\n"
		"   10 |     int x;\n"
		"      |         ^\n"
		"main.c: In function 'f':\n"
		"main.c:4:1: error: expected ';' before '}' token\n"
		"main.c:2:3: note: to match this '('\n"
		"fo:o.c:7: warning: old style [-Werror=old-style-definition]\n"
		"x.cpp:3:9: warning: use auto [modernize-use-auto,-warnings-as-errors]\n"
		"\x1b[01m\x1b[Kc.c:1:2:\x1b[m\x1b[K \x1b[01;31m\x1b[Kfatal error: \x1b[m\x1b[Kz.h: No such file\n"
		"s.sh:3:6: note: Double quote to prevent globbing. [SC2086]\n"
		"y.yml:2:1: [error] duplication of key \"a\" in mapping (key-duplicates)\n"
		"y.yml:5:81: [warning] line too long (90 > 80 characters) (line-length)\n"
		"4 warnings generated.\n"
		"foo.o: undefined reference to 'bar'\n"
		"/d/file.c:12:15: file.h: No such file or directory\n";

	assert_int_equal(parse_str("gcc", NULL, txt, &fs, &ts), 0);
	assert_int_equal(fs.nr, 8);
	assert_string_equal(fs.v[0].file, "b.h");
	assert_int_equal(fs.v[0].line, 10);
	assert_int_equal(fs.v[0].column, 5);
	assert_string_equal(fs.v[0].rule, "-Wunused-variable");
	assert_string_equal(fs.v[0].message, "unused variable 'x' (included from a.h:3, main.c:1)");
	assert_int_equal(fs.v[1].level, LINT_ERROR);
	assert_string_equal(fs.v[1].rule, "diagnostic");
	assert_string_equal(fs.v[1].message, "expected ';' before '}' token; note: main.c:2:3: to match this '('");
	assert_string_equal(fs.v[2].file, "fo:o.c");
	assert_int_equal(fs.v[2].column, 0);
	assert_string_equal(fs.v[2].rule, "-Wold-style-definition");
	assert_string_equal(fs.v[3].rule, "modernize-use-auto");
	assert_string_equal(fs.v[4].file, "c.c");
	assert_int_equal(fs.v[4].level, LINT_ERROR);
	assert_string_equal(fs.v[4].message, "z.h: No such file");
	assert_int_equal(fs.v[5].level, LINT_NOTE); /* a note with its own rule is a finding */
	assert_string_equal(fs.v[5].rule, "SC2086");
	assert_string_equal(fs.v[6].rule, "key-duplicates");
	assert_int_equal(fs.v[6].level, LINT_ERROR);
	assert_string_equal(fs.v[6].message, "duplication of key \"a\" in mapping");
	assert_string_equal(fs.v[7].rule, "line-length");
	assert_string_equal(fs.v[7].tool, "gcc");
	assert_int_equal(ts.nr, 1);
	lint_findings_release(&fs);
	lint_tools_release(&ts);
	/* an orphan note (nothing before it) counts as a note */
	assert_int_equal(parse_str("gcc", "cc", "a.c:1:1: note: hello\n", &fs, NULL), 0);
	assert_int_equal(fs.nr, 1);
	assert_int_equal(fs.v[0].level, LINT_NOTE);
	assert_string_equal(fs.v[0].tool, "cc");
	lint_findings_release(&fs);
	/* empty input: nothing, no error */
	assert_int_equal(parse_str("gcc", NULL, "", &fs, NULL), 0);
	assert_int_equal(fs.nr, 0);
}

static void test_sarif_rules(void **state)
{
	struct lint_findings fs = { 0 };
	struct lint_tools ts = { 0 };
	struct counts c;
	const char *log =
		"{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"T\",\"version\":\"1.2\","
		"\"rules\":[{\"id\":\"R0\",\"defaultConfiguration\":{\"level\":\"error\"},"
		"\"messageStrings\":{\"m\":{\"text\":\"value {0} of {1}\"}},\"helpUri\":\"https://x/R0\"},"
		"{\"id\":\"R1\",\"defaultConfiguration\":{\"level\":\"none\"}}]},"
		"\"extensions\":[{\"name\":\"E\",\"rules\":[{\"id\":\"X1\",\"defaultConfiguration\":{\"level\":\"note\"}}]}]},"
		"\"originalUriBaseIds\":{\"SRC\":{\"uri\":\"sub/\",\"uriBaseId\":\"ROOT\"},\"ROOT\":{\"uri\":\"file:///w/r/\"}},"
		"\"artifacts\":[{\"location\":{\"uri\":\"art%20one.c\"}}],"
		"\"results\":["
		"{\"ruleIndex\":0,\"message\":{\"id\":\"m\",\"arguments\":[\"7\",\"x\"]},\"locations\":[{\"physicalLocation\":"
		"{\"artifactLocation\":{\"uri\":\"a%C3%A9.c\",\"uriBaseId\":\"SRC\"},\"region\":{\"startLine\":3,\"startColumn\":2,\"endLine\":5}}}]},"
		"{\"ruleId\":\"R1\",\"message\":{\"text\":\"n\"}},"
		"{\"ruleId\":\"R0\",\"level\":\"warning\",\"message\":{\"text\":\"w\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"index\":0}}}]},"
		"{\"ruleId\":\"R0\",\"kind\":\"pass\",\"message\":{\"text\":\"p\"}},"
		"{\"ruleId\":\"R0\",\"kind\":\"fail\",\"message\":{\"text\":\"s\"},\"suppressions\":[{\"kind\":\"external\",\"status\":\"rejected\"},{\"kind\":\"inSource\"}]},"
		"{\"ruleId\":\"R0\",\"message\":{\"text\":\"u\"},\"suppressions\":[{\"kind\":\"external\",\"status\":\"underReview\"}]},"
		"{\"ruleId\":\"X1\",\"rule\":{\"id\":\"X1\",\"toolComponent\":{\"index\":0}},\"message\":{\"text\":\"x\"},"
		"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"file:///C:/w/z.c\"}}}]},"
		"{\"message\":{\"text\":\"norule\"}}"
		"]}]}";

	assert_int_equal(parse_str("sarif", NULL, log, &fs, &ts), 0);
	c = count(&fs);
	assert_int_equal(c.err, 2);    /* #0 by rule default, #5 underReview is not suppressed */
	assert_int_equal(c.warn, 2);   /* #2 explicit, the rule-less one */
	assert_int_equal(c.note, 2);   /* #1 none -> note, X1 from the extension */
	assert_int_equal(c.hidden, 1); /* #4: one suppression without status */
	assert_string_equal(fs.v[0].file, "/w/r/sub/a\xC3\xA9.c");
	assert_string_equal(fs.v[0].message, "value 7 of x");
	assert_string_equal(fs.v[0].rule, "R0");
	assert_string_equal(fs.v[0].tool, "T");
	assert_int_equal(fs.v[0].line, 3);
	assert_int_equal(fs.v[0].column, 2);
	assert_int_equal(fs.v[0].end_line, 5);
	assert_string_equal(fs.v[0].help_uri, "https://x/R0");
	assert_null(fs.v[1].file);
	assert_string_equal(fs.v[2].file, "art one.c");
	assert_string_equal(fs.v[5].file, "C:/w/z.c");
	assert_string_equal(fs.v[6].rule, "finding");
	assert_int_equal(ts.nr, 1);
	assert_string_equal(ts.v[0].version, "1.2");
	assert_true(ts.v[0].nr_rules >= 3);
	lint_findings_release(&fs);
	lint_tools_release(&ts);
}

static void expect_einput(const char *parser, const char *text, const char *needle)
{
	struct lint_findings fs = { 0 };
	struct lint_tools ts = { 0 };
	int err = parse_str(parser, NULL, text, &fs, &ts);

	if (err != QG_EINPUT || !strstr(qg_error_last(), needle))
		fail_msg("%s on %.60s: got %d '%s', wanted QG_EINPUT with '%s'", parser, text, err, qg_error_last(),
			 needle);
	lint_findings_release(&fs);
	lint_tools_release(&ts);
}

static void test_sarif_bad(void **state)
{
	expect_einput("sarif", "{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"a\"}},\"results\":42}]}", "/runs/0/results: expected an array");
	expect_einput("sarif", "{\"runs\":{}}", "/runs: expected an array");
	expect_einput("sarif", "[]", "expected an object");
	expect_einput("sarif", "{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"a\"}}}]}", "no results array");
	expect_einput("sarif", "{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"a\"}},\"results\":[],"
		      "\"invocations\":[{\"executionSuccessful\":false}]}]}", "executionSuccessful is false");
	expect_einput("sarif", "{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"a\"}},\"results\":[],"
		      "\"invocations\":[{\"executionSuccessful\":true,\"toolConfigurationNotifications\":"
		      "[{\"level\":\"error\",\"message\":{\"text\":\"bad config\"}}]}]}]}", "bad config");
	expect_einput("sarif", "{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"a\"}},\"results\":[{\"level\":\"fatal\"}]}]}",
		      "/runs/0/results/0/level");
	expect_einput("sarif", "{\"runs\": [\n  {\"tool\": x}]}", "'t.txt':2:12: malformed JSON");
	expect_einput("sarif", "{\"runs\": [", "'t.txt':1:11: malformed JSON");
	expect_einput("sarif", "{\"a\":\"\x01\"}", "control character");
	expect_einput("sarif", "", "empty");
	expect_einput("checkstyle", "<results/>", "expected the root element <checkstyle>");
	expect_einput("checkstyle", "<checkstyle><file name='a'><error line='1'", "'t.txt':1:");
	expect_einput("checkstyle", "<checkstyle><file name='A.java'><exception><![CDATA[\njava.lang.NPE\n]]></exception></file></checkstyle>",
		      "reported an exception on 'A.java': java.lang.NPE");
	expect_einput("shellcheck-json", "{\"comments\":3}", "/comments: expected an array");
	expect_einput("gcc-json", "{}", "expected an array of diagnostics");
}

static void test_other_formats(void **state)
{
	struct lint_findings fs = { 0 };
	struct lint_tools ts = { 0 };
	struct counts c;
	const char *cpp =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<results version=\"2\">\n<cppcheck version=\"2.13.0\"/>\n"
		"<errors>\n<error id=\"nullPointer\" severity=\"error\" msg=\"Null pointer dereference: p\" verbose=\"v\">\n"
		"<location file=\"a.c\" line=\"4\" column=\"6\" info=\"here\"/><location file=\"a.c\" line=\"3\" column=\"1\"/>\n"
		"</error>\n<error id=\"unusedVariable\" severity=\"style\" msg=\"Unused variable: x\"><location file=\"b.c\" line=\"2\" column=\"9\"/></error>\n"
		"<error id=\"missingIncludeSystem\" severity=\"information\" msg=\"no system headers\"/>\n"
		"<error id=\"uninitvar\" severity=\"warning\" msg=\"w\"><location file=\"c.c\" line=\"1\" column=\"1\"/></error>\n"
		"</errors>\n</results>\n";
	const char *sc1 = "{\"comments\":[{\"file\":\"t.sh\",\"line\":3,\"endLine\":3,\"column\":6,\"endColumn\":8,"
			  "\"level\":\"info\",\"code\":2086,\"message\":\"Double quote\",\"fix\":null},"
			  "{\"file\":\"t.sh\",\"line\":1,\"endLine\":1,\"column\":1,\"endColumn\":2,\"level\":\"error\",\"code\":2148,\"message\":\"Tips\"}]}";
	const char *gj = "[{\"kind\":\"warning\",\"message\":\"unused variable 'x'\",\"option\":\"-Wunused-variable\","
			 "\"locations\":[{\"caret\":{\"file\":\"m.c\",\"line\":3,\"column\":7}}],\"children\":["
			 "{\"kind\":\"note\",\"message\":\"declared here\",\"locations\":[{\"caret\":{\"file\":\"m.c\",\"line\":2,\"column\":1}}]}]},"
			 "{\"kind\":\"error\",\"message\":\"boom\",\"locations\":[]}]";

	assert_int_equal(parse_str("auto", NULL, cpp, &fs, &ts), 0);
	c = count(&fs);
	assert_int_equal(c.err, 1);
	assert_int_equal(c.warn, 1);
	assert_int_equal(c.note, 2);
	assert_string_equal(fs.v[0].file, "a.c");
	assert_int_equal(fs.v[0].line, 4);
	assert_int_equal(fs.v[0].column, 6);
	assert_string_equal(fs.v[0].rule, "nullPointer");
	assert_string_equal(fs.v[0].tool, "cppcheck");
	assert_null(fs.v[2].file);
	assert_string_equal(ts.v[0].version, "2.13.0");
	lint_findings_release(&fs);
	lint_tools_release(&ts);

	assert_int_equal(parse_str("auto", NULL, sc1, &fs, &ts), 0);
	assert_int_equal(fs.nr, 2);
	assert_string_equal(fs.v[0].rule, "SC2086");
	assert_int_equal(fs.v[0].level, LINT_NOTE);
	assert_string_equal(fs.v[0].help_uri, "https://www.shellcheck.net/wiki/SC2086");
	assert_int_equal(fs.v[1].level, LINT_ERROR);
	assert_string_equal(fs.v[1].tool, "shellcheck");
	lint_findings_release(&fs);
	assert_int_equal(parse_str("auto", NULL, "[]", &fs, &ts), 0); /* shellcheck -f json, clean */
	assert_int_equal(fs.nr, 0);

	assert_int_equal(parse_str("auto", NULL, gj, &fs, &ts), 0);
	assert_int_equal(fs.nr, 2);
	assert_string_equal(fs.v[0].rule, "-Wunused-variable");
	assert_string_equal(fs.v[0].message, "unused variable 'x'; note: m.c:2:1: declared here");
	assert_int_equal(fs.v[1].level, LINT_ERROR);
	assert_null(fs.v[1].file);
	lint_findings_release(&fs);
	lint_tools_release(&ts);

	assert_int_equal(parse_str("checkstyle", "eslint",
				   "<?xml version='1.0'?><!-- c --><checkstyle><error line='0' severity='ignore' message='i'/>"
				   "<file name='x.js'><error line='2' column='3' severity='info' message='m' source='no-x'/></file></checkstyle>",
				   &fs, &ts), 0);
	c = count(&fs);
	assert_int_equal(c.hidden, 1);
	assert_int_equal(c.note, 1);
	assert_string_equal(fs.v[1].file, "x.js");
	assert_string_equal(fs.v[1].tool, "eslint");
	assert_string_equal(fs.v[1].rule, "no-x");
	lint_findings_release(&fs);
	lint_tools_release(&ts);
}

static void test_regex(void **state)
{
	struct lint_findings fs = { 0 };
	const char *out = "E a.py:3:4 [bad-thing] something wrong\nW b.py:10:1 [style] meh\nnoise\ni c.py:1:1 [x] fyi\n";

	assert_int_equal(parse_str("regex:^(?<severity>[EWi]) (?<file>[^:]+):(?<line>\\d+):(?<col>\\d+) \\[(?<rule>[^]]+)\\] (?<message>.*)$",
				   "mylint", out, &fs, NULL), 0);
	assert_int_equal(fs.nr, 3);
	assert_int_equal(fs.v[0].level, LINT_ERROR);
	assert_string_equal(fs.v[0].rule, "bad-thing");
	assert_int_equal(fs.v[0].column, 4);
	assert_int_equal(fs.v[1].level, LINT_WARNING);
	assert_int_equal(fs.v[2].level, LINT_NOTE);
	assert_string_equal(fs.v[2].tool, "mylint");
	lint_findings_release(&fs);
	assert_int_equal(parse_str("regex:(?<file>x", NULL, out, &fs, NULL), QG_EUSAGE);
	if (!strstr(qg_error_last(), "at offset 9"))
		fail_msg("%s", qg_error_last());
	assert_int_equal(parse_str("regex:(?<file>\\S+) (?<msg>.*)", NULL, out, &fs, NULL), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "(?<message>"));
	assert_int_equal(parse_str("nope", NULL, out, &fs, NULL), QG_EUSAGE);
}

static void split_ok(const char *cmd, int n, const char *const *want)
{
	struct qg_strvec v = QG_STRVEC_INIT;
	int i;

	if (lint_split_command(cmd, &v) < 0)
		fail_msg("split %s: %s", cmd, qg_error_last());
	assert_int_equal(v.nr, n);
	for (i = 0; i < n; i++)
		assert_string_equal(v.v[i], want[i]);
	qg_strvec_clear(&v);
}

static void split_refused(const char *cmd, const char *needle)
{
	struct qg_strvec v = QG_STRVEC_INIT;

	assert_int_equal(lint_split_command(cmd, &v), QG_EUSAGE);
	if (!strstr(qg_error_last(), needle))
		fail_msg("split %s: '%s' lacks '%s'", cmd, qg_error_last(), needle);
	qg_strvec_clear(&v);
}

static void test_split(void **state)
{
	static const char *const a[] = { "shellcheck", "-f", "gcc", "my file.sh", "it's", "a\"b", "c\\d", "" };
	static const char *const b[] = { "x", "a b", "$HOME" };

	split_ok("  shellcheck -f gcc 'my file.sh' it\\'s \"a\\\"b\" 'c\\d' ''  ", 8, a);
	split_ok("x a\\ b '$HOME'", 3, b);
	split_refused("ls; rm -rf /", "';' is shell syntax");
	split_refused("a | b", "'|'");
	split_refused("a && b", "'&'");
	split_refused("echo $HOME", "'$'");
	split_refused("echo \"$HOME\"", "inside double quotes");
	split_refused("ls *.c", "'*'");
	split_refused("ls > x", "'>'");
	split_refused("echo `id`", "'`'");
	split_refused("cat ~/x", "'~' at the start");
	split_refused("a 'b", "unterminated single quote");
	split_refused("a \"b", "unterminated double quote");
	split_refused("   ", "empty command");
}

static void test_sniff(void **state)
{
	assert_string_equal(lint_parse_sniff("\xEF\xBB\xBF {\"$schema\":1}", 16), "sarif");
	assert_string_equal(lint_parse_sniff("{\"version\":\"2.1.0\",\"runs\":[]}", 29), "sarif");
	assert_string_equal(lint_parse_sniff("{\"comments\":[]}", 15), "shellcheck-json");
	assert_string_equal(lint_parse_sniff("[{\"kind\":\"error\"}]", 18), "gcc-json");
	assert_string_equal(lint_parse_sniff("[{\"file\":\"a\",\"code\":1}]", 23), "shellcheck-json");
	assert_string_equal(lint_parse_sniff("<?xml version='1.0'?>\n<!-- x -->\n<results version='2'>", 53), "cppcheck");
	assert_string_equal(lint_parse_sniff("<checkstyle version='8'>", 24), "checkstyle");
	assert_string_equal(lint_parse_sniff("a.c:1:1: error: x\n", 18), "gcc");
	assert_string_equal(lint_parse_sniff("", 0), "gcc");
}

static void test_jsonscan(void **state)
{
	static const char J[] = "{\"a\":[1,2,{\"b\":\"\\u00e9\\ud83d\\ude00\\n\"}],\"c\":-1.5e3,\"d\":true}";
	struct js_doc d;
	struct qg_buf b = QG_BUF_INIT(1024);
	int ok;

	assert_int_equal(js_parse(&d, J, strlen(J), "x"), 0);
	assert_int_equal(d.n[0].len, 3);
	assert_int_equal(js_int(&d, js_at(&d, js_get(&d, 0, "a"), 1), &ok), 2);
	assert_true(ok);
	assert_int_equal(js_str(&d, js_get(&d, js_at(&d, js_get(&d, 0, "a"), 2), "b"), &b), 0);
	assert_string_equal(b.buf, "\xC3\xA9\xF0\x9F\x98\x80\n");
	assert_true(js_is(&d, js_get(&d, 0, "d"), JS_TRUE));
	assert_int_equal(js_get(&d, 0, "zz"), 0);
	js_release(&d);
	static const char *const bad[] = { "", "01", "[1,]", "{\"a\" 1}", "[1 2]", "\"\\x\"", "tru", "[", "1 2", "-", "1.", "{,}", NULL };
	for (const char *const *p = bad; *p; p++)
		if (js_parse(&d, *p, strlen(*p), "x") != QG_EINPUT)
			fail_msg("accepted %s", *p);
		else
			js_release(&d);
	{
		char deep[2000];
		memset(deep, '[', sizeof(deep));
		assert_int_equal(js_parse(&d, deep, sizeof(deep), "x"), QG_EINPUT);
		assert_non_null(strstr(qg_error_last(), "nested deeper"));
		js_release(&d);
	}
	qg_buf_release(&b);
}

/* The structured checks over real files: whole-file checkers read them,
 * streaming ones get their lines (in pieces of at most `piece` bytes, as the
 * core cuts long lines). */
static int drive(const struct lint_checker *c, const struct lint_file *f, const char *content, size_t piece,
		 struct lint_findings *fs)
{
	const char *s = content, *e = content + strlen(content);
	long long lineno = 1;
	void *st;
	int err = 0, cont = 0;

	if (c->file)
		return c->file(NULL, f, fs);
	st = c->begin(NULL, f);
	assert_non_null(st);
	while (s < e && !err) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(e - s);
		if (n > piece)
			n = piece;
		err = c->line(st, s, n, lineno, cont, fs);
		cont = s[n - 1] != '\n';
		if (!cont)
			lineno++;
		s += n;
		if (err == LINT_LINE_DONE) {
			err = 0;
			break;
		}
	}
	if (!err)
		err = c->end(st, fs);
	else
		c->end(st, fs);
	return err;
}

static int run_check_piece(const char *id, const char *path, const char *content, size_t piece,
			   struct lint_findings *fs)
{
	const struct lint_checker *c;
	struct lint_file f;
	char abs[256];
	FILE *fp;
	int err;

	snprintf(abs, sizeof(abs), "/tmp/test_lint_parse.%d.%s", (int)getpid(), path);
	fp = fopen(abs, "wb");
	assert_non_null(fp);
	fwrite(content, 1, strlen(content), fp);
	fclose(fp);
	memset(&f, 0, sizeof(f));
	f.path = path;
	f.abs = abs;
	for (c = lint_struct_checkers; c->id && strcmp(c->id, id); c++)
		;
	assert_non_null(c->id);
	assert_true(c->applies(&f));
	err = drive(c, &f, content, piece, fs);
	unlink(abs);
	return err;
}

static int run_check(const char *id, const char *path, const char *content, struct lint_findings *fs)
{
	struct lint_findings one = { 0 };
	size_t before = fs->nr, i;
	int err = run_check_piece(id, path, content, (size_t)1 << 20, fs);

	/* fed byte by byte: the same findings */
	if (!err) {
		assert_int_equal(run_check_piece(id, path, content, 1, &one), 0);
		assert_int_equal(one.nr, fs->nr - before);
		for (i = 0; i < one.nr; i++) {
			assert_string_equal(one.v[i].message, fs->v[before + i].message);
			assert_int_equal(one.v[i].line, fs->v[before + i].line);
			assert_int_equal(one.v[i].column, fs->v[before + i].column);
		}
	}
	lint_findings_release(&one);
	return err;
}

static void test_struct_checks(void **state)
{
	struct lint_findings fs = { 0 };

	assert_int_equal(run_check("json", "ok.json", "{\"a\": [1, {\"a\": 2}], \"b\": null}\n", &fs), 0);
	assert_int_equal(fs.nr, 0);
	assert_int_equal(run_check("json", "d.json", "{\n  \"a\": 1,\n  \"b\": {\"x\":1, \"x\":2},\n  \"\\u0061\": 3\n}\n", &fs), 0);
	assert_int_equal(fs.nr, 2);
	lint_findings_sort(&fs);
	assert_int_equal(fs.v[0].line, 3);
	assert_int_equal(fs.v[0].column, 16);
	assert_string_equal(fs.v[0].message, "duplicate key \"x\" (first at line 3, column 9)");
	assert_int_equal(fs.v[1].line, 4);
	assert_string_equal(fs.v[1].message, "duplicate key \"a\" (first at line 2, column 3)");
	assert_string_equal(fs.v[1].rule, "json");
	lint_findings_release(&fs);
	assert_int_equal(run_check("json", "b.json", "{\n  \"a\": 1,\n  \"b\" 2\n}\n", &fs), 0);
	assert_int_equal(fs.nr, 1);
	assert_int_equal(fs.v[0].line, 3);
	assert_int_equal(fs.v[0].column, 7);
	assert_string_equal(fs.v[0].message, "malformed JSON: expected ':' after an object key");
	lint_findings_release(&fs);
	/* keys equal once decoded (surrogate pairs, NUL), numbers, literals, BOM, nesting */
	assert_int_equal(run_check("json", "u.json",
				   "\xEF\xBB\xBF{\"\\ud83d\\ude00\": 1, \"\xF0\x9F\x98\x80\": -0.5e+3, \"a\\u0000b\": true,"
				   " \"a\\u0000c\": null, \"x\": [[], {}, [1e5, false]], \"a\\u0000b\": 0}",
				   &fs), 0);
	assert_int_equal(fs.nr, 2);
	assert_int_equal(fs.v[0].line, 1);
	assert_int_equal(fs.v[0].column, 24); /* bytes: the BOM counts */
	lint_findings_release(&fs);
	static const char *const bad[] = { "", "  \n", "01", "[1,]", "{\"a\" 1}", "[1 2]", "\"\\x\"", "tru", "[", "1 2",
					   "-", "1.", "{,}", "\"a", "[\"\x01\"]", "{\"a\":1", "nul", "1e", "[}", NULL };
	for (const char *const *b = bad; *b; b++) {
		assert_int_equal(run_check("json", "bad.json", *b, &fs), 0);
		if (fs.nr != 1)
			fail_msg("'%s': %zu findings", *b, fs.nr);
		lint_findings_release(&fs);
	}
	static const char *const good[] = { "0", "-0", "1.5E-7", "\"s\"", "[]", "{}", " true ", "null\n", "[0,-1,2.25]", NULL };
	for (const char *const *g = good; *g; g++) {
		assert_int_equal(run_check("json", "good.json", *g, &fs), 0);
		if (fs.nr != 0)
			fail_msg("'%s': %s", *g, fs.v[0].message);
	}

	assert_int_equal(run_check("yaml", "ok.yaml", "a: 1\nb: &x [1, 2]\nc: *x\n---\na: 2\n", &fs), 0);
	assert_int_equal(fs.nr, 0);
	assert_int_equal(run_check("yaml", "d.yml", "a: 1\nb:\n  c: 1\n  c: 2\na: 3\nl:\n  - k: 1\n  - k: 2\n", &fs), 0);
	assert_int_equal(fs.nr, 2);
	assert_int_equal(fs.v[0].line, 4);
	assert_int_equal(fs.v[0].column, 3);
	assert_string_equal(fs.v[0].message, "duplicate key \"c\" (first at line 3)");
	assert_int_equal(fs.v[1].line, 5);
	lint_findings_release(&fs);
	assert_int_equal(run_check("yaml", "s.yaml", "a: [1, 2\nb: 3\n", &fs), 0);
	assert_int_equal(fs.nr, 1);
	assert_string_equal(fs.v[0].rule, "yaml");
	assert_true(fs.v[0].line >= 1);
	lint_findings_release(&fs);
	/* billion laughs: aliases are not expanded, so this is quick and clean */
	assert_int_equal(run_check("yaml", "lol.yaml",
				   "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
				   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
				   &fs), 0);
	assert_int_equal(fs.nr, 0);

	assert_int_equal(run_check("xml", "ok.xml", "<?xml version=\"1.0\"?>\n<a><b x='1'/>&amp;</a>\n", &fs), 0);
	assert_int_equal(fs.nr, 0);
	assert_int_equal(run_check("xml", "bad.xml", "<a>\n  <b></c>\n</a>\n", &fs), 0);
	assert_int_equal(fs.nr, 1);
	assert_int_equal(fs.v[0].line, 2);
	assert_string_equal(fs.v[0].rule, "xml");
	lint_findings_release(&fs);
	assert_int_equal(run_check("xml", "lol.xml", "<!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<l>&b;</l>\n", &fs), 0);
	assert_int_equal(fs.nr, 1);
	lint_findings_release(&fs);
}

/* Every lint row of ../shared/peer-reports/MANIFEST.tsv. */
static void test_peer_reports(void **state)
{
	const char *shared = getenv("QG_SHARED");
	char dir[1024], path[1200], line[4096];
	FILE *m;
	int rows = 0;

	snprintf(dir, sizeof(dir), "%s/peer-reports", shared && *shared ? shared : "../shared");
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	if (!(m = fopen(path, "r"))) {
		print_message("SKIP: %s not present, peer reports NOT CHECKED\n", path);
		skip();
	}
	while (fgets(line, sizeof(line), m)) {
		char *col[11], *s = line;
		struct lint_findings fs = { 0 };
		struct lint_tools ts = { 0 };
		const char *parser;
		int n = 0, err, e, w, no;

		while (n < 11 && s) {
			col[n++] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = '\0';
		}
		if (n < 10)
			continue;
		if (!strcmp(col[1], "sarif"))
			parser = "sarif";
		else if (!strcmp(col[1], "checkstyle"))
			parser = "checkstyle";
		else if (!strcmp(col[1], "gcc"))
			parser = "gcc";
		else
			continue;
		rows++;
		snprintf(path, sizeof(path), "%s/%s", dir, col[0]);
		/* each through its own parser and through auto */
		for (int pass = 0; pass < 2; pass++) {
			err = lint_parse_file(NULL, pass ? "auto" : parser, NULL, path, &fs, &ts);
			if (!strcmp(col[8], "no") || strstr(col[9], "tool_error") ||
			    strstr(col[9], "without a results property")) {
				/* invalid, or a tool failure: fail closed (exit 3) */
				if (err != QG_EINPUT)
					fail_msg("%s: expected QG_EINPUT, got %d (%zu findings)", col[0], err, fs.nr);
				if (!strstr(qg_error_last(), col[0]) && !strstr(qg_error_last(), "run"))
					fail_msg("%s: error does not name the file: %s", col[0], qg_error_last());
			} else {
				struct counts c = count(&fs);
				if (err)
					fail_msg("%s: %s", col[0], qg_error_last());
				if (sscanf(col[7], "%d/%d/%d", &e, &w, &no) != 3)
					fail_msg("%s: bad counts %s", col[0], col[7]);
				if (!strcmp(col[1], "gcc"))
					no = 0; /* notes are attached to their warning (see the report) */
				if (c.err != e || c.warn != w || c.note != no)
					fail_msg("%s (%s): got %d/%d/%d, manifest %d/%d/%d", col[0], pass ? "auto" : parser,
						 c.err, c.warn, c.note, e, w, no);
			}
			lint_findings_release(&fs);
			lint_tools_release(&ts);
		}
	}
	fclose(m);
	assert_true(rows >= 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcc_text),     cmocka_unit_test(test_sarif_rules),
		cmocka_unit_test(test_sarif_bad),    cmocka_unit_test(test_other_formats),
		cmocka_unit_test(test_regex),        cmocka_unit_test(test_split),
		cmocka_unit_test(test_sniff),        cmocka_unit_test(test_jsonscan),
		cmocka_unit_test(test_struct_checks), cmocka_unit_test(test_peer_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
