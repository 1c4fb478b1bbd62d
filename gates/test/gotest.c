/* gotest.c -- `go test -json` events in (test2json's stream)
 *
 * One JSON object per line: {"Action": "run|pause|cont|pass|fail|skip|output|
 * start|bench", "Package": ..., "Test": ..., "Elapsed": s, "Output": ...}.
 * A test's result is its last pass/fail/skip event (a test that never ends
 * -- the binary crashed or timed out -- is an error "no result"). Subtests
 * ("TestA/sub") are tests of their own, as go test reports them. A
 * package-level "fail" with no test failed in that package (a build
 * failure, a panic in init, TestMain exiting 1) is one error named after
 * the package. Output lines are kept per running test, bounded (the last
 * 16 KiB), and become the detail of a failure. A line that is not a JSON
 * object is go test's own text (build errors on stderr merged in): ignored,
 * as go's tools do, except that a stream with no event at all is refused.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <unistd.h>

#include "qgate/json.h"
#include "test.h"
#include "qgate/strmap.h"

#define GO_LINE_CAP ((size_t)16 << 20)  /* one event line (Output carries one line of text) */
#define GO_OUTPUT_CAP ((size_t)16 << 10) /* output kept per running test */

struct go_test {
	char *pkg, *test;
	int done;               /* a pass/fail/skip seen */
	enum test_outcome outcome;
	double elapsed;
	struct qg_buf out;      /* the last GO_OUTPUT_CAP bytes of output */
};

struct go_reader {
	const char *path;
	struct qg_strmap keys;  /* "pkg\ntest" -> index into v */
	struct go_test *v;
	size_t nr, alloc;
	struct qg_strmap failed_pkgs; /* packages where a test failed */
	struct qg_strvec pkg_fail;    /* packages that failed on their own, in order */
	long long events;
};

static int go_keep_output(struct go_test *g, const char *s)
{
	size_t n = strlen(s);

	if (n > GO_OUTPUT_CAP)
		s += n - GO_OUTPUT_CAP, n = GO_OUTPUT_CAP;
	if (g->out.len + n > GO_OUTPUT_CAP) { /* drop the oldest bytes */
		size_t drop = g->out.len + n - GO_OUTPUT_CAP;

		memmove(g->out.buf, g->out.buf + drop, g->out.len - drop);
		qg_buf_setlen(&g->out, g->out.len - drop);
	}
	return qg_buf_add(&g->out, s, n);
}

static struct go_test *go_find(struct go_reader *gr, const char *pkg, const char *test)
{
	struct qg_buf key = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct go_test *g = NULL;
	long i;

	if (qg_buf_addf(&key, "%s\n%s", pkg, test) < 0)
		return NULL;
	i = qg_strmap_add(&gr->keys, key.buf, key.len);
	qg_buf_release(&key);
	if (i < 0)
		return NULL;
	if ((size_t)i < gr->nr)
		return &gr->v[i];
	if (QG_ALLOC_GROW(gr->v, gr->nr + 1, gr->alloc) < 0)
		return NULL;
	g = &gr->v[gr->nr];
	memset(g, 0, sizeof(*g));
	g->pkg = qg_strdup(pkg);
	g->test = qg_strdup(test);
	g->elapsed = -1;
	qg_buf_init(&g->out, GO_OUTPUT_CAP + 1);
	if (!g->pkg || !g->test) {
		free(g->pkg);
		free(g->test);
		return NULL;
	}
	gr->nr++;
	return g;
}

