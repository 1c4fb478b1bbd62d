/* test_data_sketch.c -- KLL, HyperLogLog and space-saving: bounds and merges */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "data/sketch.h"

static uint64_t rng_state = 12345;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A permutation of 0..n-1: the true rank of value v is exactly v/n. */
static double *permutation(size_t n)
{
	double *v = malloc(n * sizeof(double));
	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = (double)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd() % (i + 1);
		double t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	return v;
}

static void feed(struct qg_kll *s, const double *v, size_t n)
{
	/* the profile feeds batches of 1024 */
	for (size_t i = 0; i < n; i += 1024)
		assert_int_equal(data_kll_add_batch(s, v + i, n - i < 1024 ? n - i : 1024), 0);
}

/* Largest |estimated rank - true rank| over a grid of 1000 points of 0..n-1. */
static double max_rank_error(struct qg_kll *s, size_t n)
{
	double worst = 0;
	for (size_t k = 0; k <= 1000; k++) {
		double x = floor((double)(n - 1) * (double)k / 1000.0);
		double est = data_kll_rank_lt(s, x), truth = x / (double)n;
		if (fabs(est - truth) > worst)
			worst = fabs(est - truth);
	}
	return worst;
}

static void test_data_sketch_kll_exact_when_small(void **state)
{
	struct qg_kll s;
	double v[] = { 5, 1, 4, 2, 3, 9, 8, 7, 6, 10 };

	data_kll_init(&s);
	assert_int_equal(data_kll_add_batch(&s, v, 10), 0);
	assert_int_equal(s.n, 10);
	assert_true(data_kll_retained(&s) == 10);
	assert_true(data_kll_quantile(&s, 0.5) == 5);
	assert_true(data_kll_quantile(&s, 0.0) == 1);
	assert_true(data_kll_quantile(&s, 1.0) == 10);
	assert_true(data_kll_quantile(&s, 0.91) == 10);
	assert_true(data_kll_rank_lt(&s, 3) == 0.2);
	assert_true(data_kll_rank_le(&s, 3) == 0.3);
	data_kll_release(&s);
}

static void test_data_sketch_kll_error_1e6(void **state)
{
	const size_t n = 1000000;
	double *v = permutation(n), err;
	struct qg_kll s;

	data_kll_init(&s);
	feed(&s, v, n);
	assert_true(s.n == n);
	assert_true(s.min == 0 && s.max == (double)(n - 1));
	err = max_rank_error(&s, n);
	print_message("# kll 1e6 shuffled: max rank error %.5f (bound %.4f), %zu retained\n", err,
		      QG_KLL_RANK_ERROR, data_kll_retained(&s));
	assert_true(err <= QG_KLL_RANK_ERROR);
	assert_true(data_kll_retained(&s) < 4000); /* bounded memory */
	/* median within the bound */
	assert_true(fabs(data_kll_quantile(&s, 0.5) / (double)n - 0.5) <= QG_KLL_RANK_ERROR);
	data_kll_release(&s);

	/* sorted input is the classic adversary of samplers */
	for (size_t i = 0; i < n; i++)
		v[i] = (double)i;
	data_kll_init(&s);
	feed(&s, v, n);
	err = max_rank_error(&s, n);
	print_message("# kll 1e6 sorted: max rank error %.5f\n", err);
	assert_true(err <= QG_KLL_RANK_ERROR);
	data_kll_release(&s);
	free(v);
}

static void test_data_sketch_kll_merge_1e6(void **state)
{
	const size_t n = 1000000;
	double *v = permutation(n), err;
	struct qg_kll parts[4], all;
	size_t cut[5] = { 0, 123457, 500000, 500001, n };

	for (int p = 0; p < 4; p++) {
		data_kll_init(&parts[p]);
		feed(&parts[p], v + cut[p], cut[p + 1] - cut[p]);
	}
	data_kll_init(&all);
	for (int p = 0; p < 4; p++)
		assert_int_equal(data_kll_merge(&all, &parts[p]), 0);
	assert_true(all.n == n);
	assert_true(all.min == 0 && all.max == (double)(n - 1));
	err = max_rank_error(&all, n);
	print_message("# kll 4-way merge of 1e6: max rank error %.5f\n", err);
	assert_true(err <= QG_KLL_RANK_ERROR);
	for (int p = 0; p < 4; p++)
		data_kll_release(&parts[p]);
	data_kll_release(&all);
	free(v);
}

