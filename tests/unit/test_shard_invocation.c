/* test_shard_invocation.c -- the result's "invocation".shard is recorded
 * normalised (lib/core/gate_invocation.c): `K+1/N` as "I/N", so a shard run
 * by a CI system counting from 0 merges with the same shard run as `I/N` */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/result.h"

/* The invocation of `qgate-data validate ARGS...`: its shard (or "(null)")
 * into shard[], its fingerprint into fp[]. */
static void invoke(char shard[64], char fp[100], int argc, const char *const *argv)
{
	struct qg_opts_ctx ctx = { .prog = "qgate-data validate", .config_section = "data.validate" };
	struct qg_result r;
	const char *s;

	assert_int_equal(qg_result_init(&r, "data", "0.0.0"), 0);
	assert_int_equal(qg_result_set_command(&r, "validate"), 0);
	assert_int_equal(qg_gate_invocation(&r, &ctx, NULL, argc, (const char **)argv), 0);
	s = qg_json_string(qg_json_get(r.invocation, "shard"));
	snprintf(shard, 64, "%s", s ? s : "(null)");
	s = qg_json_string(qg_json_get(r.invocation, "fingerprint"));
	assert_non_null(s);
	snprintf(fp, 100, "%s", s);
	qg_result_release(&r);
}

static void test_shard_invocation_normalised(void **state)
{
	static const struct {
		const char *argv[6];
		int argc;
		const char *shard;
	} runs[] = {
		{ { "validate", "--shard", "0+1/4", "a.csv" }, 4, "1/4" },
		{ { "validate", "--shard", "1/4", "a.csv" }, 4, "1/4" },
		{ { "validate", "--shard=3+1/4", "a.csv" }, 3, "4/4" },
		{ { "validate", "--shard", "04/04", "a.csv" }, 4, "4/4" },
		{ { "validate", "a.csv", "--shard", "1+1/4" }, 4, "2/4" },
		{ { "validate", "--shard", "0/4", "--shard", "1+1/4", "a.csv" }, 6, "2/4" }, /* the last wins */
		{ { "validate", "a.csv" }, 2, "(null)" },
	};
	char shard[64], fp[100], fp0[100] = "";

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(runs); i++) {
		invoke(shard, fp, runs[i].argc, runs[i].argv);
		if (strcmp(shard, runs[i].shard))
			fail_msg("run %zu: shard '%s', expected '%s'", i, shard, runs[i].shard);
		/* --shard is not part of the fingerprint: one run, N parts */
		if (!*fp0)
			snprintf(fp0, sizeof(fp0), "%s", fp);
		assert_string_equal(fp, fp0);
	}
}

static void test_shard_invocation_refused_kept(void **state)
{
	static const char *const bad[] = { "4+1/4", "0/4", "1+2/4", "x" };
	char shard[64], fp[100];

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(bad); i++) {
		const char *argv[] = { "validate", "--shard", bad[i], "a.csv" };

		qg_error_clear();
		invoke(shard, fp, 4, argv);
		/* recorded as given; the gate's own parse refuses it (exit 2) */
		assert_string_equal(shard, bad[i]);
		/* and the parse failure left no message behind */
		assert_true(!qg_error_last() || !*qg_error_last());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_invocation_normalised),
		cmocka_unit_test(test_shard_invocation_refused_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
