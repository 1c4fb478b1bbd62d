/* shard.c -- `--shard I/N` parsing (include/qgate/shard.h)
 *
 * Strict like every number on the command line: plain digits on both sides
 * of one '/', no sign, no space, no trailing text, and I within 1..N.
 */
#include "qgate/common.h"

#include "qgate/shard.h"

int qg_shard_parse(struct qg_shard *out, const char *s)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char *end;
	long long i, n;

	if (!slash || slash == s || !slash[1])
		goto bad;
	errno = 0;
	i = strtoll(s, &end, 10);
	if (end != slash || errno || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		goto bad;
	n = strtoll(slash + 1, &end, 10);
	if (*end || errno || slash[1] == '-' || slash[1] == '+' || slash[1] == ' ')
		goto bad;
	if (n < 1 || n > 1000000 || i < 1 || i > n)
		goto bad;
	out->index = i;
	out->count = n;
	return 0;
bad:
	return qg_error(QG_EUSAGE, "--shard: expected I/N with 1 <= I <= N (e.g. 2/4), found '%s'", s ? s : "");
}
