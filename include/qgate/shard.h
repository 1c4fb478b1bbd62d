/* shard.h -- `--shard I/N`: which part of the work this run does
 *
 * Invariants: 1 <= index <= count <= 1000000; {1, 1} is the whole work.
 * The parts of N runs with the same inputs are disjoint and together cover
 * everything: item k (0-based, in a stable order every run agrees on) is
 * shard (k mod N) + 1's, and a byte range is cut into N nearly equal parts.
 * Any gate that spreads one job over CI machines parses the flag here, so
 * the syntax and the message are the same everywhere.
 */
#ifndef QGATE_SHARD_H
#define QGATE_SHARD_H

#include <stddef.h>

struct qg_shard {
	long long index, count; /* 1-based index of count */
};

#define QG_SHARD_ALL { 1, 1 }

/* Parse "I/N" (plain decimal digits, 1 <= I <= N <= 1000000), or "K+1/N"
 * (0 <= K < N: shard K+1, for CI systems numbering machines from 0) into
 * out: 0, or QG_EUSAGE naming the flag and the text (out untouched). */
int qg_shard_parse(struct qg_shard *out, const char *s);

/* 1 when item k of a list belongs to this shard. */
static inline int qg_shard_has(const struct qg_shard *s, size_t k)
{
	return (long long)(k % (size_t)s->count) == s->index - 1;
}

/* This shard's nominal part [*start, *end) of `size` bytes: part I of N
 * equal parts, the last one taking the remainder. Callers move the cuts to
 * record boundaries themselves. */
static inline void qg_shard_range(const struct qg_shard *s, long long size, long long *start, long long *end)
{
	*start = size / s->count * (s->index - 1);
	*end = s->index == s->count ? size : size / s->count * s->index;
}

#endif
