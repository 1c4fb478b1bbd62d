/* sketch.c -- KLL quantiles, HyperLogLog and space-saving top-k
 *
 * The summaries behind `qgate-data profile` and `drift` (see sketch.h for the
 * guarantees). Everything here is bounded: a KLL holds about 3k doubles plus
 * the levels' slack, an HLL 16 KiB, a top-k 64 values of at most 256 bytes.
 * The per-value paths are kept short because profile must run at disk speed:
 * the KLL is fed in batches (its bottom sampler makes the sort work per value
 * shrink as the stream grows), the HLL is one shift and a max, and the
 * space-saving table is a 4096-slot linear-probing hash over 64 counters (a
 * count-min filter in front once full) with a
 * rotating cursor that finds a minimal counter in amortised O(1).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/buf.h"
#include "qgate/json.h"
#include "schema.h" /* qg_utf8_check */
#include "sketch.h"

/* ---- hashing -------------------------------------------------------------- */

uint64_t qg_hash64(const void *data, size_t len)
{
	return qg_hash64_inline(data, len);
}

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

void qg_kll_init(struct qg_kll *s)
{
	memset(s, 0, sizeof(*s));
	s->rng = QG_KLL_SEED;
	s->nlevels = 1;
	s->min = INFINITY;
	s->max = -INFINITY;
}

void qg_kll_release(struct qg_kll *s)
{
	uint32_t h;

	if (!s)
		return;
	for (h = 0; h < QG_KLL_MAX_LEVELS; h++)
		free(s->lv[h]);
	free(s->sv_items);
	free(s->sv_cum);
	qg_kll_init(s);
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

int qg_kll_add_batch(struct qg_kll *s, const double *v, size_t nr)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < nr; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return qg_kll_add_batch_mm(s, v, nr, lo, hi);
}

int qg_kll_add_batch_mm(struct qg_kll *s, const double *v, size_t nr, double lo, double hi)
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

int qg_kll_merge(struct qg_kll *dst, const struct qg_kll *src)
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

size_t qg_kll_retained(const struct qg_kll *s)
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
	size_t n = qg_kll_retained(s), k = 0;
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

size_t qg_kll_sorted(struct qg_kll *s, const double **items, const uint64_t **cum)
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

double qg_kll_rank_lt(struct qg_kll *s, double x)
{
	return kll_rank(s, x, 0);
}

double qg_kll_rank_le(struct qg_kll *s, double x)
{
	return kll_rank(s, x, 1);
}

double qg_kll_quantile(struct qg_kll *s, double q)
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

int qg_kll_to_json(struct qg_json *parent, const char *key, const struct qg_kll *s)
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

static int json_u64(uint64_t *out, const struct qg_json *j)
{
	double d = qg_json_number(j);
	if (!(d >= 0) || d > 9007199254740992.0 || d != floor(d))
		return -1;
	*out = (uint64_t)d;
	return 0;
}

