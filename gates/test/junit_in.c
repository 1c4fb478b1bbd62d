/* junit_in.c -- JUnit XML reports in, in every dialect runners write, streamed
 *
 * The report is streamed through qg_xml (expat): memory is flat in the
 * report's size except for the results themselves. A plain passed or
 * skipped case (most of them) is one compact line (test.h: outcome, time,
 * "test.<classname>.<name>", a skip's reason; ~50 bytes); a case that did
 * not pass, or passed after reruns, is a full entry (file, line, source,
 * message, failure text bounded). A 1 GB report of passing tests therefore
 * costs its names and nothing else. A failure with no
 * text of its own (ctest, jest) gets its case's <system-out>/<system-err>
 * (the first 64 KiB) as its detail. A big report (QG_JUNIT_SPLIT_MIN) is
 * read as two pieces at once on two CPUs, with the same result, messages
 * and exit as one parse (junit_split.c finds the cut; "Two pieces at
 * once" below decides whether the second piece is taken).
 *
 * Why one long file: deciding whether the second piece is taken compares
 * the reader's own state (the elements open, their start tags' offsets, a
 * case open or not) and adds the piece's counters to it, so it sits beside
 * the handlers that keep that state; what only looks at bytes is in
 * junit_split.c.
 *
 * Counting (CONTRACT.md §6, binding):
 * - every <testcase> at any depth is one test (nested suites flattened,
 *   repeated runs of one test counted each time, unnamed cases kept);
 * - a case's outcome is its most severe child: <error> > <failure> >
 *   <skipped>, except that node:test's TODO (<skipped type="todo"> beside a
 *   <failure>) is skipped; status="disabled" with no child is skipped. (The
 *   contract's "a <skipped> beside a <failure> is skipped" is read as that
 *   TODO case: the peer manifest counts a plain <skipped/> + <failure> --
 *   EnricoMi's multiresult -- as failed, and failing closed agrees.)
 * - an <error> directly under a <testsuite> is one more error (suite_errors);
 * - the suites' attributes count only where no element carries the result:
 *   a document without any <testcase> gets its declared tests (failed,
 *   errored, skipped, the rest passed) as cases named "declared test N"
 *   (the report's own totals are all the evidence there is), and otherwise
 *   declared_failures / declared_errors hold what the top-level suites
 *   declare (max of the root's attribute and the sum over the suites under
 *   it), so the verdict never reports fewer failures + errors than that.
 * - reruns (decided here): Surefire's <rerunFailure>/<rerunError>/
 *   <flakyFailure>/<flakyError> and pytest-rerunfailures' <rerun> inside a
 *   <testcase> are earlier failed attempts of that case: each adds an
 *   attempt and its message to failed_attempts; a case whose own outcome is
 *   a pass after such attempts is flaky. They never count as tests.
 *   Reruns written as repeated <testcase> elements (gotestsum --rerun-fails)
 *   are counted each time, as the contract says.
 *
 * The root must be <testsuites> or <testsuite>; TRX (<TestRun>), xUnit.net
 * (<assemblies>) and NUnit (<test-run>, <test-results>) are refused by name,
 * any other root as not JUnit, an empty file as empty.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/decimal.h"

#include "qgate/xml.h"
#include "test.h"

#define JUNIT_TEXT_CAP ((size_t)64 << 10)  /* failure text kept per case */
#define JUNIT_MSG_CAP ((size_t)4 << 10)    /* a message attribute kept */
#define JUNIT_MAX_DEPTH 256u
#define JUNIT_TEXT_BUDGET ((size_t)64 << 20) /* failure text kept over all the reports of a run */

/* reports are read one after the other (reports.c); a report's second
 * piece (junit_split.c) counts its own and is added when it is taken */
static size_t text_kept;

enum junit_kind {
	K_OTHER = 0,
	K_SUITES,   /* <testsuites> */
	K_SUITE,    /* <testsuite> */
	K_CASE,     /* <testcase> */
	K_ERROR,    /* <error> under a testcase */
	K_FAILURE,  /* <failure> under a testcase */
	K_SKIPPED,  /* <skipped> under a testcase */
	K_RERUN,    /* an earlier failed attempt under a testcase */
	K_SUITE_ERROR, /* <error> directly under a testsuite */
	K_OUTPUT,   /* <system-out>/<system-err> under a testcase */
};

