/* run_stubs.c -- weak stand-ins for the readers and coverage not linked yet
 *
 * The runner calls T2's TAP push parser and report reader and T3's
 * coverage gate. Until their files define them, these weak definitions let
 * qgate-test link; each refuses with exit 3 (never a silent pass) naming
 * what is missing. A strong definition anywhere in gates/test replaces it.
 */
#include "qgate/common.h"

#include "test.h"

#define WEAK __attribute__((weak))

WEAK int test_tap_new(struct test_tap **out, const char *name, const char *classname)
{
	(void)name;
	(void)classname;
	*out = NULL;
	return qg_error(QG_EINPUT, "TAP reading is not built into this qgate-test");
}

WEAK int test_tap_feed(struct test_tap *t, const char *data, size_t len)
{
	(void)t;
	(void)data;
	(void)len;
	return qg_error(QG_EINPUT, "TAP reading is not built into this qgate-test");
}

WEAK int test_tap_finish(struct test_tap *t, struct test_results *out)
{
	(void)t;
	(void)out;
	return qg_error(QG_EINPUT, "TAP reading is not built into this qgate-test");
}

WEAK void test_tap_free(struct test_tap *t)
{
	(void)t;
}

WEAK int test_read_reports(const char *const *junit_globs, size_t nr_junit, const char *const *tap_globs,
			   size_t nr_tap, long long not_before_ms, struct test_results *out)
{
	(void)junit_globs;
	(void)nr_junit;
	(void)tap_globs;
	(void)nr_tap;
	(void)not_before_ms;
	(void)out;
	return qg_error(QG_EINPUT, "report reading (--junit-in, --tap-in) is not built into this qgate-test");
}

WEAK int test_cov_given(const struct test_cov_opts *o)
{
	return o->lcov || o->gcov_dir || o->cobertura || o->coverage_min >= 0 || o->branch_min >= 0 ||
	       o->diff_min >= 0 || o->cobertura_out;
}

WEAK int test_coverage_gate(const struct test_cov_opts *o, struct qg_result *r)
{
	(void)o;
	(void)r;
	return qg_error(QG_EINPUT, "coverage is not built into this qgate-test");
}