static void test_data_sketch_kll_json_roundtrip(void **state)
{
	const size_t n = 50000;
	double *v = permutation(n);
	struct qg_kll s, t;
	struct qg_json *root = qg_json_new_object(), *bad;
	struct qg_buf a = QG_BUF_INIT(QG_CAP_REPORT), b = QG_BUF_INIT(QG_CAP_REPORT);

	data_kll_init(&s);
	feed(&s, v, n);
	assert_int_equal(data_kll_to_json(root, "kll", &s), 0);
	assert_int_equal(data_kll_from_json(&t, qg_json_get(root, "kll"), "test"), 0);
	assert_true(t.n == s.n && t.min == s.min && t.max == s.max);
	for (double q = 0; q <= 1.0; q += 0.05)
		assert_true(data_kll_quantile(&s, q) == data_kll_quantile(&t, q));
	/* re-serialising gives the same text */
	{
		struct qg_json *r2 = qg_json_new_object();
		assert_int_equal(data_kll_to_json(r2, "kll", &t), 0);
		assert_int_equal(qg_json_print(&a, root, 0), 0);
		assert_int_equal(qg_json_print(&b, r2, 0), 0);
		assert_string_equal(a.buf, b.buf);
		qg_json_free(r2);
	}
	/* weights that do not add up to n are rejected */
	bad = qg_json_dup(qg_json_get(root, "kll"));
	qg_json_remove(bad, "n");
	assert_non_null(qg_json_add_number(bad, "n", 7));
	data_kll_release(&t);
	assert_int_equal(data_kll_from_json(&t, bad, "'p.json'"), QG_EPARSE);
	assert_non_null(strstr(qg_error_last(), "'p.json'"));
	qg_json_free(bad);
	data_kll_release(&s);
	data_kll_release(&t);
	qg_json_free(root);
	qg_buf_release(&a);
	qg_buf_release(&b);
	free(v);
}

static void hll_feed(struct qg_hll *h, uint64_t from, uint64_t to)
{
	char s[32];
	for (uint64_t i = from; i < to; i++) {
		int len = snprintf(s, sizeof(s), "id%llu", (unsigned long long)i);
		data_hll_add_hash(h, qg_hash64(s, (size_t)len));
	}
}

static void test_data_sketch_hll_within_3_sigma(void **state)
{
	static struct qg_hll h, g;
	const uint64_t sizes[] = { 10, 1000, 20000, 200000, 1000000 };

	for (size_t k = 0; k < QG_ARRAY_SIZE(sizes); k++) {
		double est, rel;
		data_hll_init(&h);
		hll_feed(&h, 0, sizes[k]);
		hll_feed(&h, 0, sizes[k] / 2); /* repeats do not count */
		est = data_hll_estimate(&h);
		rel = fabs(est - (double)sizes[k]) / (double)sizes[k];
		print_message("# hll n=%llu estimate %.0f (%.3f%%)\n", (unsigned long long)sizes[k], est, rel * 100);
		assert_true(rel <= 3 * QG_HLL_REL_ERROR);
	}
	/* merge = union */
	data_hll_init(&h);
	data_hll_init(&g);
	hll_feed(&h, 0, 300000);
	hll_feed(&g, 200000, 500000);
	data_hll_merge(&h, &g);
	assert_true(fabs(data_hll_estimate(&h) - 500000) / 500000 <= 3 * QG_HLL_REL_ERROR);
	data_hll_init(&g);
	assert_true(data_hll_estimate(&g) == 0);
}

/* The bound that lets most hashes skip the registers (data_hll_add_hash)
 * must never skip a rise: the registers equal a plain register-wise
 * maximum over the same hashes, at every stage of a long stream, after a
 * merge and after a reload. */
