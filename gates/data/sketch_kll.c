/* sketch_kll.c -- KLL quantile sketch (sketch.h has its guarantees)
 *
 * Bounded: about 3k doubles plus the levels' slack. The KLL is fed in
 * batches: its bottom sampler makes the sort work per value shrink as the
 * stream grows, and a batch is sorted once before it enters level 0.
 * Deterministic: the compactions' coin is a splitmix64 stream seeded with
 * QG_KLL_SEED, so the same data gives the same profile.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/buf.h"
#include "qgate/json.h"
#include "schema.h" /* qg_utf8_check */
#include "sketch.h"
#include "sketch_int.h"

/* ---- KLL ------------------------------------------------------------------ */

#define KLL_M 8                /* smallest level capacity */
#define KLL_SAMPLE_FROM 16     /* the sampler starts at n >= 2^16 values */
#define KLL_SAMPLE_MAX 10      /* at most one of 1024 values enters the levels */

static uint64_t kll_next(struct qg_kll *s)
{
	/* splitmix64: deterministic, one state word */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void data_kll_init(struct qg_kll *s)
{
	memset(s, 0, sizeof(*s));
	s->rng = QG_KLL_SEED;
	s->nlevels = 1;
	s->min = INFINITY;
	s->max = -INFINITY;
}

void data_kll_release(struct qg_kll *s)
{
	uint32_t h;

	if (!s)
		return;
	for (h = 0; h < QG_KLL_MAX_LEVELS; h++)
		free(s->lv[h]);
	free(s->sv_items);
	free(s->sv_cum);
	data_kll_init(s);
}

static uint32_t kll_cap(uint32_t h, uint32_t nlevels)
{
	/* k * (2/3)^depth, at least KLL_M; computed, not cached, so that
	 * worker threads share no state */
	uint32_t depth = nlevels - 1 - h;
	double c = QG_KLL_K;

	for (uint32_t i = 0; i < depth && c >= KLL_M; i++)
		c *= 2.0 / 3.0;
	c = ceil(c - 1e-9);
	return c < KLL_M ? KLL_M : (uint32_t)c;
}

static int kll_reserve(struct qg_kll *s, uint32_t h, size_t want)
{
	size_t a = s->alloc[h];

	if (want > UINT32_MAX / 2)
		return qg_error(QG_ENOMEM, "quantile sketch level too large");
	if (want <= a)
		return 0;
	if (qg_alloc_grow((void **)&s->lv[h], &a, want, sizeof(double)))
		return QG_ENOMEM;
	s->alloc[h] = (uint32_t)a;
	return 0;
}

/* Sorting doubles (no NaN): an inlined quicksort with median-of-three
 * pivots, insertion sort for short runs; recursion on the smaller side keeps
 * the stack at O(log n). */
static void dbl_sort(double *v, size_t n)
{
	while (n > 24) {
		size_t i = 0, j = n - 1, mid = n / 2;
		double a = v[0], b = v[mid], c = v[n - 1], p;
		p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		for (;;) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i >= j)
				break;
			double t = v[i];
			v[i] = v[j];
			v[j] = t;
			i++;
			j--;
		}
		/* [0, j] <= p <= [j+1, n) */
		if (j + 1 < n - j - 1) {
			dbl_sort(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			dbl_sort(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Merge the sorted items[0..nr) into sorted level h (h >= 1). */
static int kll_merge_into(struct qg_kll *s, uint32_t h, const double *items, size_t nr)
{
	size_t old = s->len[h], i, j, k;
	double *a;

	if (!nr)
		return 0;
	if (kll_reserve(s, h, old + nr))
		return QG_ENOMEM;
	a = s->lv[h];
	/* merge from the back in place */
	i = old;
	j = nr;
	k = old + nr;
	while (j > 0) {
		if (i > 0 && a[i - 1] > items[j - 1])
			a[--k] = a[--i];
		else
			a[--k] = items[--j];
	}
	s->len[h] = (uint32_t)(old + nr);
	return 0;
}

static int kll_compact(struct qg_kll *s, uint32_t h)
{
	double *a = s->lv[h];
	size_t L = s->len[h], start = 0, E, i, np;
	double keep = 0;
	int has_keep = 0;
	uint64_t r = kll_next(s);
	int ret;

	if (h == 0)
		dbl_sort(a, L);
	if (L & 1) {
		/* an odd item stays behind; which end is random */
		has_keep = 1;
		if (r & 2) {
			keep = a[0];
			start = 1;
		} else {
			keep = a[L - 1];
		}
	}
	E = L - (size_t)has_keep;
	np = E / 2;
	/* promote every other item, offset random, in place (compacting down) */
	for (i = 0; i < np; i++)
		a[i] = a[start + 2 * i + (r & 1)];
	ret = kll_merge_into(s, h + 1, a, np);
	if (ret)
		return ret;
	a = s->lv[h];
	s->len[h] = 0;
	if (has_keep) {
		a[0] = keep;
		s->len[h] = 1;
	}
	return 0;
}

static int kll_compress(struct qg_kll *s)
{
	for (;;) {
		uint32_t H = s->nlevels, h;
		size_t total = 0, cap = 0;
		int ret;

		for (h = 0; h < H; h++) {
			total += s->len[h];
			cap += kll_cap(h, H);
		}
		if (total <= cap)
			return 0;
		for (h = 0; h < H; h++)
			if (s->len[h] >= kll_cap(h, H))
				break;
		if (h >= H - 1) {
			if (H >= QG_KLL_MAX_LEVELS - 1)
				return qg_error(QG_ERROR, "quantile sketch exceeded %d levels", QG_KLL_MAX_LEVELS);
			s->nlevels = H + 1;
			if (h >= H)
				continue;
		}
		ret = kll_compact(s, h);
		if (ret)
			return ret;
	}
}

int data_kll_add_batch(struct qg_kll *s, const double *v, size_t nr)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < nr; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return data_kll_add_batch_mm(s, v, nr, lo, hi);
}

int data_kll_add_batch_mm(struct qg_kll *s, const double *v, size_t nr, double lo, double hi)
{
	double tmp[1 << KLL_SAMPLE_MAX];
	size_t done = 0;

	if (!nr)
		return 0;
	s->sv_valid = 0;
	/* the same as comparing value by value: the first of equal extremes
	 * wins either way */
	if (lo < s->min)
		s->min = lo;
	if (hi > s->max)
		s->max = hi;
	while (done < nr) {
		unsigned sh = 0;
		size_t group, ngroups, chunk, left = nr - done;
		int ret;

		/* the sampler level follows the stream length: about 2^16 values
		 * per group count keep its variance far below the KLL bound */
		while (sh < KLL_SAMPLE_MAX && (s->n >> (KLL_SAMPLE_FROM + sh)) > 0)
			sh++;
		group = (size_t)1 << sh;
		chunk = left < (1u << KLL_SAMPLE_MAX) ? left : (1u << KLL_SAMPLE_MAX);
		ngroups = chunk / group;
		if (sh == 0 || ngroups == 0) {
			/* exact entry at level 0 (short streams, and the tail of a
			 * batch smaller than one group) */
			size_t take = sh == 0 ? chunk : chunk % group;
			if (kll_reserve(s, 0, (size_t)s->len[0] + take))
				return QG_ENOMEM;
			memcpy(s->lv[0] + s->len[0], v + done, take * sizeof(double));
			s->len[0] += (uint32_t)take;
			s->n += take;
			done += take;
		} else {
			for (size_t g = 0; g < ngroups; g++) {
				uint64_t r = kll_next(s);
				tmp[g] = v[done + g * group + (r & (group - 1))];
			}
			dbl_sort(tmp, ngroups);
			if (sh >= s->nlevels)
				s->nlevels = sh + 1;
			ret = kll_merge_into(s, sh, tmp, ngroups);
			if (ret)
				return ret;
			s->n += ngroups * group;
			done += ngroups * group;
		}
		ret = kll_compress(s);
		if (ret)
			return ret;
	}
	return 0;
}

int data_kll_merge(struct qg_kll *dst, const struct qg_kll *src)
{
	uint32_t h;
	int ret;

	if (!src->n)
		return 0;
	dst->sv_valid = 0;
	if (src->nlevels > dst->nlevels)
		dst->nlevels = src->nlevels;
	for (h = 0; h < src->nlevels; h++) {
		if (!src->len[h])
			continue;
		if (h == 0) {
			if (kll_reserve(dst, 0, (size_t)dst->len[0] + src->len[0]))
				return QG_ENOMEM;
			memcpy(dst->lv[0] + dst->len[0], src->lv[0], src->len[0] * sizeof(double));
			dst->len[0] += src->len[0];
		} else {
			ret = kll_merge_into(dst, h, src->lv[h], src->len[h]);
			if (ret)
				return ret;
		}
	}
	dst->n += src->n;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	if (dst->n == src->n) {
		/* merging into an empty sketch is a copy */
		dst->rng = src->rng;
	} else {
		dst->rng ^= (src->rng << 17) | (src->rng >> 47);
		kll_next(dst);
	}
	return kll_compress(dst);
}

size_t data_kll_retained(const struct qg_kll *s)
{
	size_t t = 0;
	for (uint32_t h = 0; h < s->nlevels; h++)
		t += s->len[h];
	return t;
}

struct kll_pair {
	double v;
	uint64_t w;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct kll_pair *x = a, *y = b;
	return (x->v > y->v) - (x->v < y->v);
}

static int kll_build_view(struct qg_kll *s)
{
	size_t n = data_kll_retained(s), k = 0;
	struct kll_pair *p;
	uint64_t cum = 0;

	if (s->sv_valid)
		return 0;
	free(s->sv_items);
	free(s->sv_cum);
	s->sv_items = NULL;
	s->sv_cum = NULL;
	s->sv_nr = 0;
	if (!n) {
		s->sv_valid = 1;
		return 0;
	}
	p = malloc(n * sizeof(*p));
	s->sv_items = malloc(n * sizeof(double));
	s->sv_cum = malloc(n * sizeof(uint64_t));
	if (!p || !s->sv_items || !s->sv_cum) {
		free(p);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	for (uint32_t h = 0; h < s->nlevels; h++)
		for (uint32_t i = 0; i < s->len[h]; i++) {
			p[k].v = s->lv[h][i];
			p[k].w = (uint64_t)1 << h;
			k++;
		}
	qsort(p, n, sizeof(*p), pair_cmp);
	for (k = 0; k < n; k++) {
		cum += p[k].w;
		s->sv_items[k] = p[k].v;
		s->sv_cum[k] = cum;
	}
	free(p);
	s->sv_nr = n;
	s->sv_valid = 1;
	return 0;
}

size_t data_kll_sorted(struct qg_kll *s, const double **items, const uint64_t **cum)
{
	if (kll_build_view(s))
		return 0;
	*items = s->sv_items;
	*cum = s->sv_cum;
	return s->sv_nr;
}

/* Number of retained items < x (strict) or <= x. */
static size_t kll_count_before(const struct qg_kll *s, double x, int inclusive)
{
	size_t lo = 0, hi = s->sv_nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (inclusive ? s->sv_items[mid] <= x : s->sv_items[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double kll_rank(struct qg_kll *s, double x, int inclusive)
{
	size_t i;

	if (!s->n || kll_build_view(s) || !s->sv_nr)
		return 0;
	i = kll_count_before(s, x, inclusive);
	return i ? (double)s->sv_cum[i - 1] / (double)s->n : 0.0;
}

double data_kll_rank_lt(struct qg_kll *s, double x)
{
	return kll_rank(s, x, 0);
}

double data_kll_rank_le(struct qg_kll *s, double x)
{
	return kll_rank(s, x, 1);
}

double data_kll_quantile(struct qg_kll *s, double q)
{
	size_t lo, hi;
	double target;

	if (!s->n || kll_build_view(s) || !s->sv_nr)
		return NAN;
	if (q <= 0)
		return s->min;
	if (q >= 1)
		return s->max;
	target = q * (double)s->n;
	lo = 0;
	hi = s->sv_nr - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((double)s->sv_cum[mid] >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return s->sv_items[lo];
}

int data_kll_to_json(struct qg_json *parent, const char *key, const struct qg_kll *s)
{
	struct qg_json *o = qg_json_add_object(parent, key), *levels;
	char hex[32];

	if (!o)
		return QG_ENOMEM;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)s->rng);
	if (!qg_json_add_number(o, "k", QG_KLL_K) || !qg_json_add_number(o, "n", (double)s->n) ||
	    !qg_json_add_string(o, "rng", hex))
		return QG_ENOMEM;
	if (s->n) {
		if (!qg_json_add_number(o, "min", s->min) || !qg_json_add_number(o, "max", s->max))
			return QG_ENOMEM;
	} else if (!qg_json_add_null(o, "min") || !qg_json_add_null(o, "max")) {
		return QG_ENOMEM;
	}
	levels = qg_json_add_array(o, "levels");
	if (!levels)
		return QG_ENOMEM;
	for (uint32_t h = 0; h < s->nlevels; h++) {
		struct qg_json *a = qg_json_add_array(levels, NULL);
		/* level 0 is unsorted in memory; write it sorted for readers */
		double *tmp = NULL;
		const double *src = s->lv[h];
		if (!a)
			return QG_ENOMEM;
		if (h == 0 && s->len[0]) {
			tmp = malloc(s->len[0] * sizeof(double));
			if (!tmp)
				return qg_error(QG_ENOMEM, "out of memory");
			memcpy(tmp, s->lv[0], s->len[0] * sizeof(double));
			dbl_sort(tmp, s->len[0]);
			src = tmp;
		}
		for (uint32_t i = 0; i < s->len[h]; i++)
			if (!qg_json_add_number(a, NULL, src[i])) {
				free(tmp);
				return QG_ENOMEM;
			}
		free(tmp);
	}
	return 0;
}

int data_kll_from_json(struct qg_kll *s, const struct qg_json *j, const char *what)
{
	const struct qg_json *levels = qg_json_get(j, "levels"), *lv;
	const char *rng = qg_json_string(qg_json_get(j, "rng"));
	uint64_t n, weight = 0;
	uint32_t h = 0;
	char *end;

	data_kll_init(s);
	if (qg_json_type(j) != QG_JSON_OBJECT || qg_json_number(qg_json_get(j, "k")) != QG_KLL_K)
		return qg_error(QG_EPARSE, "%s: expected a KLL sketch object with k = %d", what, QG_KLL_K);
	if (sketch_json_u64(&n, qg_json_get(j, "n")) || qg_json_type(levels) != QG_JSON_ARRAY ||
	    qg_json_size(levels) < 1 || qg_json_size(levels) >= QG_KLL_MAX_LEVELS - 1)
		return qg_error(QG_EPARSE, "%s: KLL sketch needs \"n\" and 1..%d \"levels\"", what,
				QG_KLL_MAX_LEVELS - 2);
	if (!rng || strlen(rng) != 16)
		return qg_error(QG_EPARSE, "%s: KLL sketch \"rng\" must be 16 hex digits", what);
	errno = 0;
	s->rng = strtoull(rng, &end, 16);
	if (*end || errno)
		return qg_error(QG_EPARSE, "%s: KLL sketch \"rng\" must be 16 hex digits", what);
	s->nlevels = (uint32_t)qg_json_size(levels);
	for (lv = qg_json_first(levels); lv; lv = qg_json_next(lv), h++) {
		size_t nr = qg_json_size(lv), i = 0;
		const struct qg_json *it;
		if (qg_json_type(lv) != QG_JSON_ARRAY)
			goto bad;
		if (nr && kll_reserve(s, h, nr))
			return QG_ENOMEM;
		for (it = qg_json_first(lv); it; it = qg_json_next(it)) {
			double d = qg_json_number(it);
			if (!isfinite(d))
				goto bad;
			s->lv[h][i++] = d;
		}
		s->len[h] = (uint32_t)i;
		dbl_sort(s->lv[h], i);
		weight += (uint64_t)i << h;
	}
	if (weight != n)
		return qg_error(QG_EPARSE, "%s: KLL sketch weights sum to %llu, expected n = %llu", what,
				(unsigned long long)weight, (unsigned long long)n);
	s->n = n;
	if (n) {
		s->min = qg_json_number(qg_json_get(j, "min"));
		s->max = qg_json_number(qg_json_get(j, "max"));
		if (!isfinite(s->min) || !isfinite(s->max) || s->min > s->max)
			goto bad;
	}
	return 0;
bad:
	data_kll_release(s);
	return qg_error(QG_EPARSE, "%s: malformed KLL sketch (levels must hold finite numbers, min <= max)",
			what);
}
