/* test_data_drift.c -- PSI, JS, KS and the drift.<field> checks */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/result.h"
#include "data/drift.h"

static uint64_t rng_state = 4242;

static double unif(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

/* Reference values from scipy 1.10 (Debian's python3-scipy):
 * jensenshannon([.2,.3,.5],[.1,.4,.5],base=2) = 0.1320067319489374,
 * jensenshannon([2,3,0],[.25,.25,.5],base=2) = 0.5622776520642967 (inputs normalised),
 * ks_2samp(1..10, 3..14).statistic = 1/3. */
static void test_data_drift_statistics_match_scipy(void **state)
{
	const double b[] = { 0.2, 0.3, 0.5 }, c[] = { 0.1, 0.4, 0.5 };
	const double u[] = { 2, 3, 0 }, v[] = { 0.25, 0.25, 0.5 };
	const double e0[] = { 1, 0, 0 }, e1[] = { 0, 1, 0 };
	double x[12];
	struct qg_kll ka, kb;

	assert_true(fabs(data_drift_psi(b, c, 3, QG_DRIFT_EPS) - 0.09808292530117262) < 1e-15);
	assert_true(data_drift_psi(b, b, 3, QG_DRIFT_EPS) == 0);
	/* an empty bin uses the epsilon: (1e-4 - 0.5) ln(1e-4 / 0.5) */
	assert_true(fabs(data_drift_psi(e0, e1, 3, QG_DRIFT_EPS) - 2 * (1 - 1e-4) * log(1 / 1e-4)) < 1e-12);
	assert_true(fabs(data_drift_js(b, c, 3) - 0.1320067319489374) < 1e-12);
	assert_true(fabs(data_drift_js(u, v, 3) - 0.5622776520642967) < 1e-12);
	assert_true(fabs(data_drift_js(e0, e1, 3) - 1.0) < 1e-12);
	data_kll_init(&ka);
	data_kll_init(&kb);
	for (int i = 0; i < 10; i++)
		x[i] = i + 1;
	assert_int_equal(data_kll_add_batch(&ka, x, 10), 0);
	for (int i = 0; i < 12; i++)
		x[i] = i + 3;
	assert_int_equal(data_kll_add_batch(&kb, x, 12), 0);
	assert_true(fabs(data_drift_ks(&ka, &kb) - 1.0 / 3) < 1e-12);
	assert_true(data_drift_ks(&ka, &ka) == 0);
	data_kll_release(&ka);
	data_kll_release(&kb);
}

static void build(struct qg_profile *p, double shift, int extra_category, size_t n)
{
	static const char *const cats[] = { "a", "b", "c", "d" };
	char s[64];

	data_profile_init(p);
	data_profile_field(p, "x", 1);
	data_profile_field(p, "cat", 3);
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(s, sizeof(s), "%.6f", gauss() + shift);
		const char *c = extra_category && i % 3 == 0 ? "new" : cats[i % 4];
		assert_int_equal(data_profile_add_value(p, 0, s, (size_t)len, 0), 0);
		assert_int_equal(data_profile_add_value(p, 1, c, strlen(c), 0), 0);
		p->rows++;
	}
	assert_int_equal(data_profile_flush(p), 0);
}

static struct qg_check *run(struct qg_result *r, double shift, int extra, const char *id, int cur_is_profile)
{
	struct qg_profile base, cur;
	struct qg_drift_opts o;

	data_drift_opts_init(&o);
	build(&base, 0, 0, 20000);
	if (cur_is_profile) {
		build(&cur, shift, extra, 10000);
	} else {
		/* read "directly": prepared on the baseline's bins, exact counts */
		char s[64];
		data_profile_init(&cur);
		assert_int_equal(data_drift_prepare(&cur, &base, &o), 0);
		for (size_t i = 0; i < 10000; i++) {
			int len = snprintf(s, sizeof(s), "%.6f", gauss() + shift);
			const char *c = extra && i % 3 == 0 ? "new" : (const char *[]){ "a", "b", "c", "d" }[i % 4];
			assert_int_equal(data_profile_add_value(&cur, 0, s, (size_t)len, 0), 0);
			assert_int_equal(data_profile_add_value(&cur, 1, c, strlen(c), 0), 0);
			cur.rows++;
		}
	}
	assert_int_equal(qg_result_init(r, "data", "0"), 0);
	assert_int_equal(data_drift_evaluate(r, &base, &cur, &o, !cur_is_profile), 0);
	data_profile_release(&base);
	data_profile_release(&cur);
	assert_int_equal(r->nr_checks, 2);
	return qg_result_find_check(r, id);
}

static void test_data_drift_checks_pass_warn_fail(void **state)
{
	struct qg_result r;
	struct qg_check *c;
	double psi, sum = 0;
	const struct qg_json *fr;

	/* same distribution: pass, no warning */
	c = run(&r, 0, 0, "drift.x", 0);
	assert_non_null(c);
	assert_int_equal(c->status, QG_STATUS_PASS);
	assert_false(c->flags & QG_CHECK_WARNING);
	psi = qg_json_number(qg_json_get(c->details, "psi"));
	assert_true(psi < 0.02);
	assert_true(qg_json_number(qg_json_get(c->details, "bins")) == 10);
	fr = qg_json_get(c->details, "current_fractions");
	for (size_t i = 0; i < qg_json_size(fr); i++)
		sum += qg_json_number(qg_json_at(fr, i));
	assert_true(fabs(sum - 1) < 1e-12);
	assert_int_equal(qg_result_exit_code(&r), 0);
	qg_result_release(&r);

	/* a shift of 0.3 sd: PSI ~ 0.1-0.25 -> passes with a warning */
	c = run(&r, 0.35, 0, "drift.x", 0);
	psi = qg_json_number(qg_json_get(c->details, "psi"));
	print_message("# shift 0.35: psi %.4f ks %.4f\n", psi, qg_json_number(qg_json_get(c->details, "ks")));
	assert_int_equal(c->status, QG_STATUS_PASS);
	assert_true(c->flags & QG_CHECK_WARNING);
	assert_int_equal(qg_result_exit_code(&r), 0);
	qg_result_release(&r);

	/* a shift of 1 sd fails, from data and from a profile alike */
	c = run(&r, 1.0, 0, "drift.x", 0);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_int_equal(qg_result_exit_code(&r), 1);
	qg_result_release(&r);
	c = run(&r, 1.0, 0, "drift.x", 1);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_true(fabs(qg_json_number(qg_json_get(c->details, "ks")) - 0.38) < 0.05); /* 2*Phi(0.5)-1 = 0.383 */
	qg_result_release(&r);
}

static void test_data_drift_unseen_category_goes_to_other(void **state)
{
	struct qg_result r;
	struct qg_check *c = run(&r, 0, 1, "drift.cat", 0);
	const struct qg_json *cats = qg_json_get(c->details, "categories"), *cf;

	assert_int_equal(qg_json_size(cats), 5);
	assert_string_equal(qg_json_string(qg_json_at(cats, 4)), "(other)");
	cf = qg_json_get(c->details, "current_fractions");
	/* every third value is "new": about a third lands in other */
	assert_true(fabs(qg_json_number(qg_json_at(cf, 4)) - 3334.0 / 10000) < 1e-9);
	assert_int_equal(c->status, QG_STATUS_FAIL); /* PSI ~ 0.33 * ln(3334) */
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_drift_statistics_match_scipy),
		cmocka_unit_test(test_data_drift_checks_pass_warn_fail),
		cmocka_unit_test(test_data_drift_unseen_category_goes_to_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