static void test_data_sketch_hll_bound_exact(void **state)
{
	static struct qg_hll h, g;
	static uint8_t ref[QG_HLL_M];
	struct qg_json *root = qg_json_new_object();
	uint32_t low = 0;

	data_hll_init(&h);
	memset(ref, 0, sizeof(ref));
	for (uint64_t i = 1; i <= 3000000; i++) {
		uint64_t x = rnd();
		uint32_t idx = (uint32_t)(x >> (64 - QG_HLL_P));
		uint8_t r = (uint8_t)(__builtin_clzll((x << QG_HLL_P) | (1u << (QG_HLL_P - 1))) + 1);
		if (r > ref[idx])
			ref[idx] = r;
		data_hll_add_hash(&h, x);
		if ((i & (i - 1)) == 0 || i % 500000 == 0) {
			uint32_t m = 255;
			for (uint32_t k = 0; k < QG_HLL_M; k++)
				m = ref[k] < m ? ref[k] : m;
			assert_memory_equal(h.reg, ref, sizeof(ref));
			assert_true(h.minv <= m);
			low = m;
		}
	}
	print_message("# hll smallest register after 3e6 hashes: %u (bound %u)\n", low, h.minv);
	assert_true(low >= 3 && h.minv == low); /* the bound did rise with the stream */
	/* merge into an empty sketch (bound 0) and a reload both recompute it */
	data_hll_init(&g);
	data_hll_merge(&g, &h);
	assert_int_equal(g.minv, h.minv);
	assert_int_equal(g.nmin, h.nmin);
	assert_int_equal(data_hll_to_json(root, "hll", &h), 0);
	data_hll_init(&g);
	assert_int_equal(data_hll_from_json(&g, qg_json_get(root, "hll"), "t"), 0);
	assert_int_equal(g.minv, h.minv);
	assert_true(g.lim == h.lim);
	for (int i = 0; i < 200000; i++) {
		uint64_t x = rnd();
		uint32_t idx = (uint32_t)(x >> (64 - QG_HLL_P));
		uint8_t r = (uint8_t)(__builtin_clzll((x << QG_HLL_P) | (1u << (QG_HLL_P - 1))) + 1);
		if (r > ref[idx])
			ref[idx] = r;
		data_hll_add_hash(&g, x);
	}
	assert_memory_equal(g.reg, ref, sizeof(ref));
	qg_json_free(root);
}

static void test_data_sketch_hll_json(void **state)
{
	static struct qg_hll h, g;
	struct qg_json *root = qg_json_new_object();

	data_hll_init(&h);
	hll_feed(&h, 0, 5000);
	assert_int_equal(data_hll_to_json(root, "hll", &h), 0);
	assert_int_equal(data_hll_from_json(&g, qg_json_get(root, "hll"), "t"), 0);
	assert_memory_equal(h.reg, g.reg, sizeof(h.reg));
	qg_json_remove(root, "hll");
	assert_non_null(qg_json_add_string(root, "hll", "AAAA"));
	assert_int_equal(data_hll_from_json(&g, qg_json_get(root, "hll"), "t"), QG_EPARSE);
	qg_json_free(root);
}

static void topk_add_str(struct qg_topk *t, const char *s)
{
	assert_int_equal(data_topk_add(t, s, strlen(s), qg_hash64(s, strlen(s))), 0);
}

static uint64_t topk_count(const struct qg_topk *t, const char *s)
{
	int i = data_topk_find(t, s, strlen(s), qg_hash64(s, strlen(s)));
	return i < 0 ? 0 : t->items[i].count;
}

static void test_data_sketch_topk_exact_under_k(void **state)
{
	struct qg_topk t;
	char s[16];

	data_topk_init(&t);
	for (int i = 0; i < 50; i++)
		for (int r = 0; r <= i; r++) {
			snprintf(s, sizeof(s), "c%d", i);
			topk_add_str(&t, s);
		}
	assert_int_equal(t.nr, 50);
	assert_true(topk_count(&t, "c0") == 1);
	assert_true(topk_count(&t, "c49") == 50);
	assert_true(data_topk_untracked_max(&t) == 0);
	{
		uint32_t order[QG_TOPK_K];
		assert_int_equal(data_topk_sorted(&t, order), 50);
		assert_string_equal(t.items[order[0]].val, "c49");
	}
	data_topk_release(&t);
}

/* Zipf-like stream over 10000 values: the heavy hitters must be tracked
 * and every count within [true, true + n/k]. */
