/* hash.h -- a fast 64-bit hash for cell values (enum sets, unique checks)
 *
 * Words of 8 bytes are mixed with multiply/xor-shift rounds and the length is
 * folded in, ending with murmur3's fmix64 finaliser. Good enough dispersion
 * that 64-bit values of distinct cells collide with probability ~n^2/2^65
 * (the unique check states this). Not a cryptographic hash.
 */
#ifndef QGATE_DATA_HASH_H
#define QGATE_DATA_HASH_H

#include <stdint.h>
#include <string.h>

static inline uint64_t qg_data_fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static inline uint64_t qg_data_hash(const void *data, size_t n, uint64_t seed)
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
	return qg_data_fmix64(h);
}

#endif
