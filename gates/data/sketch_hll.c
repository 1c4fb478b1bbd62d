/* sketch_hll.c -- HyperLogLog distinct counts (sketch.h has its guarantees)
 *
 * 16 KiB of registers; a value is one shift and a max (the per-value step is
 * inline in sketch.h); the estimate is Ertl's improved estimator, which needs
 * no bias tables.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/cpu.h"
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#include "qgate/buf.h"
#include "qgate/json.h"
#include "schema.h" /* qg_utf8_check */
#include "sketch.h"
#include "sketch_int.h"

/* ---- HyperLogLog ---------------------------------------------------------- */

/* The registers' minimum, how many hold it, and the hash bound past which
 * no register can rise (data_hll_add_hash). */
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

void data_hll_init(struct qg_hll *h)
{
	memset(h->reg, 0, sizeof(h->reg));
	h->minv = 0;
	h->nmin = QG_HLL_M;
	h->lim = UINT64_MAX;
}

void data_hll_rise(struct qg_hll *h, uint32_t idx, uint8_t r)
{
	/* registers only rise, so minv stays a lower bound; each register
	 * leaves minv once, so nmin reaches 0 only when none is left there */
	int last = h->reg[idx] == h->minv && !--h->nmin;

	h->reg[idx] = r;
	if (last)
		hll_bound(h);
}

/* Many small files are many merges (one per file and field): the
 * register-wise maximum and the new bound in 16-byte steps, the bound's
 * count in a second pass (scalar twin: the loops above). */
void data_hll_merge(struct qg_hll *dst, const struct qg_hll *src)
{
#if QG_SIMD_SSE2
	if (qg_cpu_level() >= QG_CPU_SSE2) {
		__m128i mn = _mm_set1_epi8((char)0xff), vm;
		uint8_t lanes[16], m = 255;
		uint32_t nm = 0;

		for (uint32_t i = 0; i < QG_HLL_M; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(dst->reg + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(src->reg + i));
			__m128i x = _mm_max_epu8(a, b);

			_mm_storeu_si128((__m128i *)(dst->reg + i), x);
			mn = _mm_min_epu8(mn, x);
		}
		_mm_storeu_si128((__m128i *)lanes, mn);
		for (int k = 0; k < 16; k++)
			m = lanes[k] < m ? lanes[k] : m;
		vm = _mm_set1_epi8((char)m);
		for (uint32_t i = 0; i < QG_HLL_M; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(dst->reg + i));
			nm += (uint32_t)__builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vm)));
		}
		dst->minv = m;
		dst->nmin = nm;
		dst->lim = m < 64 ? UINT64_MAX >> m : 0;
		return;
	}
#endif
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

double data_hll_estimate(const struct qg_hll *h)
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

int data_hll_to_json(struct qg_json *parent, const char *key, const struct qg_hll *h)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	int ret = qg_base64_encode(&b, h->reg, sizeof(h->reg));
	if (!ret && !qg_json_add_string(parent, key, b.buf))
		ret = QG_ENOMEM;
	qg_buf_release(&b);
	return ret;
}

int data_hll_from_json(struct qg_hll *h, const struct qg_json *j, const char *what)
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