static void test_data_sketch_topk_heavy_hitters_and_merge(void **state)
{
	struct qg_topk a, b;
	static uint64_t truth[10000];
	char s[16];
	uint64_t n = 0;

	data_topk_init(&a);
	data_topk_init(&b);
	memset(truth, 0, sizeof(truth));
	for (int i = 0; i < 400000; i++) {
		/* value v with probability ~ 1/(v+1) */
		uint64_t v = (uint64_t)(pow(10000.0, (double)(rnd() % 1000000) / 1e6)) - 1;
		snprintf(s, sizeof(s), "k%llu", (unsigned long long)v);
		truth[v]++;
		topk_add_str(i & 1 ? &b : &a, s);
		n++;
	}
	assert_true(a.n + b.n == n);
	assert_int_equal(data_topk_merge(&a, &b), 0);
	assert_true(a.n == n);
	for (int v = 0; v < 10; v++) {
		uint64_t c;
		snprintf(s, sizeof(s), "k%d", v);
		c = topk_count(&a, s);
		if (truth[v] > n / QG_TOPK_K)
			assert_true(c > 0); /* a heavy hitter is always tracked */
		if (!c)
			continue;
		assert_true(c >= truth[v]);
		assert_true(c <= truth[v] + n / QG_TOPK_K);
		assert_true(c - a.items[data_topk_find(&a, s, strlen(s), qg_hash64(s, strlen(s)))].error <= truth[v]);
	}
	/* nothing untracked occurred more often than the reported minimum */
	for (int v = 0; v < 10000; v++) {
		snprintf(s, sizeof(s), "k%d", v);
		if (data_topk_find(&a, s, strlen(s), qg_hash64(s, strlen(s))) < 0)
			assert_true(truth[v] <= data_topk_untracked_max(&a));
	}
	data_topk_release(&a);
	data_topk_release(&b);
}

/* A uniform high-cardinality stream (the filter's regime): every tracked
 * count within [true, true + error], counts add up to at most n, nothing
 * untracked above the minimum, and the minimum at most n/k. */
static void test_data_sketch_topk_uniform_bounds(void **state)
{
	struct qg_topk t;
	static uint32_t truth[20000];
	char s[16];
	uint64_t sum = 0, n = 300000;

	data_topk_init(&t);
	memset(truth, 0, sizeof(truth));
	for (uint64_t i = 0; i < n; i++) {
		uint32_t v = (uint32_t)(rnd() % 20000);
		truth[v]++;
		snprintf(s, sizeof(s), "u%u", v);
		topk_add_str(&t, s);
	}
	assert_non_null(t.filter);
	assert_true(t.n == n);
	for (uint32_t i = 0; i < t.nr; i++) {
		unsigned v = (unsigned)atoi(t.items[i].val + 1);
		assert_true(t.items[i].count >= truth[v]);
		assert_true(t.items[i].count - t.items[i].error <= truth[v]);
		sum += t.items[i].count;
	}
	assert_true(sum <= n);
	assert_true(data_topk_untracked_max(&t) <= n / QG_TOPK_K);
	for (uint32_t v = 0; v < 20000; v++) {
		snprintf(s, sizeof(s), "u%u", v);
		if (data_topk_find(&t, s, strlen(s), qg_hash64(s, strlen(s))) < 0)
			assert_true(truth[v] <= data_topk_untracked_max(&t));
	}
	data_topk_release(&t);
}

/* t saved as JSON text and loaded into u, the way a profile file goes;
 * the text stays in *text for inspection (the caller releases it). */
static void topk_through_text(struct qg_topk *u, const struct qg_topk *t, struct qg_buf *text)
{
	struct qg_json *root = qg_json_new_object(), *back = NULL;

	assert_int_equal(data_topk_to_json(root, "topk", t), 0);
	assert_int_equal(qg_json_print(text, root, 0), 0);
	assert_int_equal(qg_json_parse(&back, text->buf, text->len, "t.json"), 0);
	assert_int_equal(data_topk_from_json(u, qg_json_get(back, "topk"), "t"), 0);
	qg_json_free(back);
	qg_json_free(root);
}

/* data_topk_from_json() of a top-k object given as text: its return code */
static int topk_from_text(struct qg_topk *u, const char *text)
{
	struct qg_json *j = NULL;
	int ret;

	assert_int_equal(qg_json_parse(&j, text, strlen(text), "x.json"), 0);
	ret = data_topk_from_json(u, j, "x");
	qg_json_free(j);
	return ret;
}

/* A top-k JSON text that must be refused as malformed. */
static void topk_rejects(const char *text)
{
	struct qg_topk u;

	assert_int_equal(topk_from_text(&u, text), QG_EPARSE);
	data_topk_release(&u);
}

/* A value longer than QG_TOPK_MAXLEN is saved cut, with "length"; the JSON
 * writer re-encodes invalid UTF-8 (U+FFFD), so the text read back need not
 * be QG_TOPK_MAXLEN bytes. Loading it must stay inside the text (the
 * fuzzer's heap overflow: the hash read "length" bytes of a shorter
 * string), a saved profile must load again, and a "length" that does not
 * describe a cut value is an error. */
