/* test_data_fastval.c -- the validator's fast acceptors agree with the full parsers
 *
 * fastval.h may only accept what value.c accepts, with the same value bit for
 * bit (bounds and keys must not depend on the path a cell took). Each test
 * runs the acceptor and the full parser on hand-picked edge cases and on
 * random strings over a small alphabet that hits every branch, with the
 * QG_TABLE_PAD readable bytes after the text that the reader guarantees
 * (filled with digits and letters, so reading past the end shows up). It
 * also checks that the common shapes are really accepted (a fast path that
 * never fires would pass the first property). Last, the whole validator at
 * every QG_SIMD level (include/qgate/cpu.h): the column loops, the vector
 * record tests and the full path alone give the same result JSON.
 */
#include "qgate/common.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/cpu.h"
#include "qgate/report.h"
#include "qgate/result.h"
#include "qgate/table.h"
#include "data/data.h"
#include "data/fastval.h"
#include "data/schema.h"
#include "data/uniq.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* s copied into buf with junk after it (the reader's pad) */
static const char *padded(char *buf, const char *s, size_t n)
{
	memcpy(buf, s, n);
	for (size_t i = 0; i < QG_TABLE_PAD; i++)
		buf[n + i] = "7.@-a9"[i % 6];
	return buf;
}

static size_t random_text(char *out, size_t max, const char *alpha)
{
	size_t n = next_rand() % (max + 1), k = strlen(alpha);

	for (size_t i = 0; i < n; i++)
		out[i] = alpha[next_rand() % k];
	return n;
}

static void check_int(const char *s, size_t n)
{
	char buf[256];
	long long a = 0, b = 0;
	int fast = fv_int(padded(buf, s, n), n, &a);
	int full = data_value_int(s, n, 0, &b) == 0;

	if (fast) {
		assert_true(full);
		assert_true(a == b);
	}
}

static void test_data_fastval_int(void **state)
{
	static const char *cases[] = { "0", "7", "-7", "+7", "-", "+", "", "007", "12345678", "123456789",
				       "1234567890123456", "12345678901234567", "-9999999999999999", "1a", "a1",
				       "1 ", " 1", "--1", "1-", "99999999", "100000000", "1.0" };
	char buf[64], tmp[256];
	long long v;

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++)
		check_int(cases[i], strlen(cases[i]));
	for (int i = 0; i < 200000; i++) {
		size_t n = random_text(buf, 20, "0123456789012345678-+ x");
		check_int(buf, n);
	}
	/* the common shapes do take the fast path */
	assert_true(fv_int(padded(tmp, "9750058", 7), 7, &v) && v == 9750058);
	assert_true(fv_int(padded(tmp, "-1234567890123456", 17), 17, &v) && v == -1234567890123456LL);
	assert_true(fv_int(padded(tmp, "+42", 3), 3, &v) && v == 42);
}

static void check_number(const char *s, size_t n)
{
	char buf[256];
	double a = 0, b = 0;
	int fast = qg_decimal_swar_number(padded(buf, s, n), n, &a);
	int full = data_value_number(s, n, '.', 0, &b) == 0;

	if (fast) {
		assert_true(full);
		assert_memory_equal(&a, &b, sizeof(a)); /* the same bits, -0.0 included */
	}
}

static void test_data_fastval_number(void **state)
{
	static const char *cases[] = { "0", "-0", "-0.0", "+.5", "-.5", "5.", ".", "-.", "1.2.3", "1e5",
				       "123456789012345.6", "1234567890123456", "9007199254740993", "9007199254740992",
				       "0.1234567890123456", "-278.110609", "-0.4958", "1000.0", "12345678.1234567",
				       "NaN", "INF", "1,5", "..5", "5..", "" };
	char buf[64], tmp[256];
	double d;

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++)
		check_number(cases[i], strlen(cases[i]));
	for (int i = 0; i < 300000; i++) {
		size_t n = random_text(buf, 20, "01234567890123456789..-+e");
		check_number(buf, n);
	}
	assert_true(qg_decimal_swar_number(padded(tmp, "-278.110609", 11), 11, &d) && d == -278.110609);
	assert_true(qg_decimal_swar_number(padded(tmp, "0.4958", 6), 6, &d) && d == 0.4958);
	assert_true(qg_decimal_swar_number(padded(tmp, "17", 2), 2, &d) && d == 17);
}

/* qg_decimal_sse() (the profile's number path) answers exactly as
 * qg_decimal_swar(): the same acceptance and the same (m, frac, neg) */
