/* hash.c -- the out-of-line form of qg_hash64 (include/qgate/hash.h)
 *
 * For callers outside per-cell loops (loading profiles, tests); the inline
 * form in the header is the same function.
 */
#include "qgate/common.h"

#include "qgate/hash.h"

uint64_t qg_hash64(const void *data, size_t len)
{
	return qg_hash64_inline(data, len);
}