static int go_event(struct go_reader *gr, const char *line, size_t len, long long lineno)
{
	struct qg_json *j;
	const char *action, *pkg, *test, *output;
	double el;
	struct go_test *g;
	int err;

	if (!len || line[0] != '{')
		return 0; /* go test's own text */
	if (qg_json_parse(&j, line, len, gr->path) < 0)
		return qg_error(QG_EINPUT, "'%s':%lld: not a go test -json event: %s", gr->path, lineno,
				qg_error_last());
	if (qg_json_type(j) != QG_JSON_OBJECT || !(action = qg_json_string(qg_json_get(j, "Action")))) {
		qg_json_free(j);
		return qg_error(QG_EINPUT, "'%s':%lld: a JSON line without a string \"Action\" (expected go test -json events)",
				gr->path, lineno);
	}
	gr->events++;
	pkg = qg_json_string(qg_json_get(j, "Package"));
	test = qg_json_string(qg_json_get(j, "Test"));
	output = qg_json_string(qg_json_get(j, "Output"));
	el = qg_json_number(qg_json_get(j, "Elapsed"));
	if (!pkg)
		pkg = "";
	err = 0;
	if (!test || !*test) {
		if (!strcmp(action, "fail") && !qg_strmap_has(&gr->failed_pkgs, pkg, strlen(pkg)))
			err = qg_strvec_push(&gr->pkg_fail, pkg) < 0 ? qg_error(QG_ENOMEM, "out of memory") : 0;
		qg_json_free(j);
		return err;
	}
	if (!(g = go_find(gr, pkg, test))) {
		qg_json_free(j);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	if (!strcmp(action, "output") && output && !g->done) {
		if (go_keep_output(g, output) < 0)
			err = qg_error(QG_ENOMEM, "out of memory");
	} else if (!strcmp(action, "pass") || !strcmp(action, "fail") || !strcmp(action, "skip")) {
		g->done = 1;
		g->outcome = action[0] == 'p' ? TEST_PASS : action[0] == 'f' ? TEST_FAIL : TEST_SKIP;
		if (el == el && el >= 0)
			g->elapsed = el;
		if (g->outcome == TEST_FAIL && qg_strmap_add(&gr->failed_pkgs, pkg, strlen(pkg)) < 0)
			err = qg_error(QG_ENOMEM, "out of memory");
		if (g->outcome == TEST_PASS)
			qg_buf_release(&g->out); /* a pass needs no output */
	}
	qg_json_free(j);
	return err;
}

static int go_results(struct go_reader *gr, struct test_results *out)
{
	for (size_t i = 0; i < gr->nr; i++) {
		struct go_test *g = &gr->v[i];
		enum test_outcome o = g->done ? g->outcome : TEST_ERROR;
		const char *msg = !g->done ? "no result: the test started and never ended (crash, timeout or os.Exit)"
				  : o == TEST_FAIL ? "failed" : NULL;
		struct test_case *c = test_results_add(out, g->pkg, g->test, o, msg, gr->path);

		if (!c)
			return QG_ENOMEM;
		c->time_s = g->elapsed;
		if (o != TEST_PASS && g->out.len) {
			qg_buf_rtrim(&g->out);
			c->detail = qg_buf_detach(&g->out, NULL);
			if (!c->detail)
				return qg_error(QG_ENOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < gr->pkg_fail.nr; i++) {
		const char *pkg = gr->pkg_fail.v[i];

		if (qg_strmap_has(&gr->failed_pkgs, pkg, strlen(pkg)))
			continue; /* a test failed there after all */
		if (!test_results_add(out, pkg, "(package)", TEST_ERROR,
				      "the package failed with no failing test (build failure, panic outside a test, or TestMain)",
				      gr->path))
			return QG_ENOMEM;
	}
	return 0;
}

static void go_release(struct go_reader *gr)
{
	for (size_t i = 0; i < gr->nr; i++) {
		free(gr->v[i].pkg);
		free(gr->v[i].test);
		qg_buf_release(&gr->v[i].out);
	}
	free(gr->v);
	qg_strmap_release(&gr->keys);
	qg_strmap_release(&gr->failed_pkgs);
	qg_strvec_clear(&gr->pkg_fail);
}

int test_read_gotest_json(const char *path, struct test_results *out)
{
	struct go_reader gr = { .path = path, .keys = QG_STRMAP_INIT, .failed_pkgs = QG_STRMAP_INIT };
	struct qg_buf line = QG_BUF_INIT(GO_LINE_CAP);
	struct test_results mine = { 0 };
	char buf[64 << 10];
	long long lineno = 0;
	int fd, err = 0, any = 0;

	qg_strvec_init(&gr.pkg_fail);
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		const char *p = buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = qg_error(QG_EINPUT, "'%s': cannot read: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		any = 1;
		while (!err && n > 0) {
			const char *nl = memchr(p, '\n', (size_t)n);
			size_t k = nl ? (size_t)(nl - p) : (size_t)n;

			if (qg_buf_add(&line, p, k) < 0) {
				err = qg_error(QG_EINPUT, "'%s':%lld: a line longer than 16 MiB", path, lineno + 1);
				break;
			}
			if (!nl)
				break;
			lineno++;
			qg_buf_rtrim(&line);
			err = go_event(&gr, line.buf, line.len, lineno);
			qg_buf_reset(&line);
			n -= (ssize_t)k + 1;
			p = nl + 1;
		}
		if (err)
			break;
	}
	if (!err && line.len) {
		qg_buf_rtrim(&line);
		err = go_event(&gr, line.buf, line.len, ++lineno);
	}
	if (fd)
		close(fd);
	if (!err && !any)
		err = qg_error(QG_EINPUT, "'%s': empty, expected go test -json events", path);
	else if (!err && !gr.events)
		err = qg_error(QG_EINPUT, "'%s': no go test -json event (expected lines like {\"Action\":\"pass\",...})",
			       path);
	if (!err)
		err = go_results(&gr, &mine);
	if (!err)
		err = test_results_move(out, &mine);
	test_results_release(&mine);
	qg_buf_release(&line);
	go_release(&gr);
	return err;
}