static void check_decimal_sse(const char *s, size_t n, const char *junk)
{
	char buf[256];
	uint64_t m1 = 1, m2 = 2;
	unsigned f1 = 1, f2 = 2, s1 = 1, s2 = 2;
	int a, b;

	memcpy(buf, s, n);
	for (size_t i = 0; i < QG_TABLE_PAD; i++)
		buf[n + i] = junk[i % strlen(junk)];
	a = qg_decimal_swar(buf, n, &m1, &f1, &s1);
	b = qg_decimal_sse(buf, n, &m2, &f2, &s2);
	if (a != b || (a && (m1 != m2 || f1 != f2 || s1 != s2)))
		fail_msg("'%.*s': qg_decimal_swar %d m=%llu f=%u neg=%u, qg_decimal_sse %d m=%llu f=%u neg=%u", (int)n, s,
			 a, (unsigned long long)m1, f1, s1, b, (unsigned long long)m2, f2, s2);
}

static void test_data_fastval_decimal_sse(void **state)
{
	static const char *cases[] = { "0", "-0", "-0.0", "+.5", "-.5", "5.", ".", "-.", "+", "-", "", "1.2.3",
				       "1e5", "123456789012345.6", "1234567890123456", "9007199254740993",
				       "9007199254740992", "9999999999999999", "-9007199254740992.", ".9007199254740993",
				       "0.1234567890123456", "0.123456789012345", "-278.110609", "-0.4958", "1000.0",
				       "12345678.1234567", "00000000000000000", "0000000000000000", "NaN", "1,5", "..5",
				       "5..", "\xb0", "1\x80", "9/", ":" };
	static const char *junks[] = { "7.@-a9", "0", ".", "\xff", "9" };
	static const char alpha[] = "0123456789.-+/:a \x80\xb9";
	char buf[64], tmp[256];
	uint64_t m;
	unsigned f, neg;

	(void)state;
	for (size_t j = 0; j < QG_ARRAY_SIZE(junks); j++)
		for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++)
			check_decimal_sse(cases[i], strlen(cases[i]), junks[j]);
	/* every digit count 1..17, a dot at every position or none, a sign
	 * or none, and one byte replaced by a non-digit at every position */
	for (size_t nd = 1; nd <= 17; nd++)
		for (size_t dot = 0; dot <= nd + 1; dot++)
			for (int sg = 0; sg < 3; sg++)
				for (size_t bad = 0; bad <= nd + 2; bad++)
					for (int rep = 0; rep < 20; rep++) {
						size_t n = 0;
						if (sg)
							buf[n++] = sg == 1 ? '-' : '+';
						for (size_t i = 0; i < nd; i++) {
							if (i == dot)
								buf[n++] = '.';
							buf[n++] = (char)('0' + next_rand() % 10);
						}
						if (dot == nd)
							buf[n++] = '.';
						if (rep % 4 == 0) /* large mantissas, near 2^53 */
							for (size_t i = 0; i < n; i++)
								if (buf[i] >= '0' && buf[i] <= '9')
									buf[i] = i % 2 ? '9' : '0' + (char)(rep % 10);
						if (bad < n)
							buf[bad] = alpha[10 + next_rand() % (sizeof(alpha) - 11)];
						check_decimal_sse(buf, n, junks[rep % QG_ARRAY_SIZE(junks)]);
					}
	for (int i = 0; i < 2000000; i++) {
		size_t n = random_text(buf, 20, i % 2 ? "0123456789012345678901234567890123456789.-+" : alpha);
		check_decimal_sse(buf, n, junks[i % QG_ARRAY_SIZE(junks)]);
	}
	/* mantissas around 2^53 and 10^16 - 1 */
	for (uint64_t v = ((uint64_t)1 << 53) - 300; v < ((uint64_t)1 << 53) + 300; v++) {
		int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		check_decimal_sse(buf, (size_t)n, "0");
		memmove(buf + 4, buf + 3, (size_t)n - 2);
		buf[3] = '.';
		check_decimal_sse(buf, (size_t)n + 1, "0");
	}
	/* the common shapes are accepted */
	assert_true(qg_decimal_sse(padded(tmp, "-278.110609", 11), 11, &m, &f, &neg) && m == 278110609 && f == 6 &&
		    neg == 1);
	assert_true(qg_decimal_sse(padded(tmp, "0.4958", 6), 6, &m, &f, &neg) && m == 4958 && f == 4 && neg == 0);
}