static void test_data_sketch_topk_json_cut_values(void **state)
{
	char big[300];
	struct qg_topk t, u;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	memset(big, 'x', sizeof(big));
	for (size_t i = 250; i < sizeof(big); i++)
		big[i] = (char)0xff; /* invalid UTF-8 across the cut */
	data_topk_init(&t);
	assert_int_equal(data_topk_add(&t, big, sizeof(big), qg_hash64(big, sizeof(big))), 0);
	topk_through_text(&u, &t, &b);
	assert_true(u.nr == 1 && u.items[0].len == sizeof(big) && u.items[0].count == 1);
	/* "bytes" and "hash" saved: the cut value matches its occurrences */
	assert_int_equal(data_topk_find(&u, big, sizeof(big), qg_hash64(big, sizeof(big))), 0);
	assert_int_equal(memcmp(u.items[0].val, big, QG_TOPK_MAXLEN), 0);
	data_topk_release(&u);

	/* written before "hash": kept for display, matching nothing */
	assert_int_equal(topk_from_text(&u, "{\"n\":5,\"items\":[{\"value\":\"ab\",\"count\":5,\"error\":0,"
					    "\"length\":300}]}"), 0);
	assert_true(u.nr == 1 && u.items[0].len == 300 && !strcmp(u.items[0].val, "ab"));
	memcpy(big, "ab", 2);
	assert_int_equal(data_topk_find(&u, big, sizeof(big), qg_hash64(big, sizeof(big))), -1);
	data_topk_release(&u);
	topk_rejects("{\"n\":5,\"items\":[{\"value\":\"ab\",\"count\":5,\"error\":0,\"length\":5}]}");
	qg_buf_release(&b);
	data_topk_release(&t);
}

/* Values JSON text cannot carry (not UTF-8, a NUL) round-trip through
 * "bytes": loaded, they match their occurrences (drift of Latin-1 data
 * against its own baseline once saw every such value as new). */
static void test_data_sketch_topk_json_bytes(void **state)
{
	static const char *const vals[] = { "caf\xe9", "na\xefve", "a\0b", "plain" };
	static const size_t lens[] = { 4, 5, 3, 5 };
	struct qg_topk t, u;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	data_topk_init(&t);
	for (size_t i = 0; i < 4; i++)
		for (size_t k = 0; k <= i; k++)
			assert_int_equal(data_topk_add(&t, vals[i], lens[i], qg_hash64(vals[i], lens[i])), 0);
	topk_through_text(&u, &t, &b);
	assert_non_null(strstr(b.buf, "\"bytes\""));
	for (size_t i = 0; i < 4; i++) {
		int k = data_topk_find(&u, vals[i], lens[i], qg_hash64(vals[i], lens[i]));
		assert_true(k >= 0);
		assert_true(u.items[k].count == i + 1 && u.items[k].len == lens[i]);
	}
	data_topk_release(&u);
	/* malformed "bytes" and "hash" */
	topk_rejects("{\"n\":1,\"items\":[{\"value\":\"a\",\"count\":1,\"error\":0,\"bytes\":\"Y*==\"}]}");
	topk_rejects("{\"n\":1,\"items\":[{\"value\":\"a\",\"count\":1,\"error\":0,"
		     "\"length\":300,\"hash\":\"-123\"}]}");
	qg_buf_release(&b);
	data_topk_release(&t);
}

static void test_data_sketch_topk_json(void **state)
{
	struct qg_topk t, u;
	struct qg_json *root = qg_json_new_object();

	data_topk_init(&t);
	topk_add_str(&t, "a");
	topk_add_str(&t, "b");
	topk_add_str(&t, "a");
	assert_int_equal(data_topk_to_json(root, "topk", &t), 0);
	assert_int_equal(data_topk_from_json(&u, qg_json_get(root, "topk"), "t"), 0);
	assert_true(u.n == 3 && u.nr == 2);
	assert_true(topk_count(&u, "a") == 2);
	topk_add_str(&u, "b");
	assert_true(topk_count(&u, "b") == 2); /* lookups work after loading */
	data_topk_release(&t);
	data_topk_release(&u);
	qg_json_free(root);
}

/* The hash as first written (one 128-bit product, constants inline):
 * sketches saved by earlier builds hold its values, so every rewrite of
 * qg_hash64_inline()/qg_hash64_keys() must give the same bits. */