int qg_kll_from_json(struct qg_kll *s, const struct qg_json *j, const char *what)
{
	const struct qg_json *levels = qg_json_get(j, "levels"), *lv;
	const char *rng = qg_json_string(qg_json_get(j, "rng"));
	uint64_t n, weight = 0;
	uint32_t h = 0;
	char *end;

	qg_kll_init(s);
	if (qg_json_type(j) != QG_JSON_OBJECT || qg_json_number(qg_json_get(j, "k")) != QG_KLL_K)
		return qg_error(QG_EPARSE, "%s: expected a KLL sketch object with k = %d", what, QG_KLL_K);
	if (json_u64(&n, qg_json_get(j, "n")) || qg_json_type(levels) != QG_JSON_ARRAY ||
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
	qg_kll_release(s);
	return qg_error(QG_EPARSE, "%s: malformed KLL sketch (levels must hold finite numbers, min <= max)",
			what);
}

/* ---- HyperLogLog ---------------------------------------------------------- */

/* The registers' minimum, how many hold it, and the hash bound past which
 * no register can rise (qg_hll_add_hash). */
static void hll_bound(struct qg_hll *h)
{
	uint32_t m = 255, nm = 0;

	for (uint32_t i = 0; i < QG_HLL_M; i++) {
		if (h->reg[i] < m) {
			m = h->reg[i];
			nm = 0;
		}
		nm += h->reg[i] == m;
	}
	h->minv = m;
	h->nmin = nm;
	h->lim = m < 64 ? UINT64_MAX >> m : 0;
}

void qg_hll_init(struct qg_hll *h)
{
	memset(h->reg, 0, sizeof(h->reg));
	h->minv = 0;
	h->nmin = QG_HLL_M;
	h->lim = UINT64_MAX;
}

void qg_hll_rise(struct qg_hll *h, uint32_t idx, uint8_t r)
{
	/* registers only rise, so minv stays a lower bound; each register
	 * leaves minv once, so nmin reaches 0 only when none is left there */
	int last = h->reg[idx] == h->minv && !--h->nmin;

	h->reg[idx] = r;
	if (last)
		hll_bound(h);
}

void qg_hll_merge(struct qg_hll *dst, const struct qg_hll *src)
{
	for (uint32_t i = 0; i < QG_HLL_M; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
	hll_bound(dst);
}

static double hll_sigma(double x)
{
	double y = 1, z = x, zp;
	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

static double hll_tau(double x)
{
	double y = 1, z, zp;
	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

double qg_hll_estimate(const struct qg_hll *h)
{
	/* Ertl, "New cardinality estimation algorithms for HyperLogLog
	 * sketches" (2017), improved raw estimator: no bias tables */
	const unsigned q = 64 - QG_HLL_P;
	uint32_t C[64 + 2] = { 0 };
	double m = QG_HLL_M, z;

	for (uint32_t i = 0; i < QG_HLL_M; i++)
		C[h->reg[i] <= q + 1 ? h->reg[i] : q + 1]++;
	if (C[0] == QG_HLL_M)
		return 0;
	z = m * hll_tau(1 - C[q + 1] / m);
	for (unsigned k = q; k >= 1; k--)
		z = 0.5 * (z + C[k]);
	z += m * hll_sigma(C[0] / m);
	return (m * m / (2 * log(2))) / z;
}

int qg_hll_to_json(struct qg_json *parent, const char *key, const struct qg_hll *h)
{
	struct qg_buf b = QG_BUF_INIT;
	int ret = qg_base64_encode(&b, h->reg, sizeof(h->reg));
	if (!ret && !qg_json_add_string(parent, key, b.buf))
		ret = QG_ENOMEM;
	qg_buf_release(&b);
	return ret;
}

int qg_hll_from_json(struct qg_hll *h, const struct qg_json *j, const char *what)
{
	const char *s = qg_json_string(j);
	int bad = !s || qg_base64_decode(h->reg, sizeof(h->reg), s);

	hll_bound(h); /* whatever was decoded */
	if (bad)
		return qg_error(QG_EPARSE, "%s: expected HyperLogLog registers as base64 of %u bytes", what,
				QG_HLL_M);
	for (uint32_t i = 0; i < QG_HLL_M; i++)
		if (h->reg[i] > 64 - QG_HLL_P + 1)
			return qg_error(QG_EPARSE, "%s: HyperLogLog register %u out of range", what, i);
	return 0;
}

/* ---- space-saving top-k --------------------------------------------------- */

#define SLOT_EMPTY 0xff
#define SLOT_MASK (QG_TOPK_SLOTS - 1)

void qg_topk_init(struct qg_topk *t)
{
	memset(t, 0, sizeof(*t));
	memset(t->slot, SLOT_EMPTY, sizeof(t->slot));
}

void qg_topk_release(struct qg_topk *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < QG_TOPK_K; i++)
		free(t->items[i].val);
	free(t->filter);
	qg_topk_init(t);
}

static inline int topk_match(const struct qg_topk_item *it, const char *val, size_t len, uint64_t hash)
{
	size_t cmp = len < QG_TOPK_MAXLEN ? len : QG_TOPK_MAXLEN;
	return it->hash == hash && it->len == len && !memcmp(it->val, val, cmp);
}

int qg_topk_find(const struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	uint32_t s = (uint32_t)hash & SLOT_MASK;
	for (;;) {
		uint8_t idx = t->slot[s];
		if (idx == SLOT_EMPTY)
			return -1;
		if (topk_match(&t->items[idx], val, len, hash))
			return idx;
		s = (s + 1) & SLOT_MASK;
	}
}

static void topk_slot_insert(struct qg_topk *t, uint32_t idx)
{
	uint32_t s = (uint32_t)t->items[idx].hash & SLOT_MASK;
	while (t->slot[s] != SLOT_EMPTY)
		s = (s + 1) & SLOT_MASK;
	t->slot[s] = (uint8_t)idx;
}

static void topk_slot_delete(struct qg_topk *t, uint32_t idx)
{
	uint32_t i = (uint32_t)t->items[idx].hash & SLOT_MASK, j;

	while (t->slot[i] != idx)
		i = (i + 1) & SLOT_MASK;
	t->slot[i] = SLOT_EMPTY;
	/* backward-shift deletion keeps probe chains intact without tombstones */
	j = i;
	for (;;) {
		uint32_t home;
		j = (j + 1) & SLOT_MASK;
		if (t->slot[j] == SLOT_EMPTY)
			return;
		home = (uint32_t)t->items[t->slot[j]].hash & SLOT_MASK;
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->slot[i] = t->slot[j];
			t->slot[j] = SLOT_EMPTY;
			i = j;
		}
	}
}

static int topk_set_val(struct qg_topk_item *it, const char *val, size_t len, uint64_t hash)
{
	size_t keep = len < QG_TOPK_MAXLEN ? len : QG_TOPK_MAXLEN;
	if (keep + 1 > it->alloc) {
		size_t a = keep + 1 <= 48 ? 48 : QG_TOPK_MAXLEN + 1;
		char *p = realloc(it->val, a);
		if (!p)
			return qg_error(QG_ENOMEM, "out of memory");
		it->val = p;
		it->alloc = (uint32_t)a;
	}
	memcpy(it->val, val, keep);
	it->val[keep] = '\0';
	it->len = (uint32_t)len;
	it->hash = hash;
	return 0;
}

/* Fold a count into the filter cells of `hash` (cells only grow: each
 * bounds every untracked value mapped to it). */
static inline void topk_filter_max(uint32_t *f, uint64_t hash, uint64_t count)
{
	uint32_t c = count < UINT32_MAX ? (uint32_t)count : UINT32_MAX;
	uint32_t *a = &f[qg_topk_cell0(hash)], *b = &f[qg_topk_cell1(hash)];
	if (*a < c)
		*a = c;
	if (*b < c)
		*b = c;
}

/* Make min exact: recount when no counter is known to hold it. */
static inline void topk_min(struct qg_topk *t)
{
	uint64_t m = UINT64_MAX;
	uint32_t nm = 0;

	if (t->nmin)
		return;
	for (uint32_t k = 0; k < QG_TOPK_K; k++) {
		uint64_t c = t->items[k].count;
		if (c < m) {
			m = c;
			nm = 1;
		} else if (c == m) {
			nm++;
		}
	}
	t->min = m;
	t->nmin = nm;
}

/* The inline path's threshold after a change of min, nmin or filter. */
static inline void topk_thr(struct qg_topk *t)
{
	t->thr = t->filter && t->nmin ? (uint32_t)(t->min < UINT32_MAX - 1 ? t->min : UINT32_MAX - 1) : 0;
}

/* A value untracked in a full, filtered table: when its filter estimate
 * plus one stays within the minimum (made exact first), the conservative
 * update -- only cells at the estimate move -- and 1; else 0 (it may have
 * occurred min + 1 times: it takes a minimal counter). */
static inline __attribute__((always_inline)) int topk_filter_take(struct qg_topk *t, uint64_t hash)
{
	uint32_t *a = &t->filter[qg_topk_cell0(hash)], *b = &t->filter[qg_topk_cell1(hash)];
	uint64_t e = (uint64_t)(*a < *b ? *a : *b) + 1;

	topk_min(t);
	if (e > t->min || e >= UINT32_MAX)
		return 0;
	if (*a < e)
		*a = (uint32_t)e;
	if (*b < e)
		*b = (uint32_t)e;
	return 1;
}

/* A full table gives up a counter holding the minimum (the search starts
 * at the cursor): taken out of the index, its count left behind in the
 * filter as its cells' bound, nmin one less. Returns its index. */
static inline __attribute__((always_inline)) uint32_t topk_evict(struct qg_topk *t)
{
	uint32_t i = t->cursor;

	topk_min(t);
	while (t->items[i].count != t->min)
		i = (i + 1) & (QG_TOPK_K - 1);
	t->cursor = (i + 1) & (QG_TOPK_K - 1);
	t->nmin--;
	topk_slot_delete(t, i);
	if (t->filter)
		topk_filter_max(t->filter, t->items[i].hash, t->items[i].count);
	return i;
}

/* Track a value that is not tracked yet. Plain space-saving (absolute = 0)
 * adds count/error to the evicted minimum; the filtered form (absolute = 1)
 * sets them, the bucket already bounding the value's earlier occurrences. */
static int topk_insert(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		       uint64_t error, int absolute)
{
	uint32_t i;

	if (len > UINT32_MAX)
		len = UINT32_MAX;
	if (t->nr < QG_TOPK_K) {
		i = t->nr;
		if (topk_set_val(&t->items[i], val, len, hash))
			return QG_ENOMEM;
		t->items[i].count = count;
		t->items[i].error = error;
		t->nr++;
		topk_slot_insert(t, i);
		return 0;
	}
	/* full: replace a counter holding the minimum; the newcomer inherits
	 * that count as its possible overestimate */
	i = topk_evict(t);
	{
		uint64_t old = t->items[i].count;
		if (topk_set_val(&t->items[i], val, len, hash))
			return QG_ENOMEM;
		t->items[i].count = absolute ? count : old + count;
		t->items[i].error = absolute ? error : old + error;
		if (t->items[i].count == t->min)
			t->nmin++;
	}
	topk_slot_insert(t, i);
	return 0;
}

static int topk_add_n(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		      uint64_t error);

int qg_topk_add_n(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		  uint64_t error)
{
	int ret = topk_add_n(t, val, len, hash, count, error);
	topk_thr(t);
	return ret;
}

static int topk_add_n(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		      uint64_t error)
{
	int idx = qg_topk_find(t, val, len, hash);

	t->n += count;
	if (idx >= 0) {
		if (t->nr == QG_TOPK_K && t->nmin && t->items[idx].count == t->min)
			t->nmin--;
		t->items[idx].count += count;
		t->items[idx].error += error;
		return 0;
	}
	return topk_insert(t, val, len, hash, count, error, 0);
}

static int topk_add_untracked(struct qg_topk *t, const char *val, size_t len, uint64_t hash);

int qg_topk_add_untracked(struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	int ret;

	t->n++;
	ret = topk_add_untracked(t, val, len, hash);
	topk_thr(t);
	return ret;
}

int qg_topk_add_untracked_nc(struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	struct qg_topk_item *it;
	uint32_t i;
	int ret;

	if (t->nr < QG_TOPK_K || !t->filter) {
		ret = topk_add_untracked(t, val, len, hash);
		topk_thr(t);
		return ret;
	}
	/* topk_add_untracked() and topk_insert() of a full filtered table,
	 * in one piece (the helpers are inlined): the profile comes here for
	 * some 5% of the values of a high-cardinality column, a call chain of
	 * four made it ~250 instructions a time */
	if (topk_filter_take(t, hash)) {
		topk_thr(t);
		return 0;
	}
	/* topk_insert(t, val, len, hash, min + 1, min, 1) */
	i = topk_evict(t);
	it = &t->items[i];
	if (len < 32 && it->alloc >= 32) {
		/* a table cell: QG_TABLE_PAD readable bytes follow it */
		memcpy(it->val, val, 32);
		it->val[len] = '\0';
		it->len = (uint32_t)len;
		it->hash = hash;
	} else if (topk_set_val(it, val, len > UINT32_MAX ? UINT32_MAX : len, hash)) {
		return QG_ENOMEM;
	}
	it->error = t->min;
	it->count = t->min + 1; /* never min: nmin stays */
	topk_slot_insert(t, i);
	topk_thr(t);
	return 0;
}

static int topk_add_untracked(struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	if (t->nr < QG_TOPK_K)
		return topk_insert(t, val, len, hash, 1, 0, 0);
	if (!t->filter) {
		/* everything seen so far is tracked with its exact count:
		 * untracked values have occurred 0 times */
		t->filter = calloc(QG_TOPK_FILTER, sizeof(uint32_t));
		if (!t->filter)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	/* the estimate (the smaller cell) bounds this value's true count */
	if (topk_filter_take(t, hash))
		return 0;
	/* the value may have occurred min + 1 times: plain space-saving */
	return topk_insert(t, val, len, hash, t->min + 1, t->min, 1);
}

uint64_t qg_topk_untracked_max(const struct qg_topk *t)
{
	uint64_t m = UINT64_MAX;
	if (t->nr < QG_TOPK_K)
		return 0;
	for (uint32_t i = 0; i < t->nr; i++)
		if (t->items[i].count < m)
			m = t->items[i].count;
	return m;
}

struct ord {
	const struct qg_topk *t;
	uint32_t i;
};

static int ord_cmp(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;
	const struct qg_topk_item *p = &x->t->items[x->i], *q = &y->t->items[y->i];
	int c;
	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	c = strcmp(p->val, q->val);
	if (c)
		return c;
	return (p->len > q->len) - (p->len < q->len);
}

size_t qg_topk_sorted(const struct qg_topk *t, uint32_t *order)
{
	struct ord o[QG_TOPK_K];
	for (uint32_t i = 0; i < t->nr; i++) {
		o[i].t = t;
		o[i].i = i;
	}
	qsort(o, t->nr, sizeof(o[0]), ord_cmp);
	for (uint32_t i = 0; i < t->nr; i++)
		order[i] = o[i].i;
	return t->nr;
}

int qg_topk_merge(struct qg_topk *dst, const struct qg_topk *src)
{
	/* Agarwal et al.: a value untracked on one side may have occurred up to
	 * that side's minimum there, so it is charged that much (as count and
	 * as error); then the k largest survive. */
	struct cand {
		const struct qg_topk_item *it;
		uint64_t count, error;
	} c[2 * QG_TOPK_K];
	uint64_t dmin = qg_topk_untracked_max(dst), smin = qg_topk_untracked_max(src), n;
	size_t nc = 0, keep;
	struct qg_topk out;
	int ret = 0;

	for (uint32_t i = 0; i < dst->nr; i++) {
		const struct qg_topk_item *it = &dst->items[i];
		int j = qg_topk_find(src, it->val, it->len, it->hash);
		c[nc].it = it;
		c[nc].count = it->count + (j >= 0 ? src->items[j].count : smin);
		c[nc].error = it->error + (j >= 0 ? src->items[j].error : smin);
		nc++;
	}
	for (uint32_t i = 0; i < src->nr; i++) {
		const struct qg_topk_item *it = &src->items[i];
		if (qg_topk_find(dst, it->val, it->len, it->hash) >= 0)
			continue;
		c[nc].it = it;
		c[nc].count = it->count + dmin;
		c[nc].error = it->error + dmin;
		nc++;
	}
	/* selection by count descending, ties by value for determinism */
	for (size_t a = 1; a < nc; a++) {
		struct cand x = c[a];
		size_t b = a;
		while (b > 0 && (c[b - 1].count < x.count ||
				 (c[b - 1].count == x.count && strcmp(c[b - 1].it->val, x.it->val) > 0))) {
			c[b] = c[b - 1];
			b--;
		}
		c[b] = x;
	}
	keep = nc < QG_TOPK_K ? nc : QG_TOPK_K;
	n = dst->n + src->n;
	qg_topk_init(&out);
	for (size_t a = 0; a < keep && !ret; a++) {
		struct qg_topk_item *it = &out.items[out.nr];
		ret = topk_set_val(it, c[a].it->val, c[a].it->len, c[a].it->hash);
		if (ret)
			break;
		it->count = c[a].count;
		it->error = c[a].error;
		topk_slot_insert(&out, out.nr);
		out.nr++;
	}
	if (ret) {
		qg_topk_release(&out);
		return ret;
	}
	out.n = n;
	out.min = qg_topk_untracked_max(&out);
	if (out.nr == QG_TOPK_K) {
		/* buckets must keep bounding untracked values should more be
		 * added: the sum of both sides' buckets (each <= its side's
		 * minimum, so <= the merged minimum), or the minimum itself
		 * where a side kept none */
		out.filter = malloc(QG_TOPK_FILTER * sizeof(uint32_t));
		if (!out.filter) {
			qg_topk_release(&out);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		for (uint32_t i = 0; i < QG_TOPK_FILTER; i++) {
			uint64_t v = (dst->filter ? dst->filter[i] : dmin) + (src->filter ? src->filter[i] : smin);
			if (v > out.min)
				v = out.min;
			out.filter[i] = v < UINT32_MAX ? (uint32_t)v : UINT32_MAX;
		}
		for (size_t a = keep; a < nc; a++)
			topk_filter_max(out.filter, c[a].it->hash, c[a].count < out.min ? c[a].count : out.min);
	}
	qg_topk_release(dst);
	*dst = out;
	return 0;
}

int qg_topk_to_json(struct qg_json *parent, const char *key, const struct qg_topk *t)
{
	struct qg_json *o = qg_json_add_object(parent, key), *a;
	uint32_t order[QG_TOPK_K];
	size_t nr = qg_topk_sorted(t, order);

	if (!o || !qg_json_add_number(o, "k", QG_TOPK_K) || !qg_json_add_number(o, "n", (double)t->n) ||
	    !(a = qg_json_add_array(o, "items")))
		return QG_ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		const struct qg_topk_item *it = &t->items[order[i]];
		struct qg_json *e = qg_json_add_object(a, NULL);
		size_t keep = it->len < QG_TOPK_MAXLEN ? it->len : QG_TOPK_MAXLEN;
		if (!e || !qg_json_add_string(e, "value", it->val) ||
		    !qg_json_add_number(e, "count", (double)it->count) ||
		    !qg_json_add_number(e, "error", (double)it->error))
			return QG_ENOMEM;
		if (it->len > QG_TOPK_MAXLEN) {
			/* the value cut at the cap: its length and the hash of
			 * all of it, so that it matches its occurrences again */
			char hex[17];
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)it->hash);
			if (!qg_json_add_number(e, "length", it->len) || !qg_json_add_string(e, "hash", hex))
				return QG_ENOMEM;
		}
		if (memchr(it->val, '\0', keep) || qg_utf8_check(it->val, keep, NULL)) {
			/* JSON text cannot carry these bytes (a NUL, invalid
			 * UTF-8 shown as U+FFFD): the bytes themselves too */
			struct qg_buf b = QG_BUF_INIT;
			int ret = qg_base64_encode(&b, it->val, keep);
			if (!ret && !qg_json_add_string(e, "bytes", b.buf))
				ret = QG_ENOMEM;
			qg_buf_release(&b);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* 16 hex digits, nothing else: 0 and *out, or -1 */
static int hex64(uint64_t *out, const char *s)
{
	uint64_t v = 0;

	if (!s || strlen(s) != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		int c = (unsigned char)s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* An item's "bytes" (base64 of at most QG_TOPK_MAXLEN bytes) into buf:
 * their number, or -1 when malformed. */
static long item_bytes(char *buf, const char *text)
{
	size_t tl = strlen(text), n;

	if (!tl || tl % 4 || tl / 4 * 3 > QG_TOPK_MAXLEN + 2)
		return -1;
	n = tl / 4 * 3 - (text[tl - 1] == '=') - (text[tl - 2] == '=');
	if (n > QG_TOPK_MAXLEN || qg_base64_decode(buf, n, text))
		return -1;
	return (long)n;
}

/* A loaded value saved cut at QG_TOPK_MAXLEN bytes ("length" says how
 * long it was): its first bytes (vlen of them: "bytes", or the text as
 * read back, which the JSON writer may have re-encoded) are kept in a
 * zeroed buffer of the cap, so that comparisons of min(len, cap) bytes
 * stay inside it. Its hash is the saved "hash" of the whole value when
 * there is one (set by the caller); this one, of the kept bytes, matches
 * no occurrence (files written before "hash" was). */
static int topk_set_cut(struct qg_topk_item *it, const char *v, size_t vlen, size_t len)
{
	size_t keep = vlen < QG_TOPK_MAXLEN ? vlen : QG_TOPK_MAXLEN;
	char *p = realloc(it->val, QG_TOPK_MAXLEN + 1);

	if (!p)
		return qg_error(QG_ENOMEM, "out of memory");
	memset(p, 0, QG_TOPK_MAXLEN + 1);
	memcpy(p, v, keep);
	it->val = p;
	it->alloc = QG_TOPK_MAXLEN + 1;
	it->len = (uint32_t)len;
	it->hash = qg_hash64(p, keep) ^ (uint64_t)len;
	return 0;
}

int qg_topk_from_json(struct qg_topk *t, const struct qg_json *j, const char *what)
{
	const struct qg_json *a = qg_json_get(j, "items"), *e;
	uint64_t n, sum = 0;

	qg_topk_init(t);
	if (qg_json_type(j) != QG_JSON_OBJECT || json_u64(&n, qg_json_get(j, "n")) ||
	    qg_json_type(a) != QG_JSON_ARRAY || qg_json_size(a) > QG_TOPK_K)
		return qg_error(QG_EPARSE, "%s: expected a top-k object with \"n\" and at most %d \"items\"",
				what, QG_TOPK_K);
	for (e = qg_json_first(a); e; e = qg_json_next(e)) {
		const char *v = qg_json_string(qg_json_get(e, "value"));
		const char *bytes_text = qg_json_string(qg_json_get(e, "bytes"));
		char raw[QG_TOPK_MAXLEN + 3];
		uint64_t count, error, len, vlen;
		struct qg_topk_item *it;
		if (!v || json_u64(&count, qg_json_get(e, "count")) ||
		    json_u64(&error, qg_json_get(e, "error")) || error > count)
			goto bad;
		vlen = strlen(v);
		if (bytes_text) {
			/* the value's own bytes (the text only shows them) */
			long nb = item_bytes(raw, bytes_text);
			if (nb < 0)
				goto bad;
			v = raw;
			vlen = (uint64_t)nb;
		}
		len = vlen;
		if (qg_json_get(e, "length") && (json_u64(&len, qg_json_get(e, "length")) || len > UINT32_MAX ||
						 (len != vlen && len <= QG_TOPK_MAXLEN)))
			goto bad;
		it = &t->items[t->nr];
		if (len == vlen) {
			uint64_t h = qg_hash64(v, len);
			if (len <= QG_TOPK_MAXLEN && qg_topk_find(t, v, len, h) >= 0)
				goto bad;
			if (topk_set_val(it, v, len, h))
				return QG_ENOMEM;
		} else {
			uint64_t h;
			if (topk_set_cut(it, v, vlen, len))
				return QG_ENOMEM;
			if (qg_json_get(e, "hash")) {
				if (hex64(&h, qg_json_string(qg_json_get(e, "hash"))))
					goto bad;
				it->hash = h;
			}
		}
		it->count = count;
		it->error = error;
		topk_slot_insert(t, t->nr);
		t->nr++;
		sum += count - error;
	}
	if (sum > n)
		goto bad;
	t->n = n;
	t->min = qg_topk_untracked_max(t);
	if (t->nr == QG_TOPK_K) {
		/* buckets are not stored: the minimum bounds every untracked value */
		t->filter = malloc(QG_TOPK_FILTER * sizeof(uint32_t));
		if (!t->filter) {
			qg_topk_release(t);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		for (uint32_t i = 0; i < QG_TOPK_FILTER; i++)
			t->filter[i] = t->min < UINT32_MAX ? (uint32_t)t->min : UINT32_MAX;
	}
	return 0;
bad:
	qg_topk_release(t);
	return qg_error(QG_EPARSE, "%s: malformed top-k item (needs string \"value\", integers "
			"\"count\" >= \"error\", no duplicates)", what);
}

/* ---- base64 ---------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int qg_base64_encode(struct qg_buf *out, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;
	int ret = qg_buf_grow(out, (len + 2) / 3 * 4);

	if (ret)
		return ret;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63] };
		qg_buf_add(out, q, 4);
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		q[3] = '=';
		qg_buf_add(out, q, 4);
	}
	return 0;
}

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int qg_base64_decode(void *out, size_t len, const char *text)
{
	uint8_t *o = out;
	size_t tl = strlen(text), k = 0;

	if (tl != (len + 2) / 3 * 4)
		return QG_EPARSE;
	for (size_t i = 0; i < tl; i += 4) {
		int v[4];
		for (int j = 0; j < 4; j++) {
			v[j] = text[i + j] == '=' ? 0 : b64_val((unsigned char)text[i + j]);
			if (v[j] < 0)
				return QG_EPARSE;
		}
		uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		if (k < len)
			o[k++] = (uint8_t)(w >> 16);
		if (k < len)
			o[k++] = (uint8_t)(w >> 8);
		if (k < len)
			o[k++] = (uint8_t)w;
	}
	return 0;
}