/* bounds on the mantissa decide exactly what the double compares decide */
static void test_data_fastval_number_bounds(void **state)
{
	static const double bounds[][2] = {
		{ -1000, 1000 }, { 0, INFINITY }, { -INFINITY, 0 }, { 0.1, 0.3 }, { -0.0, 0.0 }, { 5, 4 },
		{ -INFINITY, INFINITY }, { 1e300, INFINITY }, { -1e-300, 1e-300 }, { 0.1234567, 99999.25 },
	};
	struct qg_decimal_range *r = calloc(1, sizeof(*r));
	char buf[64], tmp[256];

	(void)state;
	assert_non_null(r);
	for (size_t bi = 0; bi < QG_ARRAY_SIZE(bounds) + 6; bi++) {
		double lo, hi;

		if (bi < QG_ARRAY_SIZE(bounds)) {
			lo = bounds[bi][0];
			hi = bounds[bi][1];
		} else { /* exclusive bounds as the schema folds them */
			lo = nextafter((double)(int)(next_rand() % 2000) / 8 - 100, INFINITY);
			hi = nextafter(lo + (double)(next_rand() % 100000) / 16, -INFINITY);
		}
		qg_decimal_range_init(r, lo, hi);
		for (int i = 0; i < 100000; i++) {
			size_t n = random_text(buf, 10, "012345678900.-");
			uint64_t m;
			unsigned f, neg;
			double d;

			if (i % 3 == 0) { /* near the bounds */
				double t = (i & 1 ? lo : hi) + (double)((int)(next_rand() % 2001) - 1000) / 1000;
				if (fabs(t) < 1e12)
					n = (size_t)snprintf(buf, sizeof(buf), "%.3f", t);
			}
			if (!qg_decimal_swar(padded(tmp, buf, n), n, &m, &f, &neg))
				continue;
			assert_int_equal(data_value_number(buf, n, '.', 0, &d), 0);
			assert_int_equal(qg_decimal_range_has(r, m, f, neg), d >= lo && d <= hi);
		}
	}
	free(r);
}

/* The shapes without values: a subset of qg_decimal_swar()/fv_int(), and the
 * safe digit counts really inside the bounds (the fast paths of number and
 * integer columns rely on both). */
static void test_data_fastval_shapes(void **state)
{
	static const double dbounds[][2] = {
		{ -1000, 1000 }, { 0, INFINITY }, { -INFINITY, 0 }, { 0.1, 0.3 }, { -0.0, 0.0 }, { 5, 4 },
		{ -1e-300, 1e-300 }, { -999.5, 99999.25 }, { 1, 10 }, { -10, -1 },
	};
	static const long long ibounds[][2] = {
		{ 0, 1000000 }, { 1, LLONG_MAX }, { LLONG_MIN, 0 }, { -9, 9 }, { -10, 99 }, { 5, 4 }, { 0, 0 },
		{ LLONG_MIN, LLONG_MAX }, { -999999, -1 },
	};
	char buf[64], tmp[256];

	(void)state;
	for (size_t bi = 0; bi < QG_ARRAY_SIZE(dbounds); bi++) {
		double lo = dbounds[bi][0], hi = dbounds[bi][1];
		int kd[2];

		qg_decimal_safe_digits(lo, hi, kd);
		for (int i = 0; i < 100000; i++) {
			size_t n = random_text(buf, 18, "0123456789000.-+");
			unsigned neg, intd, f, neg2;
			uint64_t m;
			double d;

			if (!qg_decimal_shape(padded(tmp, buf, n), n, &neg, &intd)) {
				assert_false(qg_decimal_syntax(padded(tmp, buf, n), n));
				continue;
			}
			assert_true(qg_decimal_syntax(padded(tmp, buf, n), n));
			assert_true(qg_decimal_swar(padded(tmp, buf, n), n, &m, &f, &neg2));
			assert_int_equal(neg, neg2);
			assert_int_equal(data_value_number(buf, n, '.', 0, &d), 0);
			if ((int)intd <= kd[neg])
				assert_true(d >= lo && d <= hi);
		}
	}
	for (size_t bi = 0; bi < QG_ARRAY_SIZE(ibounds); bi++) {
		long long lo = ibounds[bi][0], hi = ibounds[bi][1];
		int kd[2];

		fv_int_safe_digits(lo, hi, kd);
		for (int i = 0; i < 100000; i++) {
			size_t n = random_text(buf, 18, "01234567890009-+");
			unsigned neg = 0, nd = 0;
			long long v = 0;
			int fast = fv_int(padded(tmp, buf, n), n, &v);

			assert_int_equal(fv_int_shape(padded(tmp, buf, n), n, &neg, &nd), fast);
			if (!fast)
				continue;
			if ((int)nd <= kd[neg])
				assert_true(v >= lo && v <= hi);
		}
	}
}

