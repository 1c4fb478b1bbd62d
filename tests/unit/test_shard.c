/* test_shard.c -- `--shard I/N` and the task pool (include/qgate/shard.h,
 * include/qgate/pool.h; lib/core/shard.c, lib/core/pool.c) */
#include "qgate/common.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <cmocka.h>

#include "qgate/pool.h"
#include "qgate/shard.h"

static void test_shard_parse_and_divide(void **state)
{
	struct qg_shard s = QG_SHARD_ALL, t;
	static const char *const bad[] = { "0/4", "5/4", "1/", "/3", "1/3x", " 1/3", "1/ 3", "+1/3", "1/-3",
					   "1/0", "1/1000001", "99999999999999999999/1", "1", "", "a/b", "1//3",
					   /* K+1/N: 0 <= K < N, the suffix exactly "+1" */
					   "4+1/4", "1+2/4", "+1/4", "1+1+1/4", "0+1", "0+1/", "0+/4", "0+01/4",
					   "0 +1/4", "0+ 1/4", "0+1 /4", "-1+1/4", "0+1/0", "0+1/4x", "+1+1/4",
					   "0-1/4", "1+0/4", "0+1/+4", "1000000+1/1000000" };

	(void)state;
	assert_int_equal(qg_shard_parse(&s, "2/4"), 0);
	assert_int_equal(s.index, 2);
	assert_int_equal(s.count, 4);
	assert_int_equal(qg_shard_parse(&s, "1/1"), 0);
	assert_int_equal(qg_shard_parse(&s, "1000000/1000000"), 0);
	/* a 0-based index K as K+1/N: shard K+1 */
	for (long long n = 1; n <= 5; n++)
		for (long long k = 0; k < n; k++) {
			char text[64], plain[64];
			struct qg_shard a = { 0, 0 }, b = { 0, 0 };

			snprintf(text, sizeof(text), "%lld+1/%lld", k, n);
			snprintf(plain, sizeof(plain), "%lld/%lld", k + 1, n);
			assert_int_equal(qg_shard_parse(&a, text), 0);
			assert_int_equal(qg_shard_parse(&b, plain), 0);
			assert_int_equal(a.index, k + 1);
			assert_int_equal(a.count, n);
			assert_true(a.index == b.index && a.count == b.count);
		}
	assert_int_equal(qg_shard_parse(&s, "999999+1/1000000"), 0);
	assert_int_equal(s.index, 1000000);
	assert_int_equal(qg_shard_parse(&s, "00+1/04"), 0); /* leading zeros, as in I/N */
	assert_int_equal(s.index, 1);
	assert_int_equal(s.count, 4);
	t.index = t.count = 77;
	assert_int_equal(qg_shard_parse(&t, "4+1/4"), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "K+1/N with 0 <= K < N"));
	assert_non_null(strstr(qg_error_last(), "'4+1/4'"));
	for (size_t i = 0; i < QG_ARRAY_SIZE(bad); i++) {
		t.index = t.count = 77;
		if (qg_shard_parse(&t, bad[i]) != QG_EUSAGE)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(t.index, 77); /* untouched */
		assert_non_null(strstr(qg_error_last(), "--shard"));
	}
	assert_int_equal(qg_shard_parse(&t, NULL), QG_EUSAGE);
	/* N shards: items and byte ranges disjoint, together everything */
	for (long long n = 1; n <= 7; n++) {
		long long covered = 0, prev_end = 0, size = 1000 + n;

		for (size_t k = 0; k < 50; k++) {
			int owners = 0;

			for (long long i = 1; i <= n; i++) {
				struct qg_shard x = { i, n };
				owners += qg_shard_has(&x, k);
			}
			assert_int_equal(owners, 1);
		}
		for (long long i = 1; i <= n; i++) {
			struct qg_shard x = { i, n };
			long long a, b;

			qg_shard_range(&x, size, &a, &b);
			assert_true(a == prev_end && b >= a);
			covered += b - a;
			prev_end = b;
		}
		assert_true(covered == size);
	}
}

struct seen {
	atomic_int runs[1000];
	atomic_int max_worker;
	pthread_t first_thread;
	atomic_int on_caller;
};

static void task(void *ctx, size_t i, int worker)
{
	struct seen *s = ctx;
	int m = atomic_load(&s->max_worker);

	atomic_fetch_add(&s->runs[i], 1);
	while (worker > m && !atomic_compare_exchange_weak(&s->max_worker, &m, worker))
		;
	if (worker == 0 && pthread_equal(pthread_self(), s->first_thread))
		atomic_fetch_add(&s->on_caller, 1);
}

static void test_shard_pool_runs_each_task_once(void **state)
{
	static const struct {
		size_t nr;
		int jobs, threads;
	} runs[] = { { 1000, 4, 4 }, { 3, 8, 3 }, { 0, 4, 1 }, { 10, 0, 1 }, { 10, -2, 1 }, { 1, 1, 1 } };

	(void)state;
	for (size_t r = 0; r < QG_ARRAY_SIZE(runs); r++) {
		struct seen *s = calloc(1, sizeof(*s));

		assert_non_null(s);
		s->first_thread = pthread_self();
		assert_int_equal(qg_pool_run(runs[r].nr, runs[r].jobs, task, s), runs[r].threads);
		for (size_t i = 0; i < 1000; i++)
			assert_int_equal(atomic_load(&s->runs[i]), i < runs[r].nr ? 1 : 0);
		assert_true(atomic_load(&s->max_worker) < runs[r].threads);
		if (runs[r].nr == 1 || runs[r].threads == 1)
			assert_int_equal(atomic_load(&s->on_caller), (int)runs[r].nr); /* worker 0 is the caller */
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_parse_and_divide),
		cmocka_unit_test(test_shard_pool_runs_each_task_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
