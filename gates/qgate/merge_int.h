/* merge_int.h -- qgate merge's merger without files (for tests and the fuzzer)
 *
 * merge_texts() reads n result documents (texts[k], lens[k] bytes; named
 * "shard<k+1>.json" in messages) as shards of one run and merges them as
 * `qgate merge` does for a gate other than test and data profile (lint
 * included): the same refusals (QG_EUSAGE:
 * another gate, command, fingerprint, commit, total, input bytes, a shard twice
 * or none recorded; QG_EINPUT: shards missing; QG_EPARSE: not a result) and
 * the same merged result in *out (released by the caller on success; left
 * empty on failure).
 */
#ifndef QGATE_FRONT_MERGE_INT_H
#define QGATE_FRONT_MERGE_INT_H

#include <stddef.h>

struct qg_result;

int merge_texts(struct qg_result *out, const char *const *texts, const size_t *lens, size_t n);

#endif