static void test_data_fastval_date(void **state)
{
	char buf[64], tmp[256];
	uint64_t k1 = 0, k2 = 0, t1 = 0, t2 = 0;
	long long d1, d2;
	int tfast;

	(void)state;
	/* every day of a few leap-year boundaries and random strings */
	for (int i = 0; i < 300000; i++) {
		size_t n;
		int fast, full;

		if (i & 1) {
			snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)(next_rand() % 10000), (int)(next_rand() % 14),
				 (int)(next_rand() % 33));
			n = 10;
		} else {
			n = random_text(buf, 11, "0123456789-2-");
		}
		fast = fv_date(padded(tmp, buf, n), n, &k1);
		full = data_value_date(buf, n, &d1) == 0;
		assert_int_equal(fast, full);
		/* the text key: only where fv_date says yes, and all of those but
		 * February 29 */
		tfast = fv_date_text(padded(tmp, buf, n), n, &t1);
		if (tfast)
			assert_true(fast);
		if (fast && !(buf[5] == '0' && buf[6] == '2' && buf[8] == '2' && buf[9] == '9'))
			assert_true(tfast);
		if (!fast)
			continue;
		/* keys order as day numbers, and bounds map exactly */
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)(next_rand() % 10000), (int)(next_rand() % 12 + 1),
			 (int)(next_rand() % 28 + 1));
		assert_true(fv_date(padded(tmp, buf, 10), 10, &k2));
		assert_int_equal(data_value_date(buf, 10, &d2), 0);
		assert_true((k1 < k2) == (d1 < d2) && (k1 == k2) == (d1 == d2));
		assert_true(fv_date_text(padded(tmp, buf, 10), 10, &t2));
		if (tfast)
			assert_true((t1 < t2) == (d1 < d2) && (t1 == t2) == (d1 == d2));
		{
			uint64_t lo, hi, tlo, thi;
			double blo = (double)d2 - (double)(next_rand() % 3), bhi = blo + (double)(next_rand() % 1000);

			if (i % 7 == 0)
				bhi = blo - 1; /* empty */
			fv_date_bounds(blo, bhi, &lo, &hi);
			fv_date_text_bounds(lo, hi, &tlo, &thi);
			assert_int_equal(k1 >= lo && k1 <= hi, (double)d1 >= blo && (double)d1 <= bhi);
			if (tfast)
				assert_int_equal(t1 >= tlo && t1 <= thi, (double)d1 >= blo && (double)d1 <= bhi);
		}
	}
	{
		uint64_t lo, hi;
		fv_date_bounds(-INFINITY, INFINITY, &lo, &hi);
		assert_true(fv_date(padded(tmp, "0000-01-01", 10), 10, &k1) && k1 >= lo && k1 <= hi);
		assert_true(fv_date(padded(tmp, "9999-12-31", 10), 10, &k1) && k1 >= lo && k1 <= hi);
	uint64_t tlo, thi;

		fv_date_text_bounds(lo, hi, &tlo, &thi);
		assert_true(fv_date_text(padded(tmp, "0000-01-01", 10), 10, &t1) && t1 >= tlo && t1 <= thi);
		assert_true(fv_date_text(padded(tmp, "9999-12-31", 10), 10, &t1) && t1 >= tlo && t1 <= thi);
		fv_date_bounds(1e9, 2e9, &lo, &hi); /* past 9999: nothing */
		fv_date_text_bounds(lo, hi, &tlo, &thi);
		assert_false(t1 >= tlo && t1 <= thi);
		fv_date_bounds(-2e9, -1e9, &lo, &hi); /* before 0000: nothing */
		fv_date_text_bounds(lo, hi, &tlo, &thi);
		assert_false(t1 >= tlo && t1 <= thi);
	}
	assert_false(fv_date_text(padded(tmp, "2020-02-29", 10), 10, &t1)); /* not sure: the full path */
	assert_false(fv_date_text(padded(tmp, "2020-13-01", 10), 10, &t1));
	assert_false(fv_date_text(padded(tmp, "2020-04-31", 10), 10, &t1));
	assert_true(fv_date_text(padded(tmp, "2020-02-28", 10), 10, &t1));
	assert_true(fv_date(padded(tmp, "2020-02-29", 10), 10, &k1));
	assert_false(fv_date(padded(tmp, "2019-02-29", 10), 10, &k1));
	assert_false(fv_date(padded(tmp, "1900-02-29", 10), 10, &k1));
	assert_true(fv_date(padded(tmp, "2000-02-29", 10), 10, &k1));
}

