/* test_data_uniq.c -- key sets of unique/primaryKey against a brute-force reference
 *
 * Random keys (hashes, and integers mixing runs with scattered values) go
 * into several sets (pieces) with a pool cap large enough to hold them, and
 * with a cap so small that every set spills many runs to the temporary
 * file. data_uniq_check() must report exactly the duplicates a sort of all
 * occurrences finds: their number, each repeat's position and the position
 * of the key's first occurrence (or "unknown" for a key an interval holds).
 * The spill file must not be left in TMPDIR.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/hash.h"
#include "data/uniq.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct occ {
	uint64_t key, pos;
};

struct found {
	uint64_t pos, first;
};

struct seen {
	struct found *f;
	size_t n, alloc;
};

static void on_dup(void *ctx, uint64_t pos, uint64_t first, int has_value, long long value)
{
	struct seen *s = ctx;

	(void)has_value;
	(void)value;
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 64;
		s->f = realloc(s->f, s->alloc * sizeof(*s->f));
		assert_non_null(s->f);
	}
	s->f[s->n].pos = pos;
	s->f[s->n].first = first;
	s->n++;
}

static int occ_cmp(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static size_t tmp_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Hash keys in `pieces` sets (numbered from piece0, lines from line0);
 * cap bytes in the pool; absorb: every set is absorbed into the first as a
 * run folds finished pieces (its buffer then holds several pieces' keys). */
static void run_hash_at(long long cap, int pieces, size_t per, uint64_t range, size_t piece0, long long line0,
			int absorb)
{
	struct data_uniq_pool pool;
	struct qg_uniq *u = calloc((size_t)pieces, sizeof(*u));
	struct qg_uniq **ptr = calloc((size_t)pieces, sizeof(*ptr));
	struct occ *all = calloc((size_t)pieces * per, sizeof(*all));
	struct seen s = { 0 };
	long long dups = -1, ivd = -1, want = 0;
	size_t n = 0, k = 0;

	assert_non_null(u);
	assert_non_null(ptr);
	assert_non_null(all);
	assert_int_equal(data_uniq_pool_init(&pool, cap), 0);
	for (int p = 0; p < pieces; p++) {
		data_uniq_init(&u[p], 0, &pool, piece0 + (size_t)p, 0);
		ptr[p] = &u[p];
		for (size_t i = 0; i < per; i++) {
			uint64_t key = qg_hash_fmix64(next_rand() % range + 1);
			assert_int_equal(data_uniq_add_hash(&u[p], key, line0 + (long long)i * 3), 1);
			all[n].key = key;
			all[n].pos = DATA_UNIQ_POS(piece0 + (size_t)p, line0 + (long long)i * 3);
			n++;
		}
		if (absorb && p > 0) {
			data_uniq_shrink(&u[p]);
			assert_int_equal(data_uniq_absorb(&u[0], &u[p]), 0);
		}
	}
	if (cap < (1 << 20))
		assert_true(data_uniq_pool_spilled(&pool) > 0);
	assert_int_equal(data_uniq_check(&pool, ptr, absorb ? 1 : (size_t)pieces, on_dup, &s, &dups, &ivd), 0);
	assert_int_equal(ivd, 0);
	qsort(all, n, sizeof(*all), occ_cmp);
	qsort(s.f, s.n, sizeof(*s.f), found_cmp);
	/* every occurrence after a key's first is a duplicate of the first */
	{
		struct found *w = calloc(n + 1, sizeof(*w));
		assert_non_null(w);
		for (size_t i = 0, first = 0; i < n; i++) {
			if (i && all[i].key == all[i - 1].key) {
				w[want].pos = all[i].pos;
				w[want].first = all[first].pos;
				want++;
			} else {
				first = i;
			}
		}
		qsort(w, (size_t)want, sizeof(*w), found_cmp);
		assert_int_equal(dups, want);
		assert_int_equal(s.n, (size_t)want);
		for (k = 0; k < (size_t)want; k++) {
			assert_int_equal(s.f[k].pos, w[k].pos);
			assert_int_equal(s.f[k].first, w[k].first);
		}
		free(w);
	}
	data_uniq_pool_release(&pool);
	free(s.f);
	free(all);
	free(ptr);
	free(u);
}

static void run_hash(long long cap, int pieces, size_t per, uint64_t range)
{
	run_hash_at(cap, pieces, per, range, 0, 2, 0);
}

/* Runs are kept and spilled as 12-byte entries (the piece per run, a line
 * in 40 bits); a buffer holding several pieces' keys stays 16 bytes. Lines
 * near 2^40, pieces past 2^8, absorbed sets, kept and spilled runs. */
