/* sketch.c -- KLL quantiles, HyperLogLog and space-saving top-k: what they share
 *
 * Each summary has its own file (sketch_kll.c, sketch_hll.c, sketch_topk.c);
 * this one keeps the hash they are fed with (base64 for their JSON is the
 * core's, include/qgate/base64.h).
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