static void check_email(const char *s, size_t n)
{
	char buf[256];

	if (fv_email(padded(buf, s, n), n))
		assert_int_equal(data_value_email(s, n), 0);
#if QG_SIMD_AVX2
	/* the AVX2 variant gives the same answer for every text */
	if (qg_cpu_level_hw() >= QG_CPU_AVX2)
		assert_int_equal(fv_email_avx2(padded(buf, s, n), n), fv_email(padded(buf, s, n), n));
#endif
}

static void test_data_fastval_email(void **state)
{
	static const char *cases[] = { "a@b.co", "@b.co", "a@.co", "a@b.", "a@b..co", "a..b@c.de", ".a@b.co", "a.@b.co",
				       "a@b@c.co", "a%b@c.co", "x_y+z@ex-ample.org", "A@B.CO", "a@bc", "ab@c.d", "a b@c.de",
				       "a@b.c-", "a@-b.c", "a@b.c.", "a@b.c" };
	char buf[80], tmp[256];

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++)
		check_email(cases[i], strlen(cases[i]));
	for (int i = 0; i < 300000; i++) {
		size_t n = random_text(buf, 70, "ab.@-_+Z9%.a.b");
		check_email(buf, n);
	}
	for (int len = 5; len <= 64; len++) {
		/* long addresses across the 16-byte chunks */
		memset(buf, 'x', (size_t)len);
		buf[len / 2] = '@';
		buf[len - 3] = '.';
		check_email(buf, (size_t)len);
		assert_int_equal(fv_email(padded(tmp, buf, (size_t)len), (size_t)len), data_value_email(buf, (size_t)len) == 0);
	}
	assert_true(fv_email(padded(tmp, "lena.okafor317@corp.example", 27), 27));
}

static void test_data_fastval_wordset(void **state)
{
	static const char *words[] = { "active", "pending", "suspended", "closed", "trial", "", "x", "exactly16bytes!!",
				       "eight888", "nine99999" };
	struct fv_wordset *ws = calloc(1, sizeof(*ws));
	char buf[64], tmp[256];

	(void)state;
	assert_non_null(ws);
	for (size_t i = 0; i < QG_ARRAY_SIZE(words); i++)
		assert_int_equal(fv_wordset_add(ws, words[i], strlen(words[i])), 0);
	assert_int_equal(fv_wordset_add(ws, "seventeen bytes!!", 17), -1);
	assert_int_equal(fv_wordset_build(ws), 0);
	for (size_t i = 0; i < QG_ARRAY_SIZE(words); i++)
		assert_true(fv_wordset_has(ws, padded(tmp, words[i], strlen(words[i])), strlen(words[i])));
	for (int i = 0; i < 200000; i++) {
		size_t n = random_text(buf, 18, "activependingsx9!");
		int in = 0;

		for (size_t k = 0; k < QG_ARRAY_SIZE(words); k++)
			in |= strlen(words[k]) == n && !memcmp(words[k], buf, n);
		assert_int_equal(fv_wordset_has(ws, padded(tmp, buf, n), n), in);
	}
	assert_false(fv_wordset_has(ws, padded(tmp, "Active", 6), 6));
	assert_false(fv_wordset_has(ws, padded(tmp, "activ", 5), 5));
	assert_false(ws->short8); /* "suspended" has 9 bytes */
	free(ws);
}

/* booleans: every word <= 8 bytes, so fv_wordset_has8() answers as
 * fv_wordset_has() with one load */
static void test_data_fastval_wordset8(void **state)
{
	static const char *words[] = { "true", "false", "True", "FALSE", "1", "0", "", "yes", "eight888" };
	struct fv_wordset *ws = calloc(1, sizeof(*ws));
	char buf[64], tmp[256];

	(void)state;
	assert_non_null(ws);
	for (size_t i = 0; i < QG_ARRAY_SIZE(words); i++)
		assert_int_equal(fv_wordset_add(ws, words[i], strlen(words[i])), 0);
	assert_int_equal(fv_wordset_build(ws), 0);
	assert_true(ws->short8);
	for (size_t i = 0; i < QG_ARRAY_SIZE(words); i++)
		assert_true(fv_wordset_has8(ws, padded(tmp, words[i], strlen(words[i])), strlen(words[i])));
	for (int i = 0; i < 200000; i++) {
		size_t n = random_text(buf, 12, "truefalsTRUEFALS10yes8");
		int in = 0;

		for (size_t k = 0; k < QG_ARRAY_SIZE(words); k++)
			in |= strlen(words[k]) == n && !memcmp(words[k], buf, n);
		assert_int_equal(fv_wordset_has8(ws, padded(tmp, buf, n), n), in);
		assert_int_equal(fv_wordset_has(ws, padded(tmp, buf, n), n), in);
	}
	assert_false(fv_wordset_has8(ws, padded(tmp, "eight8889", 9), 9));
	assert_false(fv_wordset_has8(ws, padded(tmp, "tru", 3), 3));
	free(ws);
}