static void test_data_uniq_packed(void **state)
{
	(void)state;
	run_hash_at(64LL << 20, 3, 300000, 600000, 300, ((long long)1 << 40) - 1000000, 0);
	run_hash_at(1LL << 20, 3, 300000, 600000, 70000, ((long long)1 << 39) + 12345, 0);
	run_hash_at(64LL << 20, 5, 100000, 300000, 1, 2, 1);
	run_hash_at(2LL << 20, 5, 100000, 300000, 1, 2, 1);
	run_hash_at(256 << 10, 40, 5000, 100000, 9, 7, 1);
}

/* A lone entry in its partition whose value another set's interval holds
 * is a repeat too (the check once skipped partitions of fewer than two
 * entries). u: 4,097 isolated values (intervals), then 5, which may not
 * open one in the middle: an entry, alone in its partition; w: [3, 7]. */
static void test_data_uniq_lone_entry(void **state)
{
	struct data_uniq_pool pool;
	struct qg_uniq u, w, *ptr[2] = { &u, &w };
	struct seen s = { 0 };
	long long dups = -1, ivd = -1;

	(void)state;
	assert_int_equal(data_uniq_pool_init(&pool, 64 << 20), 0);
	data_uniq_init(&u, 1, &pool, 0, 0);
	for (long long i = 0; i <= 4096; i++)
		assert_int_equal(data_uniq_add_int(&u, i * 10, i + 2), 1);
	assert_int_equal(data_uniq_add_int(&u, 5, 5000), 1);
	assert_int_equal(u.nr, 1);
	data_uniq_init(&w, 1, &pool, 1, 0);
	for (long long i = 3; i <= 7; i++)
		assert_int_equal(data_uniq_add_int(&w, i, i), 1);
	assert_int_equal(data_uniq_check(&pool, ptr, 2, on_dup, &s, &dups, &ivd), 0);
	assert_int_equal(ivd, 0);
	assert_int_equal(dups, 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.f[0].pos, DATA_UNIQ_POS(0, 5000));
	assert_int_equal(s.f[0].first, UINT64_MAX);
	free(s.f);
	data_uniq_pool_release(&pool);
}

static void test_data_uniq_hash_memory(void **state)
{
	(void)state;
	run_hash(64LL << 20, 3, 20000, 50000);
}

static void test_data_uniq_hash_spill(void **state)
{
	char dir[] = "/tmp/test_data_uniq.XXXXXX";
	const char *old = getenv("TMPDIR");
	char *keep = old ? strdup(old) : NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);
	/* 64 KiB for 3 sets of 20,000 keys (320 KB each): many runs */
	run_hash(64 << 10, 3, 20000, 50000);
	assert_int_equal(tmp_entries(dir), 0);
	if (keep)
		setenv("TMPDIR", keep, 1);
	else
		unsetenv("TMPDIR");
	free(keep);
	rmdir(dir);
}

/* Integers: runs (intervals) and scattered values (entries), repeats of
 * both kinds, spread over pieces; the reference counts every occurrence
 * after the first, whether found while adding (0) or by the check. */
static void run_ints(long long cap)
{
	enum { PIECES = 4, PER = 30000 };
	struct data_uniq_pool pool;
	struct qg_uniq u[PIECES], *ptr[PIECES];
	struct seen s = { 0 };
	struct occ *all = calloc(PIECES * PER, sizeof(*all));
	long long dups = 0, ivd = 0, now = 0, want = 0;
	size_t n = 0;

	assert_non_null(all);
	assert_int_equal(data_uniq_pool_init(&pool, cap), 0);
	for (int p = 0; p < PIECES; p++) {
		long long v = p * 20000;

		data_uniq_init(&u[p], 1, &pool, (size_t)p, 0);
		ptr[p] = &u[p];
		for (size_t i = 0; i < PER; i++) {
			uint64_t r = next_rand();
			int got;

			v = r % 8 ? v + 1 : (long long)(r >> 20) % 200000 - 1000;
			got = data_uniq_extend(&u[p], v) || data_uniq_add_int(&u[p], v, (long long)i + 2);
			assert_true(got == 0 || got == 1);
			now += got == 0;
			all[n].key = (uint64_t)v;
			all[n].pos = DATA_UNIQ_POS(p, i + 2);
			n++;
		}
	}
	assert_int_equal(data_uniq_check(&pool, ptr, PIECES, on_dup, &s, &dups, &ivd), 0);
	qsort(all, n, sizeof(*all), occ_cmp);
	for (size_t i = 1; i < n; i++)
		want += all[i].key == all[i - 1].key;
	assert_int_equal(now + dups + ivd, want);
	/* a repeat the check names with a first line: that line holds the
	 * same key, earlier */
	for (size_t k = 0; k < s.n; k++) {
		if (s.f[k].first == UINT64_MAX)
			continue;
		assert_true(s.f[k].first < s.f[k].pos);
	}
	data_uniq_pool_release(&pool);
	free(s.f);
	free(all);
}

