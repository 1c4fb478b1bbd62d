/* test_qgate_report.c -- qgate report's pieces: escaping, GitHub links, the results loader
 *
 * rp_html_escape must leave no markup from a result; rp_link must build
 * SERVER/REPO/blob/SHA/FILE#LLINE with the file percent-encoded and no link
 * for a path that leaves the repository; front_results_load_dir keeps
 * qgate.result/v1 and qgate.run/v1, skips other JSON, refuses a future
 * schema and a cut file naming them, and never follows a symlink.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/report_int.h"

static void test_qgate_report_html_escape(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	(void)state;
	assert_int_equal(rp_html_escape(&b, "<script>alert('x') & \"y\"</script>\x01"), 0);
	assert_string_equal(b.buf,
			    "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt; ");
	qg_buf_reset(&b);
	assert_int_equal(rp_html_escape(&b, NULL), 0);
	assert_string_equal(b.buf, "");
	qg_buf_release(&b);
}

static void test_qgate_report_github_link(void **state)
{
	struct rp_report rp = { 0 };
	struct qg_buf url = QG_BUF_INIT(QG_CAP_URL);
	char base[] = "https://github.com/o/r/blob/abc/";

	(void)state;
	assert_int_equal(rp_link(&url, &rp, "a.c", 3), 0);
	assert_string_equal(url.buf, ""); /* no env: no link */
	rp.gh_base = base;
	assert_int_equal(rp_link(&url, &rp, "src/a b#c.c", 12), 0);
	assert_string_equal(url.buf, "https://github.com/o/r/blob/abc/src/a%20b%23c.c#L12");
	assert_int_equal(rp_link(&url, &rp, "./x.py", NAN), 0);
	assert_string_equal(url.buf, "https://github.com/o/r/blob/abc/x.py");
	assert_int_equal(rp_link(&url, &rp, "../etc/passwd", 1), 0);
	assert_string_equal(url.buf, "");
	assert_int_equal(rp_link(&url, &rp, "/etc/passwd", 1), 0);
	assert_string_equal(url.buf, "");
	qg_buf_release(&url);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(qg_file_write_atomic(path, text, strlen(text)), 0);
}

#define RESULT(gate, st, ec) \
	"{\"schema\": \"qgate.result/v1\", \"gate\": \"" gate "\", \"command\": \"check\", " \
	"\"status\": \"" st "\", \"exit_code\": " ec ", \"checks\": []}"

static void test_qgate_report_loader(void **state)
{
	char tmpl[] = "/tmp/test_qgate_report.XXXXXX", sub[4200], outside[4200], link[4200];
	struct front_results set = { 0 };
	char *dir = mkdtemp(tmpl);

	(void)state;
	assert_non_null(dir);
	snprintf(sub, sizeof(sub), "%s/b-step", dir);
	assert_int_equal(qg_file_mkdirs(sub, 0755), 0);
	put(dir, "a.json", RESULT("model", "pass", "0"));
	put(sub, "data-validate.json", RESULT("data", "fail", "1"));
	put(dir, "run.json",
	    "{\"schema\": \"qgate.run/v1\", \"status\": \"fail\", \"exit_code\": 1, \"steps\": []}");
	put(dir, "schema.json", "{\"fields\": []}");
	put(dir, "profile.json", "{\"schema\": \"qgate.profile/v1\"}");
	put(dir, "notes.txt", "not json");
	put(dir, "audit.jsonl",
	    "{\"schema\":\"qgate.audit/v1\",\"seq\":1}\n{\"schema\":\"qgate.audit/v1\",\"seq\":2}\n");
	put(dir, "other.jsonl", "{\"a\":1}\n");
	snprintf(outside, sizeof(outside), "%s.out.json", dir);
	assert_int_equal(qg_file_write_atomic(outside, "{\"schema\": \"qgate.result/v2\"}", 29), 0);
	snprintf(link, sizeof(link), "%s/z-link.json", dir);
	assert_int_equal(symlink(outside, link), 0);

	assert_int_equal(front_results_load_dir(&set, dir), 0);
	assert_int_equal(set.nr, 3); /* sorted walk: a.json, b-step/..., run.json */
	assert_string_equal(set.v[0].path, "a.json");
	assert_string_equal(set.v[0].gate, "model");
	assert_string_equal(set.v[1].path, "b-step/data-validate.json");
	assert_int_equal(set.v[1].exit_code, 1);
	assert_string_equal(set.v[2].path, "run.json");
	assert_null(set.v[2].gate);
	assert_int_equal(set.logs_nr, 1);
	assert_string_equal(set.logs[0].path, "audit.jsonl");
	assert_int_equal(set.logs[0].entries, 2);
	assert_int_equal(qg_json_size(set.logs[0].tail), 2);
	front_results_release(&set);

	/* a future schema, read directly, is refused naming it */
	assert_int_equal(front_results_load_file(&set, outside), QG_EPARSE);
	assert_non_null(strstr(qg_error_last(), "qgate.result/v2"));
	assert_non_null(strstr(qg_error_last(), outside));
	/* and inside the folder too */
	put(dir, "c.json",
	    "{\"schema\": \"qgate.result/v2\", \"status\": \"pass\", \"exit_code\": 0}");
	assert_int_equal(front_results_load_dir(&set, dir), QG_EPARSE);
	assert_non_null(strstr(qg_error_last(), "/c.json"));
	front_results_release(&set);
	put(dir, "c.json", "{\"schema\": \"qgate.result/v1\", \"gate\"");
	assert_int_equal(front_results_load_dir(&set, dir), QG_EPARSE);
	assert_non_null(strstr(qg_error_last(), "/c.json"));
	front_results_release(&set);

	unlink(link);
	unlink(outside);
	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qgate_report_html_escape),
		cmocka_unit_test(test_qgate_report_github_link),
		cmocka_unit_test(test_qgate_report_loader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