/* The <testcase> being read (one at a time: a testcase inside a testcase
 * is read as its own case, and its parent's result elements that come after
 * it are still the parent's). */
struct junit_case {
	char *classname, *name, *file; /* in `store`, file NULL when absent */
	/* the three NUL-separated, reused case after case: no allocation per
	 * case (a report may hold millions) */
	struct qg_buf store;
	long long line;
	double time_s;
	int disabled;
	int has_error, has_failure, has_skipped, skipped_todo;
	char *msg_error, *msg_failure, *msg_skipped;
	char *text_error, *text_failure;
	struct qg_strvec attempts; /* messages of earlier failed attempts */
};

struct junit_reader {
	const char *path;   /* what messages and results call the file */
	struct test_results *out;
	enum junit_kind kinds[JUNIT_MAX_DEPTH + 2];
	unsigned depth;
	struct junit_case cases[8]; /* open testcases (nesting beyond 8 is refused) */
	unsigned nr_cases;
	char *suite_names[JUNIT_MAX_DEPTH + 2]; /* name of each open testsuite (NULL elsewhere) */
	size_t nr_testcases;
	size_t failing;     /* failed/errored cases held whole in out */
	/* the current case's captured output (its <system-out> and
	 * <system-err>, bounded): the detail of a failure that has no text of
	 * its own (ctest, jest); one buffer reused case after case */
	struct qg_buf output;
	/* declarations: the root's own, and the sum over the suites under it */
	long long root_decl[4], sub_decl[4]; /* tests, failures, errors, skipped */
	int root_has[4], sub_has[4];
	size_t *text_kept;  /* failure text kept so far (JUNIT_TEXT_BUDGET) */
	/* reading in two pieces (junit_split.c): where the open suites' start
	 * tags are (the first levels), and, in the second piece, how many of
	 * the first start tags are its prefix's copies of them */
	long long tag_at[JUNIT_SPLIT_DEPTH], tag_len[JUNIT_SPLIT_DEPTH];
	unsigned prefix_left;
	struct junit_split *split;
};

static const char *const decl_keys[4] = { "tests", "failures", "errors", "skipped" };

static const char *local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

/* Everything but the store, which the next case reuses. */
static void case_clear(struct junit_case *c)
{
	struct qg_buf store = c->store;

	/* nearly every case held none of them */
	if (c->msg_error || c->msg_failure || c->msg_skipped || c->text_error || c->text_failure) {
		free(c->msg_error);
		free(c->msg_failure);
		free(c->msg_skipped);
		free(c->text_error);
		free(c->text_failure);
	}
	if (c->attempts.alloc || c->attempts.nr)
		qg_strvec_clear(&c->attempts);
	memset(c, 0, sizeof(*c));
	c->store = store;
}

static int junit_where(const char *path, const char *what)
{
	const struct qg_xml *x = qg_xml_current();

	return qg_error(QG_EINPUT, "'%s':%lld:%lld: %s", path, qg_xml_line(x), qg_xml_column(x), what);
}

/* A copy of s bounded to cap bytes (cut on a UTF-8 boundary, marked). */
static char *bounded_dup(const char *s, size_t len, size_t cap, int truncated)
{
	static const char mark[] = " [truncated]";
	char *d;

	if (len > cap) {
		len = cap;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		truncated = 1;
	}
	d = malloc(len + (truncated ? sizeof(mark) : 1));
	if (!d)
		return NULL;
	memcpy(d, s, len);
	if (truncated)
		memcpy(d + len, mark, sizeof(mark));
	else
		d[len] = '\0';
	return d;
}

