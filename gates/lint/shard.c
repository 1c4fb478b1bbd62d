/* shard.c -- qgate-lint --shard I/N: which files, and so which findings, are this shard's
 *
 * A file belongs to shard (FNV-1a-64(path) mod N) + 1, where path is the
 * finding's file as the result names it (repository-relative, '/'
 * separators; as given when outside the repository). A shard is computed
 * alone: no other shard's list, size or timing is read, so N machines
 * agree without talking. A finding without a file (no-commit-to-branch)
 * is shard 1's.
 *
 * The built-in checks read only this shard's files (builtin.c skips the
 * others); the path-only repository checks (case-conflict) still see
 * every selected file, since a collision needs both names, and their
 * findings are split like any other. A --run linter runs over what its
 * own command names (qgate-lint passes it no file list), and --input
 * reports are whole: their findings are kept when their file is this
 * shard's. Every finding is in exactly one shard, so the union of N
 * shards is the unsharded run's findings, each once.
 */
#include "qgate/common.h"

#include <stdint.h>

#include "qgate/shard.h"

#include "lint.h"

int lint_shard_owns(const struct qg_shard *s, const char *file)
{
	uint64_t h = 14695981039346656037ull;

	if (!s || s->count <= 1)
		return 1;
	if (!file)
		return s->index == 1;
	for (const unsigned char *p = (const unsigned char *)file; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (long long)(h % (uint64_t)s->count) == s->index - 1;
}

size_t lint_shard_filter(const struct qg_shard *s, struct lint_findings *fs)
{
	size_t k = 0, dropped = 0;

	if (!s || s->count <= 1)
		return 0;
	for (size_t i = 0; i < fs->nr; i++) {
		if (lint_shard_owns(s, fs->v[i].file)) {
			if (k != i)
				fs->v[k] = fs->v[i];
			k++;
		} else {
			lint_finding_release(&fs->v[i]);
			dropped++;
		}
	}
	fs->nr = k;
	return dropped;
}