static void test_data_fastval_pattern(void **state)
{
	static const struct { const char *pat; int ok; } pats[] = {
		{ "[A-Z0-9]{6}", 1 }, { "[a-c]x[^0-9]{2}", 1 }, { "AB-[0-9]{3}", 1 }, { "[-a]b", 1 }, { "[a-]b", 1 },
		{ "[a-z]{0}q", 1 }, { "a b#", 1 }, { "[a-z0-9]{3}", 1 }, { "[^a-c]{2}", 1 }, { "x{4}", 1 },
		{ "[!-#A-B~0]{5}", 1 }, { "[A-Ba-bq#-#0-9]", 1 }, { "[A-Z]{16}", 1 }, { "[A-Z]{17}", 1 },
		{ "[a-z]+", 0 }, { "a|b", 0 }, { "(ab)", 0 }, { "\\d{3}", 0 }, { "a.c", 0 }, { "[a-z-9]", 0 },
		{ "[]a]", 0 }, { "[[:alpha:]]", 0 }, { "a{2,3}", 0 }, { "a{,3}", 0 }, { "(?i)abc", 0 }, { "^abc$", 0 },
		{ "", 0 }, { "a{65}", 0 },
	};
	struct fv_charseq *cs = calloc(1, sizeof(*cs));
	char buf[64], tmp[256];

	(void)state;
	assert_non_null(cs);
	for (size_t i = 0; i < QG_ARRAY_SIZE(pats); i++) {
		int errc;
		PCRE2_SIZE off;
		pcre2_code *re;
		pcre2_match_data *md;
		int ok = fv_charseq_compile(cs, pats[i].pat) == 0;

		assert_int_equal(ok, pats[i].ok);
		if (!ok)
			continue;
		re = pcre2_compile((PCRE2_SPTR)pats[i].pat, PCRE2_ZERO_TERMINATED,
				   PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &errc, &off, NULL);
		assert_non_null(re);
		md = pcre2_match_data_create_from_pattern(re, NULL);
		for (int k = 0; k < 100000; k++) {
			size_t n = random_text(buf, 8, "ABZ09az-bcqx #!~");
			int m = pcre2_match(re, (PCRE2_SPTR)buf, n, 0, 0, md, NULL) >= 0;

			assert_int_equal(fv_charseq_match(cs, padded(tmp, buf, n), n), m);
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
	}
	free(cs);
}

/* the inline interval extension answers as data_uniq_add_int() does */
static void test_data_fastval_uniq_int(void **state)
{
	struct data_uniq_pool pool;
	struct qg_uniq a, b;
	long long v = 0;

	(void)state;
	assert_int_equal(data_uniq_pool_init(&pool, 1LL << 30), 0);
	data_uniq_init(&a, 1, &pool, 0, 0);
	data_uniq_init(&b, 1, &pool, 0, 0);
	for (int i = 0; i < 300000; i++) {
		uint64_t r = next_rand();

		/* mostly runs, some jumps, repeats, the extremes */
		v = r % 16 ? (v == INT64_MAX ? 0 : v + 1) : r % 5 == 0 ? (v < 0 ? v + 7 : v - (long long)(r >> 40) % 50) : r % 5 == 1 ? INT64_MAX - (long long)(r >> 60)
		    : r % 5 == 2 ? INT64_MIN : (long long)(r >> 20) % 100000;
		assert_int_equal(data_uniq_extend(&a, v) || data_uniq_add_int(&a, v, i + 2),
				 data_uniq_add_int(&b, v, i + 2));
	}
	assert_int_equal(a.nr_iv, b.nr_iv);
	assert_int_equal(a.nr, b.nr);
	data_uniq_release(&a);
	data_uniq_release(&b);
	data_uniq_pool_release(&pool);
}

/* ---- the validator at every QG_SIMD level -------------------------------- */

static const char diff_schema[] =
	"{\"fields\": ["
	"{\"name\": \"id\", \"type\": \"integer\", \"constraints\": {\"required\": true, \"unique\": true, \"minimum\": 1}},"
	"{\"name\": \"x\", \"type\": \"number\", \"constraints\": {\"minimum\": -1000, \"maximum\": 1000}},"
	"{\"name\": \"y\", \"type\": \"number\"},"
	"{\"name\": \"amount\", \"type\": \"integer\", \"constraints\": {\"minimum\": 0, \"maximum\": 99999}},"
	"{\"name\": \"name\", \"type\": \"string\", \"constraints\": {\"maxLength\": 12}},"
	"{\"name\": \"email\", \"type\": \"string\", \"format\": \"email\"},"
	"{\"name\": \"status\", \"type\": \"string\", \"constraints\": {\"enum\": [\"active\", \"closed\", \"trial\"]}},"
	"{\"name\": \"day\", \"type\": \"date\", \"constraints\": {\"minimum\": \"2015-01-01\"}},"
	"{\"name\": \"active\", \"type\": \"boolean\"},"
	"{\"name\": \"code\", \"type\": \"string\", \"constraints\": {\"pattern\": \"[A-Z0-9]{6}\"}},"
	"{\"name\": \"note\", \"type\": \"string\"}"
	"], \"primaryKey\": \"id\"}";

/* One of a few values per column: mostly good, sometimes each way of being
 * bad (range, syntax, empty, non-ASCII, invalid UTF-8, a NUL). */
static const char *diff_value(int col, uint64_t r, long long row, char *tmp)
{
	static const char *const odd[] = { "", "\xc3\xa9t\xc3\xa9", "bad\xff", "a\"b", "  7", "-0", "1e3", "x,y" };
	static const char *const good[][4] = {
		{ NULL, NULL, NULL, NULL },
		{ "12.5", "-999.25", "0", "1000" },
		{ "3.14159", "-2", "7.0000001", "12345678901234567890" },
		{ "0", "99999", "42", "007" },
		{ "Lena", "Rosa Garcia", "Al", "twelve chars" },
		{ "a.b@c.example", "x_y+z@d-e.org", "q@r.st", "lena.okafor317@corp.example" },
		{ "active", "closed", "trial", "active" },
		{ "2020-08-22", "2015-01-01", "2026-12-31", "2019-02-28" },
		{ "true", "false", "true", "false" },
		{ "E8LF8A", "255PHL", "ABC123", "ZZZZZZ" },
		{ "free text", "", "more", "x" },
	};
	static const char *const bad[] = { NULL, "1000.5", "abc", "100000", "thirteen char", "no-at.example",
					   "open", "2014-12-31", "yes", "abc123", "\xc3" };

	if (col == 0) {
		/* ids mostly in a run; a repeat or a gap now and then */
		long long id = r % 53 == 0 ? row / 2 + 1 : r % 61 == 0 ? row + 1000 : row;
		snprintf(tmp, 32, "%lld", r % 97 == 0 ? -id : id);
		return tmp;
	}
	if (r % 23 == 0)
		return odd[(r >> 8) % QG_ARRAY_SIZE(odd)];
	if (r % 11 == 0)
		return bad[col];
	return good[col][(r >> 16) % 4];
}

static char *diff_data(int jsonl, size_t rows)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	static const char *const names[] = { "id", "x", "y", "amount", "name", "email", "status", "day", "active",
					     "code", "note" };
	char tmp[32];

	if (!jsonl)
		assert_int_equal(qg_buf_addstr(&b, "id,x,y,amount,name,email,status,day,active,code,note\n"), 0);
	for (size_t row = 1; row <= rows; row++) {
		uint64_t shape = next_rand();
		int ncols = shape % 89 == 0 ? 10 : shape % 83 == 0 ? 12 : 11;

		if (jsonl)
			assert_int_equal(qg_buf_addch(&b, '{'), 0);
		for (int c = 0; c < ncols; c++) {
			const char *v = diff_value(c % 11, next_rand(), (long long)row, tmp);

			if (jsonl) {
				assert_int_equal(qg_buf_addf(&b, "%s\"%s\": ", c ? ", " : "", c < 11 ? names[c] : "extra"), 0);
				if (shape % 97 == 0 && c == 3)
					assert_int_equal(qg_buf_addstr(&b, "null"), 0);
				else if (c == 0 && shape % 5)
					assert_int_equal(qg_buf_addstr(&b, v), 0); /* an integer key as a JSON number */
				else {
					assert_int_equal(qg_buf_addch(&b, '"'), 0);
					for (const char *q = v; *q; q++)
						if (*q == '"' || *q == '\\')
							assert_int_equal(qg_buf_addf(&b, "\\%c", *q), 0);
						else
							assert_int_equal(qg_buf_addch(&b, *q), 0);
					assert_int_equal(qg_buf_addch(&b, '"'), 0);
				}
			} else {
				if (c)
					assert_int_equal(qg_buf_addch(&b, ','), 0);
				if (strchr(v, '"') || strchr(v, ',')) {
					assert_int_equal(qg_buf_addch(&b, '"'), 0);
					for (const char *q = v; *q; q++) {
						if (*q == '"')
							assert_int_equal(qg_buf_addch(&b, '"'), 0);
						assert_int_equal(qg_buf_addch(&b, *q), 0);
					}
					assert_int_equal(qg_buf_addch(&b, '"'), 0);
				} else {
					assert_int_equal(qg_buf_addstr(&b, v), 0);
				}
			}
		}
		if (jsonl)
			assert_int_equal(qg_buf_addch(&b, '}'), 0);
		if (shape % 101 == 0)
			assert_int_equal(qg_buf_add(&b, "\0", 1), 0); /* a NUL byte in the record */
		assert_int_equal(qg_buf_addch(&b, '\n'), 0);
	}
	return qg_buf_detach(&b, NULL);
}

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* The result JSON without the lines that differ between runs (time). */
static char *validate_json(const char *schema, const char *data, int jobs)
{
	struct qg_data_opts o;
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT), out = QG_BUF_INIT(QG_CAP_REPORT);
	char *line, *save = NULL;

	data_opts_init(&o);
	o.schema = schema;
	o.no_hash = 1;
	o.input.jobs = jobs;
	assert_int_equal(qg_strvec_push(&o.data, data), 0);
	assert_int_equal(qg_result_init(&r, "data", "0"), 0);
	assert_int_equal(data_validate(&o, &r), 0);
	assert_int_equal(qg_result_to_json(&b, &r), 0);
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strstr(line, "\"started_at\"") && !strstr(line, "\"duration_ms\""))
			assert_int_equal(qg_buf_addf(&out, "%s\n", line), 0);
	qg_buf_release(&b);
	qg_result_release(&r);
	data_opts_release(&o);
	return qg_buf_detach(&out, NULL);
}