static uint64_t ref_r64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint64_t ref_r32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t ref_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t ref_hash(const uint8_t *p, size_t len)
{
	uint64_t seed = 0x243f6a8885a308d3ULL, a, b;
	size_t i = len;

	if (len <= 16) {
		if (len >= 4) {
			a = (ref_r32(p) << 32) | ref_r32(p + ((len >> 3) << 2));
			b = (ref_r32(p + len - 4) << 32) | ref_r32(p + len - 4 - ((len >> 3) << 2));
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		uint64_t s1 = seed, s2 = seed;
		while (i > 32) {
			seed = ref_mix(ref_r64(p) ^ 0xe7037ed1a0b428dbULL, ref_r64(p + 8) ^ seed);
			s1 = ref_mix(ref_r64(p + 16) ^ 0x8ebc6af09c88c6e3ULL, ref_r64(p + 24) ^ s1);
			p += 32;
			i -= 32;
		}
		seed ^= s1 ^ s2;
		if (i > 16) {
			seed = ref_mix(ref_r64(p) ^ 0xe7037ed1a0b428dbULL, ref_r64(p + 8) ^ seed);
			p += 16;
			i -= 16;
		}
		a = ref_r64(p + i - 16);
		b = ref_r64(p + i - 8);
	}
	a ^= 0xe7037ed1a0b428dbULL;
	b ^= seed;
	{
		__uint128_t r = (__uint128_t)a * b;
		a = (uint64_t)r;
		b = (uint64_t)(r >> 64);
	}
	return ref_mix(a ^ 0xa0761d6478bd642fULL ^ (uint64_t)len, b ^ 0xe7037ed1a0b428dbULL);
}

static void test_data_sketch_hash_unchanged(void **state)
{
	uint8_t buf[200];
	struct qg_hash_keys k = QG_HASH_KEYS;

	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd();
		for (size_t len = 0; len <= 130; len++) {
			uint64_t want = ref_hash(buf + round % 7, len);
			assert_true(qg_hash64(buf + round % 7, len) == want);
			assert_true(qg_hash64_inline(buf + round % 7, len) == want);
			assert_true(qg_hash64_keys(buf + round % 7, len, k) == want);
		}
	}
	assert_true(qg_hash64("abc", 3) == ref_hash((const uint8_t *)"abc", 3));
}

static void test_data_sketch_hash_and_base64(void **state)
{
	unsigned char raw[100], back[100];
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_true(qg_hash64("abc", 3) != qg_hash64("abd", 3));
	assert_true(qg_hash64("", 0) != qg_hash64("a", 1));
	assert_true(qg_hash64("0123456789abcdefX", 17) != qg_hash64("0123456789abcdefY", 17));
	assert_true(qg_hash64("abc", 3) == qg_hash64("abc", 3));
	for (int i = 0; i < 100; i++)
		raw[i] = (unsigned char)(i * 37);
	for (size_t len = 0; len < 8; len++) {
		qg_buf_reset(&b);
		assert_int_equal(qg_base64_encode(&b, raw, len), 0);
		assert_int_equal(qg_base64_decode(back, len, b.buf), 0);
		assert_memory_equal(raw, back, len);
	}
	qg_buf_reset(&b);
	assert_int_equal(qg_base64_encode(&b, "foob", 4), 0);
	assert_string_equal(b.buf, "Zm9vYg==");
	assert_int_equal(qg_base64_decode(back, 4, "Zm9v*g=="), QG_EPARSE);
	qg_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_sketch_kll_exact_when_small),
		cmocka_unit_test(test_data_sketch_kll_error_1e6),
		cmocka_unit_test(test_data_sketch_kll_merge_1e6),
		cmocka_unit_test(test_data_sketch_kll_json_roundtrip),
		cmocka_unit_test(test_data_sketch_hll_within_3_sigma),
		cmocka_unit_test(test_data_sketch_hll_json),
		cmocka_unit_test(test_data_sketch_hll_bound_exact),
		cmocka_unit_test(test_data_sketch_topk_exact_under_k),
		cmocka_unit_test(test_data_sketch_topk_heavy_hitters_and_merge),
		cmocka_unit_test(test_data_sketch_topk_json),
		cmocka_unit_test(test_data_sketch_topk_json_cut_values),
		cmocka_unit_test(test_data_sketch_topk_json_bytes),
		cmocka_unit_test(test_data_sketch_topk_uniform_bounds),
		cmocka_unit_test(test_data_sketch_hash_and_base64),
		cmocka_unit_test(test_data_sketch_hash_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
