/* fastval.c -- the builders of fastval.h's acceptors
 *
 * What the validator compiles once per field and piece (the digit counts
 * always inside integer bounds, date bounds as keys, word sets, character
 * sequences); fastval.h keeps only what runs per cell, inline.
 */
#include "qgate/common.h"

#include "fastval.h"

void fv_int_safe_digits(long long lo, long long hi, int kd[2])
{
	long long p10 = 1;

	kd[0] = kd[1] = -1;
	for (int d = 1; d <= 16; d++) {
		p10 *= 10;
		if (lo <= 0 && p10 - 1 <= hi)
			kd[0] = d;
		if (hi >= 0 && -(p10 - 1) >= lo)
			kd[1] = d;
	}
}

/* The date of a day number (Hinnant's civil_from_days), for bounds. */
static void fv_civil(long long z, long long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

void fv_date_bounds(double lo, double hi, uint64_t *klo, uint64_t *khi)
{
	const double first = -719528.0, last = 2932896.0; /* 0000-01-01, 9999-12-31 */
	long long y;
	unsigned m, d;

	if (!(lo > first)) {
		*klo = 0;
	} else if (lo > last) {
		*klo = ~(uint64_t)0;
	} else {
		fv_civil((long long)__builtin_ceil(lo), &y, &m, &d);
		*klo = FV_DATE_KEY(y, m, d);
	}
	if (!(hi < last)) {
		*khi = ~(uint64_t)0 >> 1;
	} else if (hi < first) {
		*khi = 0;
		*klo = 1; /* empty */
	} else {
		fv_civil((long long)__builtin_floor(hi), &y, &m, &d);
		*khi = FV_DATE_KEY(y, m, d);
	}
}

void fv_date_text_bounds(uint64_t klo, uint64_t khi, uint64_t *tlo, uint64_t *thi)
{
	char t[11];

	if (klo > khi) { /* empty */
		*tlo = ~(uint64_t)0;
		*thi = 0;
		return;
	}
	if (klo == 0) {
		*tlo = 0;
	} else {
		snprintf(t, sizeof t, "%04u%02u%02u", (unsigned)(klo >> 9) % 10000u, (unsigned)(klo >> 5) & 15u,
			 (unsigned)klo & 31u);
		*tlo = 0;
		for (int i = 0; i < 8; i++)
			*tlo = *tlo << 8 | (unsigned char)t[i];
	}
	if (khi == ~(uint64_t)0 >> 1) {
		*thi = ~(uint64_t)0;
	} else {
		snprintf(t, sizeof t, "%04u%02u%02u", (unsigned)(khi >> 9) % 10000u, (unsigned)(khi >> 5) & 15u,
			 (unsigned)khi & 31u);
		*thi = 0;
		for (int i = 0; i < 8; i++)
			*thi = *thi << 8 | (unsigned char)t[i];
	}
}

int fv_wordset_add(struct fv_wordset *s, const char *v, size_t n)
{
	char tmp[16] = { 0 };

	if (n > 16 || s->nr >= FV_WORDSET_MAX)
		return -1;
	memcpy(tmp, v, n);
	memcpy(&s->in[s->nr].a, tmp, 8);
	memcpy(&s->in[s->nr].b, tmp + 8, 8);
	s->in[s->nr++].len = n;
	return 0;
}

int fv_wordset_build(struct fv_wordset *s)
{
	uint64_t x = 0x2545F4914F6CDD1Dull;

	for (unsigned bits = 1; bits <= 8; bits++) {
		size_t size = (size_t)1 << bits;

		if (size < 2 * s->nr)
			continue;
		for (int tries = 0; tries < 2000; tries++) {
			int ok = 1;

			/* splitmix64 */
			uint64_t z = (x += 0x9E3779B97F4A7C15ull);
			z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
			z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
			z ^= z >> 31;
			s->mul = z | 1;
			s->shift = 64 - bits;
			for (size_t i = 0; i < FV_WORDSET_SLOTS; i++) {
				s->slot[i].a = s->slot[i].b = 0;
				s->slot[i].len = 17;
			}
			for (size_t i = 0; i < s->nr && ok; i++) {
				struct fv_word *w = &s->slot[fv_word_hash(s->in[i].a, s->in[i].b, s->in[i].len, s->mul) >> s->shift];
				if (w->len != 17 && !(w->len == s->in[i].len && w->a == s->in[i].a && w->b == s->in[i].b))
					ok = 0;
				else
					*w = s->in[i];
			}
			if (ok) {
				s->short8 = 1;
				for (size_t i = 0; i < s->nr; i++)
					if (s->in[i].len > 8)
						s->short8 = 0;
				return 0;
			}
		}
	}
	return -1;
}

int fv_charseq_compile(struct fv_charseq *cs, const char *pat)
{
	const char *p = pat;

	memset(cs, 0, sizeof(*cs));
	while (*p) {
		uint64_t set[2] = { 0, 0 }; /* characters 0..127 */
		unsigned long rep = 1;
		unsigned char c = (unsigned char)*p;

		if (c == '[') {
			int neg = 0, nitems = 0;

			p++;
			if (*p == '^') {
				neg = 1;
				p++;
			}
			if (*p == ']')
				return -1; /* a literal ']' first: not in the subset */
			while (*p != ']') {
				unsigned char lo = (unsigned char)*p, hi;

				/* '-' is literal only first or last */
				if (!lo || lo >= 127 || lo < ' ' || lo == '\\' || lo == '[' ||
				    (lo == '-' && ((nitems && p[1] != ']') || p[1] == '-')))
					return -1;
				hi = lo;
				if (p[1] == '-' && p[2] != ']') {
					hi = (unsigned char)p[2];
					if (!hi || hi >= 127 || hi < ' ' || hi == '\\' || hi == '[' || hi == ']' || hi == '-' || hi < lo ||
					    p[3] == '-')
						return -1;
					p += 3;
				} else {
					p++;
				}
				for (unsigned k = lo; k <= hi; k++)
					set[k >> 6] |= (uint64_t)1 << (k & 63);
				nitems++;
			}
			p++;
			if (neg) {
				set[0] = ~set[0] & ~(uint64_t)1; /* NUL never reaches the fast path */
				set[1] = ~set[1];
			}
		} else {
			if (c < ' ' || c >= 127 || strchr("\\^$.|?*+()[]{}", c))
				return -1;
			set[c >> 6] |= (uint64_t)1 << (c & 63);
			p++;
		}
		if (*p == '{') {
			char *end;

			if ((unsigned)(p[1] - '0') > 9u)
				return -1;
			rep = strtoul(p + 1, &end, 10);
			if (*end != '}' || rep > 64)
				return -1;
			p = end + 1;
		}
		if (*p == '?' || *p == '*' || *p == '+' || *p == '{')
			return -1;
		if (cs->len + rep > 64)
			return -1;
		for (unsigned long r = 0; r < rep; r++, cs->len++)
			for (unsigned k = 0; k < 128; k++)
				if (set[k >> 6] >> (k & 63) & 1)
					cs->allow[k] |= (uint64_t)1 << cs->len;
	}
	if (!cs->len)
		return -1;
	/* one class repeated: its ranges for the vector test */
	cs->uni = cs->len <= 16;
	for (unsigned k = 0; k < 128 && cs->uni; k++) {
		uint64_t full = cs->len == 64 ? ~(uint64_t)0 : ((uint64_t)1 << cs->len) - 1;
		int in = cs->allow[k] == full;

		if (cs->allow[k] && !in)
			cs->uni = 0;
		else if (in && (k == 0 || k == 127))
			cs->uni = 0; /* outside what fv_range() tests */
		else if (in && !(k > 0 && cs->allow[k - 1])) {
			if (cs->nrange == FV_CHARSEQ_RANGES)
				cs->uni = 0;
			else
				cs->lo[cs->nrange++] = (char)k;
		}
		if (in && cs->uni && !cs->allow[k + 1])
			cs->hi[cs->nrange - 1] = (char)k;
	}
	for (unsigned r = 0; r < cs->nrange; r++) {
		memset(cs->vlo[r], cs->lo[r] - 1, 16);
		memset(cs->vhi[r], cs->hi[r] + 1, 16);
	}
	return 0;
}
