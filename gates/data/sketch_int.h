/* sketch_int.h -- what the sketch files share (gates/data/sketch*.c)
 *
 * sketch.h is the sketches' interface; sketch_kll.c, sketch_hll.c and
 * sketch_topk.c implement one summary each and sketch.c holds what they
 * share. Nothing here is used outside those files.
 */
#ifndef QGATE_DATA_SKETCH_INT_H
#define QGATE_DATA_SKETCH_INT_H

#include <math.h>
#include <stdint.h>

#include "qgate/json.h"

/* A JSON count: an integer in 0..2^53 (exactly representable); 0 or -1. */
static inline int sketch_json_u64(uint64_t *out, const struct qg_json *j)
{
	double d = qg_json_number(j);
	if (!(d >= 0) || d > 9007199254740992.0 || d != floor(d))
		return -1;
	*out = (uint64_t)d;
	return 0;
}

#endif