static void test_data_fastval_validate_levels(void **state)
{
	static const char *const levels[] = { "scalar", "sse2", "avx2" };
	char dir[] = "/tmp/qg-fastval-XXXXXX", schema[64], csv[64], jsonl[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(schema, sizeof(schema), "%s/s.json", dir);
	snprintf(csv, sizeof(csv), "%s/d.csv", dir);
	snprintf(jsonl, sizeof(jsonl), "%s/d.jsonl", dir);
	write_file(schema, diff_schema, strlen(diff_schema));
	for (int fmt = 0; fmt < 2; fmt++) {
		const char *path = fmt ? jsonl : csv;
		char *data = diff_data(fmt, 3000), *general;

		/* the data's length: it holds NUL bytes */
		size_t n = 0;
		for (size_t rows = 0; rows < 3000; n++)
			rows += data[n] == '\n';
		write_file(path, data, n);
		free(data);
		setenv("QG_SIMD", "general", 1);
		general = validate_json(schema, path, 1);
		/* the data must reach every kind of violation, or the test proves little */
		assert_non_null(strstr(general, "\"field.x.maximum\""));
		assert_null(strstr(general, "\"violations\": 0"));
		for (size_t l = 0; l < QG_ARRAY_SIZE(levels); l++) {
			for (int jobs = 1; jobs <= 2; jobs++) {
				char *other;

				setenv("QG_SIMD", levels[l], 1);
				other = validate_json(schema, path, jobs);
				if (strcmp(general, other))
					print_message("%s at %s, -j %d:\n--- general\n%s--- level\n%s", path, levels[l],
						      jobs, general, other);
				assert_string_equal(general, other);
				free(other);
			}
		}
		unsetenv("QG_SIMD");
		free(general);
		unlink(path);
	}
	unlink(schema);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_fastval_int),
		cmocka_unit_test(test_data_fastval_number),
		cmocka_unit_test(test_data_fastval_decimal_sse),
		cmocka_unit_test(test_data_fastval_number_bounds),
		cmocka_unit_test(test_data_fastval_shapes),
		cmocka_unit_test(test_data_fastval_date),
		cmocka_unit_test(test_data_fastval_email),
		cmocka_unit_test(test_data_fastval_wordset),
		cmocka_unit_test(test_data_fastval_wordset8),
		cmocka_unit_test(test_data_fastval_pattern),
		cmocka_unit_test(test_data_fastval_uniq_int),
		cmocka_unit_test(test_data_fastval_validate_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
