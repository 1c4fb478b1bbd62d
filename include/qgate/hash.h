/* hash.h -- the one family of non-cryptographic 64-bit hashes
 *
 * Two members, both fast and neither secret (SHA-256 is qgate/sha256.h):
 *
 * - qg_hash64(): wyhash-style 64x64->128 multiply-fold. Its values are
 *   part of saved profiles (HyperLogLog registers, top-k "hash"), so it
 *   never changes: tests/unit/test_data_sketch.c holds reference values.
 *   qg_hash64_inline()/qg_hash64_keys() are the same function for per-cell
 *   loops (the keys held in registers); the data gate's unique and primary
 *   key checks hash string keys with qg_hash64_keys() (vd_hash_text()).
 *   Distinct values collide in 64 bits with probability about n^2/2^65,
 *   which the unique check states.
 * - qg_hash_bytes(): seeded word-at-a-time mixing with murmur3's fmix64
 *   finaliser, for in-memory tables and sets (string maps). Nothing
 *   persists its values.
 */
#ifndef QGATE_HASH_H
#define QGATE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- qg_hash64 ---- */

/* A fast 64-bit hash of bytes (wyhash-style 64x64->128 multiply-fold).
 * The inline form is for per-cell loops; both give the same values. */
uint64_t qg_hash64(const void *data, size_t len);

#define QG_H_P0 0xa0761d6478bd642fULL
#define QG_H_P1 0xe7037ed1a0b428dbULL
#define QG_H_P2 0x8ebc6af09c88c6e3ULL

static inline uint64_t qg_h_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t qg_h_r64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t qg_h_r32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The hash's three constants, as variables: a per-cell loop can hold them
 * in registers (see profile.c) instead of loading them per value. */
struct qg_hash_keys {
	uint64_t p0, p1, seed;
};
#define QG_HASH_KEYS { QG_H_P0, QG_H_P1, 0x243f6a8885a308d3ULL }

static inline __attribute__((always_inline)) uint64_t qg_hash64_keys(const void *data, size_t len,
								 struct qg_hash_keys k)
{
	const uint8_t *p = data;
	uint64_t seed = k.seed, a, b;
	size_t i = len;

	if (len - 4 < 12) {
		/* 4..15 bytes, the same a and b as the general form below (its
		 * middle offset is 0 or 4 here) in fewer steps: 8..15 bytes, a
		 * is the first word with its halves swapped and b the last
		 * word; 4..7, each is one 4-byte load twice */
		if (len >= 8) {
			uint64_t w = qg_h_r64(p);
			a = (w << 32) | (w >> 32);
			b = qg_h_r64(p + len - 8);
		} else {
			uint64_t x = qg_h_r32(p), y = qg_h_r32(p + len - 4);
			a = (x << 32) | x;
			b = (y << 32) | y;
		}
	} else if (len <= 16) {
		if (len >= 4) {
			a = (qg_h_r32(p) << 32) | qg_h_r32(p + ((len >> 3) << 2));
			b = (qg_h_r32(p + len - 4) << 32) | qg_h_r32(p + len - 4 - ((len >> 3) << 2));
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		uint64_t s1 = seed, s2 = seed;
		while (i > 32) {
			seed = qg_h_mix(qg_h_r64(p) ^ QG_H_P1, qg_h_r64(p + 8) ^ seed);
			s1 = qg_h_mix(qg_h_r64(p + 16) ^ QG_H_P2, qg_h_r64(p + 24) ^ s1);
			p += 32;
			i -= 32;
		}
		seed ^= s1 ^ s2;
		if (i > 16) {
			seed = qg_h_mix(qg_h_r64(p) ^ QG_H_P1, qg_h_r64(p + 8) ^ seed);
			p += 16;
			i -= 16;
		}
		a = qg_h_r64(p + i - 16);
		b = qg_h_r64(p + i - 8);
	}
	a ^= k.p1;
	b ^= seed;
	/* the low and high halves of the 128-bit product, as two
	 * expressions: one instruction either way, but GCC otherwise parks
	 * the 128-bit value on the stack inside the per-cell loops */
	return qg_h_mix((a * b) ^ k.p0 ^ (uint64_t)len, (uint64_t)(((__uint128_t)a * b) >> 64) ^ k.p1);
}

static inline __attribute__((always_inline)) uint64_t qg_hash64_inline(const void *data, size_t len)
{
	const struct qg_hash_keys k = QG_HASH_KEYS;
	return qg_hash64_keys(data, len, k);
}

/* ---- qg_hash_bytes ---- */

static inline uint64_t qg_hash_fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static inline uint64_t qg_hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);

	while (n >= 8) {
		uint64_t k;
		memcpy(&k, p, 8);
		k *= 0x87c37b91114253d5ull;
		k = (k << 31) | (k >> 33);
		k *= 0x4cf5ad432745937full;
		h ^= k;
		h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t k = 0;
		memcpy(&k, p, n);
		k *= 0x87c37b91114253d5ull;
		k = (k << 31) | (k >> 33);
		k *= 0x4cf5ad432745937full;
		h ^= k;
	}
	return qg_hash_fmix64(h);
}

#endif
