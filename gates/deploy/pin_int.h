/* pin_int.h -- pin.c's splice of image references, for cmd_pin.c and the tests */
#ifndef QGATE_DEPLOY_PIN_INT_H
#define QGATE_DEPLOY_PIN_INT_H

#include "qgate/common.h"

#define DP_PIN_LINES 10

struct dp_pin_stats {
	size_t matched;          /* image values naming the repository */
	size_t changed;          /* of those, rewritten (the others were pinned already) */
	long long first_line;    /* 1-based line of the first match, 0 when none */
	long long lines[DP_PIN_LINES]; /* the first matches' lines */
	size_t nr_lines;
};

/* Append to out the text with every `image:` value naming `repo` (bare,
 * :tag, @digest or both) replaced by repo@digest in the scalar's own style,
 * every other byte as it was. `name` is for messages. Returns 0 (matches
 * counted in st, 0 matches included), QG_EPARSE "'name':LINE:COL: malformed
 * YAML: ...", or QG_EINPUT for text that is not UTF-8 YAML or a matching
 * value pin will not rewrite (a block scalar, an anchor, an explicit tag). */
int dp_pin_rewrite(struct qg_buf *out, struct dp_pin_stats *st, const char *name, const char *text, size_t len,
		   const char *repo, const char *digest);

#endif
