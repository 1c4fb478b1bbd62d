/* shard.c -- `--shard I/N` parsing (include/qgate/shard.h)
 *
 * Strict like every number on the command line: plain digits on both sides
 * of one '/', no sign, no space, no trailing text, and I within 1..N.
 * Kubernetes Indexed Jobs, CircleCI and Buildkite number their machines
 * from 0, and a distroless image has no shell to add one, so `K+1/N` (the
 * literal suffix "+1" after K's digits) is read as shard K+1 of N: with
 * 0 <= K < N, `--shard $(JOB_COMPLETION_INDEX)+1/N` names the same shard
 * as `--shard I/N` with I = K+1. No other suffix or sum is accepted.
 */
#include "qgate/common.h"

#include "qgate/shard.h"

/* The plain decimal digits at *p (at least one, at most 18: no overflow),
 * *p moved past them; -1 when there are none or too many. */
static long long digits(const char **p)
{
	const char *s = *p;
	long long v = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 18)
			return -1;
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (!n)
		return -1;
	*p = s + n;
	return v;
}

int qg_shard_parse(struct qg_shard *out, const char *s)
{
	const char *p = s;
	long long i, n;
	int plus_one = 0;

	if (!s || (i = digits(&p)) < 0)
		goto bad;
	if (p[0] == '+' && p[1] == '1' && p[2] == '/') {
		plus_one = 1;
		p += 2;
	}
	if (*p++ != '/' || (n = digits(&p)) < 0 || *p)
		goto bad;
	if (n < 1 || n > 1000000 || i > n || (plus_one ? i >= n : i < 1))
		goto bad;
	out->index = i + plus_one;
	out->count = n;
	return 0;
bad:
	return qg_error(QG_EUSAGE,
			"--shard: expected I/N with 1 <= I <= N (e.g. 2/4), or K+1/N with 0 <= K < N "
			"(e.g. $(JOB_COMPLETION_INDEX)+1/4), found '%s'",
			s ? s : "");
}