static void test_data_uniq_ints(void **state)
{
	(void)state;
	run_ints(64LL << 20);
	run_ints(32 << 10);
}

/* The pool's first failure is kept and returned, the sets refuse keys. */
static void test_data_uniq_spill_error(void **state)
{
	struct data_uniq_pool pool;
	struct qg_uniq u, *ptr = &u;
	long long d, ivd;
	int r = 1;

	(void)state;
	setenv("TMPDIR", "/nonexistent-qgate-dir", 1);
	assert_int_equal(data_uniq_pool_init(&pool, 16 << 10), 0);
	data_uniq_init(&u, 0, &pool, 0, 0);
	for (int i = 0; i < 100000 && r == 1; i++)
		r = data_uniq_add_hash(&u, next_rand(), i + 2);
	unsetenv("TMPDIR");
	assert_int_equal(r, -1);
	assert_int_not_equal(data_uniq_pool_error(&pool), 0);
	assert_non_null(strstr(qg_error_last(), "spill file"));
	assert_int_not_equal(data_uniq_check(&pool, &ptr, 1, NULL, NULL, &d, &ivd), 0);
	data_uniq_pool_release(&pool);
}

/* Intervals: a run costs one, repeats inside are found while adding, and
 * the check counts what two sets' intervals share (moved from
 * test_data_schema.c, where the key sets used to be tested). */
static void test_data_uniq_intervals(void **state)
{
	struct data_uniq_pool pool;
	struct qg_uniq u, w, *ptr[2] = { &u, &w };
	long long dups = -1, ivd = -1;
	long long k5 = 1000000 + 5 * 7919 % 1000003 * 3;

	(void)state;
	assert_int_equal(data_uniq_pool_init(&pool, 1 << 20), 0);
	data_uniq_init(&u, 1, &pool, 0, 0);
	for (long long i = 1; i <= 100000; i++)
		assert_int_equal(data_uniq_add_int(&u, i, i + 1), 1);
	assert_int_equal(u.nr_iv, 1); /* a run costs one interval */
	assert_int_equal(data_uniq_add_int(&u, 500, 2), 0);
	assert_int_equal(data_uniq_add_int(&u, 200000, 2), 1);
	assert_int_equal(data_uniq_add_int(&u, 200000, 2), 0);
	assert_int_equal(data_uniq_add_int(&u, 100001, 2), 1); /* extends the first interval */
	assert_int_equal(data_uniq_add_int(&u, 0, 2), 1);
	assert_int_equal(data_uniq_add_int(&u, INT64_MIN, 2), 1);
	assert_int_equal(data_uniq_add_int(&u, INT64_MAX, 2), 1);
	assert_int_equal(data_uniq_add_int(&u, INT64_MAX, 2), 0);
	/* scattered keys: intervals while they are few, then entries */
	for (long long i = 0; i < 20000; i++)
		assert_int_equal(data_uniq_add_int(&u, 1000000 + i * 7919 % 1000003 * 3, 2), 1);
	assert_true(u.nr > 0);
	assert_int_equal(data_uniq_add_int(&u, k5, 2), 0);

	data_uniq_init(&w, 1, &pool, 1, 0);
	for (long long i = 99990; i <= 100020; i++)
		assert_int_equal(data_uniq_add_int(&w, i, 2), 1);
	assert_int_equal(data_uniq_add_int(&w, 200000, 2), 1);
	assert_int_equal(data_uniq_add_int(&w, k5, 2), 1);
	assert_int_equal(data_uniq_check(&pool, ptr, 2, NULL, NULL, &dups, &ivd), 0);
	assert_int_equal(ivd, 12 + 1 + 1); /* 99990..100001, 200000, k5 */
	assert_int_equal(dups, 0);
	assert_int_equal(atomic_load(&pool.bytes), 0); /* the check released the sets */
	data_uniq_pool_release(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_uniq_intervals),
		cmocka_unit_test(test_data_uniq_hash_memory),
		cmocka_unit_test(test_data_uniq_hash_spill),
		cmocka_unit_test(test_data_uniq_packed),
		cmocka_unit_test(test_data_uniq_lone_entry),
		cmocka_unit_test(test_data_uniq_ints),
		cmocka_unit_test(test_data_uniq_spill_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