static int set_msg(char **field, const char *value)
{
	if (!value || !*value)
		return 0; /* message="" (ctest) says nothing */
	free(*field);
	*field = bounded_dup(value, strlen(value), JUNIT_MSG_CAP, 0);
	return *field ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

/* Decimal count attributes ("3", "3.0", " 3 "); -1 when absent or not a count. */
static long long attr_count(const char **attrs, const char *key)
{
	const char *v = qg_xml_attr(attrs, key);
	char *end;
	double d;

	if (!v || !*v)
		return -1;
	errno = 0;
	d = strtod(v, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (end == v || *end || errno || !(d >= 0) || d > 1e15)
		return -1;
	return (long long)d;
}

static int refuse_root(struct junit_reader *jr, const char *name)
{
	const char *what = NULL;
	char msg[512];

	if (!strcmp(name, "TestRun"))
		what = "a TRX report";
	else if (!strcmp(name, "assemblies") || !strcmp(name, "assembly"))
		what = "an xUnit.net report";
	else if (!strcmp(name, "test-run") || !strcmp(name, "test-results"))
		what = "an NUnit report";
	if (what)
		snprintf(msg, sizeof(msg), "%s (root <%.200s>), not JUnit XML", what, name);
	else
		snprintf(msg, sizeof(msg), "root element <%.200s>, expected <testsuites> or <testsuite> (JUnit XML)",
			 name);
	return junit_where(jr->path, msg);
}

static void note_decl(struct junit_reader *jr, const char **attrs, int root)
{
	for (int i = 0; i < 4; i++) {
		long long v = attr_count(attrs, decl_keys[i]);

		if (v < 0)
			continue;
		if (root) {
			jr->root_decl[i] = v;
			jr->root_has[i] = 1;
		} else {
			jr->sub_decl[i] += v;
			jr->sub_has[i] = 1;
		}
	}
}

static const char *innermost_suite(const struct junit_reader *jr)
{
	for (unsigned d = jr->depth; d-- > 0;)
		if (jr->suite_names[d])
			return jr->suite_names[d];
	return NULL;
}

static int case_start(struct junit_reader *jr, const char **attrs)
{
	struct junit_case *c;
	const char *cls = NULL, *cls2 = NULL, *name = NULL, *file = NULL, *line = NULL, *time = NULL;
	const char *status = NULL;
	size_t name_at, file_at = 0;

	if (jr->nr_cases >= QG_ARRAY_SIZE(jr->cases))
		return junit_where(jr->path, "<testcase> nested inside more than 8 other <testcase> elements");
	/* one pass over the attributes (a case is read per ~160 bytes of a
	 * big report; six lookups by name were a tenth of reading it) */
	for (size_t i = 0; attrs && attrs[i] && attrs[i + 1]; i += 2) {
		const char *k = attrs[i], *v = attrs[i + 1];

		switch (k[0]) {
		case 'c':
			if (!strcmp(k, "classname"))
				cls = v;
			else if (!strcmp(k, "class"))
				cls2 = v;
			break;
		case 'n':
			if (!strcmp(k, "name"))
				name = v;
			break;
		case 'f':
			if (!strcmp(k, "file"))
				file = v;
			break;
		case 'l':
			if (!strcmp(k, "line"))
				line = v;
			break;
		case 't':
			if (!strcmp(k, "time"))
				time = v;
			break;
		case 's':
			if (!strcmp(k, "status"))
				status = v;
			break;
		default:
			break;
		}
	}

	c = &jr->cases[jr->nr_cases++];
	case_clear(c);
	qg_strvec_init(&c->attempts);
	qg_buf_reset(&jr->output);
	if (!cls || !*cls)
		cls = cls2;
	if (!cls || !*cls)
		cls = innermost_suite(jr); /* jest, ctest: the suite names the class */
	qg_buf_reset(&c->store);
	if (qg_buf_add(&c->store, cls ? cls : "", cls ? strlen(cls) + 1 : 1) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	name_at = c->store.len;
	if (qg_buf_add(&c->store, name ? name : "", name ? strlen(name) + 1 : 1) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	if (file && *file) {
		file_at = c->store.len;
		if (qg_buf_add(&c->store, file, strlen(file) + 1) < 0)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	/* pointers last: the store may have moved while it grew */
	c->classname = c->store.buf;
	c->name = c->store.buf + name_at;
	c->file = file_at ? c->store.buf + file_at : NULL;
	if (line && *line) {
		char *end;
		long long l = strtoll(line, &end, 10);

		if (!*end && l > 0)
			c->line = l;
	}
	c->time_s = -1;
	if (time && *time) {
		char *end = NULL;
		double t;

		/* the exact parser's value is strtod()'s; what it does not take
		 * (spaces, hex, "inf") goes to strtod() as before */
		if (qg_decimal_parse(time, strlen(time), &t) != QG_DECIMAL_OK)
			t = strtod(time, &end);
		if ((!end || !*end) && t >= 0 && t < 1e12)
			c->time_s = t;
	}
	c->disabled = status && (!strcmp(status, "disabled") || !strcmp(status, "notrun"));
	return 0;
}

/* The first line of text, bounded, for a failure that has no message= (its
 * own text, else its case's output). */
static char *first_line(const char *text)
{
	size_t n;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	n = strcspn(text, "\n\r");
	if (!n)
		return NULL;
	return bounded_dup(text, n, 1024, 0);
}

static int case_end(struct junit_reader *jr)
{
	struct junit_case *c = &jr->cases[--jr->nr_cases];
	enum test_outcome o = TEST_PASS;
	const char *msg = NULL, *text = NULL;
	char *fallback = NULL;
	struct test_case *tc;
	int err = 0;

	if (c->has_error) {
		o = TEST_ERROR;
		msg = c->msg_error, text = c->text_error;
	} else if (c->has_skipped && (!c->has_failure || c->skipped_todo)) {
		/* a <skipped type="todo"> beside a failure is skipped (node:test
		 * TODO); any other <skipped> beside a <failure> is the failure
		 * (EnricoMi's multiresult: the peer manifest counts it failed) */
		o = TEST_SKIP;
		msg = c->msg_skipped;
		if (c->has_failure && !msg)
			msg = c->msg_failure;
	} else if (c->has_failure) {
		o = TEST_FAIL;
		msg = c->msg_failure, text = c->text_failure;
	} else if (c->disabled) {
		o = TEST_SKIP;
		msg = "disabled";
	}
	if ((o == TEST_PASS || o == TEST_SKIP) && !c->attempts.nr && !jr->out->keep_cases) {
		/* the common case, kept compact: identity, time, skip reason */
		err = test_results_compact(jr->out, o, c->time_s, c->classname, c->name, msg);
		if (!err)
			jr->nr_testcases++;
		qg_buf_reset(&jr->output);
		goto out;
	}
	if (!msg && (o == TEST_FAIL || o == TEST_ERROR))
		msg = fallback = first_line(text && *text ? text : jr->output.buf);
	tc = test_results_add(jr->out, c->classname, c->name, o, msg, jr->path);
	if (!tc) {
		err = QG_ENOMEM;
		goto out;
	}
	jr->nr_testcases++;
	tc->line = c->line;
	tc->time_s = c->time_s;
	if (c->file && !(tc->file = qg_strdup(c->file)))
		err = qg_error(QG_ENOMEM, "out of memory");
	if (*jr->text_kept >= JUNIT_TEXT_BUDGET) {
		/* a run where everything broke: the first failures keep their
		 * text, the rest their message */
		if ((text && *text) || ((o == TEST_FAIL || o == TEST_ERROR) && jr->output.len))
			err = test_case_set(&tc->detail, "[failure text not kept: this run already holds "
							 "64 MiB of it]");
	} else if (text && *text) {
		tc->detail = text == c->text_error ? c->text_error : c->text_failure,
		*(text == c->text_error ? &c->text_error : &c->text_failure) = NULL;
		*jr->text_kept += strlen(tc->detail);
	} else if ((o == TEST_FAIL || o == TEST_ERROR) && jr->output.len) {
		if (!(tc->detail = qg_strndup(jr->output.buf, jr->output.len)))
			err = qg_error(QG_ENOMEM, "out of memory");
		*jr->text_kept += jr->output.len;
	}
	qg_buf_reset(&jr->output);
	for (size_t i = 0; !err && i < c->attempts.nr; i++)
		err = test_case_add_failed_attempt(tc, c->attempts.v[i]);
	tc->attempts = 1 + (int)(c->attempts.nr < 1000000 ? c->attempts.nr : 1000000);
	if (c->attempts.nr && o == TEST_PASS)
		tc->flaky = 1;
	/* everything broke: past 2 * TEST_FULL_MAX failures, those after the
	 * first TEST_FULL_MAX (by identity) become lines (amortised: a sort
	 * every TEST_FULL_MAX failures) */
	if (!err && o >= TEST_FAIL && !jr->out->keep_cases && ++jr->failing >= 2 * TEST_FULL_MAX) {
		err = test_results_trim_failures(jr->out);
		jr->failing = TEST_FULL_MAX;
	}
out:
	free(fallback);
	case_clear(c);
	return err;
}

static enum junit_kind parent_kind(const struct junit_reader *jr)
{
	return jr->depth ? jr->kinds[jr->depth - 1] : K_OTHER;
}

static int j_start(void *ud, const char *qname, const char **attrs)
{
	struct junit_reader *jr = ud;
	const char *name = local_name(qname);
	enum junit_kind k = K_OTHER, parent = parent_kind(jr);
	int err = 0;

	if (jr->depth >= JUNIT_MAX_DEPTH)
		return junit_where(jr->path, "elements nested too deep");
	jr->suite_names[jr->depth] = NULL;
	if (jr->prefix_left) {
		/* the second piece's copy of a suite the first piece opened
		 * (and declared): its name only */
		jr->prefix_left--;
		k = !strcmp(name, "testsuites") ? K_SUITES : K_SUITE;
	} else if (jr->depth == 0) {
		if (!strcmp(name, "testsuites"))
			k = K_SUITES;
		else if (!strcmp(name, "testsuite"))
			k = K_SUITE;
		else
			return refuse_root(jr, qname);
		note_decl(jr, attrs, 1);
	} else if (!strcmp(name, "testsuite")) {
		k = K_SUITE;
		if (jr->depth == 1 && parent == K_SUITES)
			note_decl(jr, attrs, 0);
	} else if (!strcmp(name, "testcase")) {
		k = K_CASE;
		err = case_start(jr, attrs);
	} else if (parent == K_CASE && jr->nr_cases) {
		struct junit_case *c = &jr->cases[jr->nr_cases - 1];
		const char *msg = qg_xml_attr(attrs, "message");

		if (!strcmp(name, "error")) {
			k = K_ERROR, c->has_error = 1;
			err = set_msg(&c->msg_error, msg ? msg : qg_xml_attr(attrs, "type"));
		} else if (!strcmp(name, "failure")) {
			k = K_FAILURE, c->has_failure = 1;
			err = set_msg(&c->msg_failure, msg ? msg : qg_xml_attr(attrs, "type"));
		} else if (!strcmp(name, "skipped")) {
			const char *type = qg_xml_attr(attrs, "type");

			k = K_SKIPPED, c->has_skipped = 1;
			if (type && !strcmp(type, "todo"))
				c->skipped_todo = 1;
			err = set_msg(&c->msg_skipped, msg ? msg : type);
		} else if (!strcmp(name, "system-out") || !strcmp(name, "system-err")) {
			k = K_OUTPUT;
		} else if (!strcmp(name, "rerunFailure") || !strcmp(name, "rerunError") ||
			   !strcmp(name, "flakyFailure") || !strcmp(name, "flakyError") || !strcmp(name, "rerun")) {
			k = K_RERUN;
			if (c->attempts.nr < 1000) {
				char buf[JUNIT_MSG_CAP + 64];

				snprintf(buf, sizeof(buf), "%s: %s", name, msg ? msg : "(no message)");
				err = qg_strvec_push(&c->attempts, buf) < 0 ? qg_error(QG_ENOMEM, "out of memory") : 0;
			}
		}
	} else if (parent == K_SUITE && !strcmp(name, "error")) {
		k = K_SUITE_ERROR;
		jr->out->suite_errors++;
	}
	if (jr->depth < JUNIT_SPLIT_DEPTH && (k == K_SUITES || k == K_SUITE)) {
		jr->tag_at[jr->depth] = qg_xml_tag_offset(qg_xml_current());
		jr->tag_len[jr->depth] = qg_xml_tag_length(qg_xml_current());
	}
	if (!err && k == K_SUITE) {
		const char *n = qg_xml_attr(attrs, "name");

		if (n && *n && !(jr->suite_names[jr->depth] = qg_strdup(n)))
			err = qg_error(QG_ENOMEM, "out of memory");
	}
	jr->kinds[jr->depth++] = k;
	return err;
}

static int j_end(void *ud, const char *qname, const char *text, size_t len)
{
	struct junit_reader *jr = ud;
	enum junit_kind k;
	int err = 0;

	(void)qname;
	if (!jr->depth)
		return 0;
	k = jr->kinds[--jr->depth];
	free(jr->suite_names[jr->depth]);
	jr->suite_names[jr->depth] = NULL;
	switch (k) {
	case K_CASE:
		if (jr->nr_cases)
			err = case_end(jr);
		break;
	case K_ERROR:
	case K_OUTPUT: {
		size_t room = JUNIT_TEXT_CAP > jr->output.len ? JUNIT_TEXT_CAP - jr->output.len : 0;

		if (len && jr->output.len && jr->output.buf[jr->output.len - 1] != '\n' && room > 1) {
			if (qg_buf_addch(&jr->output, '\n') < 0)
				err = qg_error(QG_ENOMEM, "out of memory");
			room--;
		}
		if (len > room)
			len = room;
		if (!err && len && qg_buf_add(&jr->output, text, len) < 0)
			err = qg_error(QG_ENOMEM, "out of memory");
		break;
	}
	case K_FAILURE: {
		struct junit_case *c = &jr->cases[jr->nr_cases - 1];
		char **slot = k == K_ERROR ? &c->text_error : &c->text_failure;
		int trunc = qg_xml_text_truncated(qg_xml_current());

		if (*slot || !len)
			break; /* the first element of a kind keeps its text */
		*slot = bounded_dup(text, len, JUNIT_TEXT_CAP, trunc);
		if (!*slot)
			err = qg_error(QG_ENOMEM, "out of memory");
		break;
	}
	default:
		break;
	}
	return err;
}

/* A document with no <testcase>: its declared counts are all there is. */
static int add_declared(struct junit_reader *jr)
{
	long long d[4];
	static const char why[] = "counted from the suite's attributes: the report has no <testcase> elements";

	for (int i = 0; i < 4; i++)
		d[i] = jr->root_decl[i] > jr->sub_decl[i] ? jr->root_decl[i] : jr->sub_decl[i];
	if (d[0] < d[1] + d[2] + d[3])
		d[0] = d[1] + d[2] + d[3];
	if (d[0] > 1000000)
		return qg_error(QG_EINPUT, "'%s': declares %lld tests and holds no <testcase>: refusing to invent them",
				jr->path, d[0]);
	for (long long i = 0; i < d[0]; i++) {
		enum test_outcome o = i < d[1] ? TEST_FAIL
				    : i < d[1] + d[2] ? TEST_ERROR
				    : i < d[1] + d[2] + d[3] ? TEST_SKIP : TEST_PASS;
		char name[64];

		snprintf(name, sizeof(name), "declared test %lld", i + 1);
		if (!test_results_add(jr->out, "", name, o, o == TEST_PASS ? NULL : why, jr->path))
			return QG_ENOMEM;
		if (o >= TEST_FAIL && !jr->out->keep_cases && (i + 1) % (2 * TEST_FULL_MAX) == 0) {
			int err = test_results_trim_failures(jr->out);

			if (err < 0)
				return err;
		}
	}
	return 0;
}

static struct junit_reader *reader_new(const char *path, struct test_results *out, size_t *kept)
{
	struct junit_reader *jr = calloc(1, sizeof(*jr));

	if (!jr)
		return NULL;
	jr->path = path;
	jr->out = out;
	jr->text_kept = kept;
	qg_buf_init(&jr->output, JUNIT_TEXT_CAP + 1);
	for (unsigned i = 0; i < QG_ARRAY_SIZE(jr->cases); i++)
		qg_buf_init(&jr->cases[i].store, QG_CAP_MESSAGE);
	return jr;
}

static void reader_free(struct junit_reader *jr)
{
	if (!jr)
		return;
	for (unsigned i = 0; i < QG_ARRAY_SIZE(jr->cases); i++) {
		case_clear(&jr->cases[i]);
		qg_buf_release(&jr->cases[i].store);
	}
	for (unsigned d = 0; d < JUNIT_MAX_DEPTH + 2; d++)
		free(jr->suite_names[d]);
	qg_buf_release(&jr->output);
	free(jr);
}

/* Two pieces at once (a big report on two CPUs). The second piece -- from
 * the first <testcase> after the middle (junit_split.c) to the end -- is
 * read on its own thread into its own results, while this thread reads the
 * first; when the first parse meets that <testcase> (j_at_split()), the
 * second is taken only if the two parses are one parse cut in two: the
 * offset exact, no testcase open, the same suites open with their start
 * tags at the offsets the prefix copied, its positions counted right, and
 * the failure text budget not reached. Anything else and the first parse
 * reads on alone, as it always could. So the result, the messages and the
 * exit are those of one parse; the order the pieces' results arrive in
 * does not matter (compact lines are sorted; failures past TEST_FULL_MAX
 * are trimmed by identity at the end, test_read_junit()). */
struct junit_split {
	const char *path;
	int fd;                   /* the report, open once for both pieces */
	long long from;
	struct junit_split_guess g;
	int guessed;
	struct junit_reader *jr;  /* the second piece's reader, results in res */
	struct test_results res;
	size_t text_kept;         /* its failure text */
	struct qg_xml_piece pc;
	int cancel;               /* set: the second piece is not needed */
	int err;                  /* its outcome, and message */
	char msg[2048];
	pthread_t th;
	int running, taken;
	const char *why;          /* not taken: why (said with -v) */
};

static void *piece_main(void *arg)
{
	struct junit_split *sp = arg;
	struct qg_xml_handler h = { .start = j_start, .end = j_end, .text_cap = JUNIT_TEXT_CAP,
				    .max_depth = JUNIT_MAX_DEPTH };

	if (!(sp->guessed = junit_split_guess(sp->fd, sp->from, &sp->g)))
		return NULL;
	if (!(sp->jr = reader_new(sp->path, &sp->res, &sp->text_kept))) {
		sp->err = QG_ENOMEM;
		return NULL;
	}
	sp->jr->prefix_left = sp->g.depth;
	sp->pc.from = sp->from;
	sp->pc.prefix = sp->g.prefix.buf;
	sp->pc.prefix_len = sp->g.prefix.len;
	sp->pc.cancel = &sp->cancel;
	h.ud = sp->jr;
	if ((sp->err = qg_xml_parse_piece(sp->fd, sp->path, &h, &sp->pc)) < 0)
		snprintf(sp->msg, sizeof(sp->msg), "%s", qg_error_last());
	return NULL;
}

static void split_join(struct junit_split *sp)
{
	if (sp->running) {
		pthread_join(sp->th, NULL);
		sp->running = 0;
	}
}

/* Start the second piece; 0 when it cannot be (the report is read whole). */
static int split_start(struct junit_split *sp, const char *path, int fd, long long from, int keep_cases)
{
	sigset_t all, old;
	pthread_attr_t a;

	memset(sp, 0, sizeof(*sp));
	sp->path = path;
	sp->fd = fd;
	sp->from = from;
	sp->res.keep_cases = keep_cases;
	if (pthread_attr_init(&a))
		return 0;
	/* the reader's deepest frame is a few KiB; signals stay with the
	 * main thread */
	pthread_attr_setstacksize(&a, (size_t)1 << 20);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	sp->running = pthread_create(&sp->th, &a, piece_main, sp) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	return sp->running;
}

static int j_at_split(void *ud, int exact)
{
	struct junit_reader *jr = ud;
	struct junit_split *sp = jr->split;
	const struct qg_xml *x = qg_xml_current();

	sp->why = "the first parse did not meet an element start there (a comment, CDATA, a DOCTYPE or "
		  "another encoding)";
	if (!exact) {
		__atomic_store_n(&sp->cancel, 1, __ATOMIC_RELAXED);
		return 0;
	}
	split_join(sp);
	sp->why = "no suite start tag before it to reopen, or the second read failed";
	if (!sp->guessed || !sp->jr || (sp->err < 0 && sp->err != QG_EINPUT))
		return 0;
	sp->why = "the elements open there are not the suites the second piece reopened";
	if (jr->nr_cases || jr->depth != sp->g.depth)
		return 0;
	for (unsigned d = 0; d < jr->depth; d++)
		if ((jr->kinds[d] != K_SUITES && jr->kinds[d] != K_SUITE) || jr->tag_at[d] != sp->g.tag_at[d] ||
		    jr->tag_len[d] != sp->g.tag_len[d])
			return 0;
	sp->why = "the second piece's line and column count differ from the parser's";
	if (sp->pc.counted && (qg_xml_line(x) != sp->pc.line || qg_xml_column(x) != sp->pc.column + 1))
		return 0;
	sp->why = "the failure text kept reaches its budget";
	if (*jr->text_kept + sp->text_kept >= JUNIT_TEXT_BUDGET)
		return 0;
	sp->why = NULL;
	sp->taken = 1;
	return 1;
}

/* The second piece's reading, taken: its error, or its results added. */
static int split_take(struct junit_reader *jr, struct junit_split *sp)
{
	struct junit_reader *b = sp->jr;

	if (sp->err < 0)
		return qg_error(sp->err, "%s", sp->msg);
	jr->nr_testcases += b->nr_testcases;
	for (int i = 0; i < 4; i++) {
		jr->sub_decl[i] += b->sub_decl[i];
		jr->sub_has[i] |= b->sub_has[i];
	}
	*jr->text_kept += sp->text_kept;
	return test_results_move(jr->out, &sp->res);
}

static void split_end(struct junit_split *sp)
{
	__atomic_store_n(&sp->cancel, 1, __ATOMIC_RELAXED);
	split_join(sp);
	reader_free(sp->jr);
	test_results_release(&sp->res);
	qg_buf_release(&sp->g.prefix);
}

int test_read_junit(const char *path, struct test_results *out)
{
	struct test_results mine = { .keep_cases = out->keep_cases, .verbose = out->verbose };
	struct junit_reader *jr = reader_new(path, &mine, &text_kept);
	struct qg_xml_handler h = { .start = j_start, .end = j_end, .text_cap = JUNIT_TEXT_CAP,
				    .max_depth = JUNIT_MAX_DEPTH };
	struct junit_split split;
	/* opened once and read through this descriptor (a pipe cannot be
	 * opened twice; both pieces of a split read one file, whatever happens
	 * to its path meanwhile); a folder, stdin or a path that does not open
	 * goes to qg_xml_parse_file(), which says what it is */
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	long long from = -1;
	int err;

	if (fd >= 0 && (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && S_ISREG(st.st_mode))
		from = junit_split_plan(fd);

	if (!jr) {
		if (fd >= 0)
			close(fd);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	h.ud = jr;
	if (from > 0 && split_start(&split, path, fd, from, mine.keep_cases)) {
		jr->split = &split;
		h.at_split = j_at_split;
		h.split_at = from;
	}
	err = fd >= 0 ? qg_xml_parse_fd(fd, path, &h) : qg_xml_parse_file(path, path, &h);
	if (jr->split) {
		if (!err && split.taken)
			err = split_take(jr, &split);
		if (!err && mine.verbose)
			fprintf(stderr, "qgate-test: '%s': read as %s (split at byte %lld%s%s)\n", path,
				split.taken ? "two pieces at once" : "one piece", from, split.taken ? "" : ": ",
				split.taken ? "" : split.why ? split.why : "the parse ended before it");
		split_end(&split);
	}
	if (fd >= 0)
		close(fd);
	if (!err && !jr->nr_testcases) {
		err = add_declared(jr);
	} else if (!err) {
		for (int i = 1; i <= 2; i++) {
			long long d = jr->root_decl[i] > jr->sub_decl[i] ? jr->root_decl[i] : jr->sub_decl[i];
			if (i == 1)
				mine.declared_failures += d;
			else
				mine.declared_errors += d;
		}
	}
	/* past TEST_FULL_MAX failures, the first TEST_FULL_MAX by identity
	 * stay whole whatever order they came in (one piece or two) */
	if (!err && !mine.keep_cases)
		err = test_results_trim_failures(&mine);
	reader_free(jr);
	if (!err)
		err = test_results_move(out, &mine);
	test_results_release(&mine);
	return err;
}
