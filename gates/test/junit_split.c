/* junit_split.c -- where a big JUnit report can be cut in two, and what is open there
 *
 * A report of hundreds of thousands of tiny cases costs expat alone ~8 ns a
 * byte, more than a 100 MB/s budget leaves for the rest; on two CPUs the
 * report is read as two pieces at once (junit_in.c). This file only looks
 * at bytes; nothing here decides anything:
 * - junit_split_plan(): the first "<testcase" at or after the middle of the
 *   file (a candidate: it may be inside a comment or CDATA);
 * - junit_split_guess(): the suites that look open there -- the nearest
 *   "<testsuite" start tag before it and the "<testsuites" before that --
 *   and the prefix that reopens them for the second piece's parser.
 * The first piece's parser confirms or refuses both when it reaches the
 * candidate (junit_in.c: exact offset, no open testcase, the same suites'
 * start tags at the same offsets); a wrong guess costs the time of the
 * second piece, never a different result.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/buf.h"
#include "qgate/env.h"

#include "test.h"

#define SPLIT_MIN_DEFAULT ((long)32 << 20) /* bytes: below it one piece */
#define SPLIT_WINDOW ((size_t)1 << 20)     /* looked at around the middle */
#define SPLIT_BLOCK ((size_t)1 << 20)      /* read backwards a block at a time */
#define SPLIT_TAG_MAX ((size_t)64 << 10)   /* a suite's start tag longer than this: one piece */

static int cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static ssize_t pread_all(int fd, char *buf, size_t len, long long at)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(at + (long long)got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

long long junit_split_plan(int fd)
{
	long min = SPLIT_MIN_DEFAULT;
	struct stat st;
	char *win = NULL, *hit;
	long long at = -1, mid;
	ssize_t n;

	/* checked at the gate's start (qg_env_check()): cannot fail here */
	if (qg_env_long("QG_JUNIT_SPLIT_MIN", 0, LONG_MAX, &min) < 0 || min == 0 || cpus() < 2)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < min || st.st_size < 64 ||
	    !(win = malloc(SPLIT_WINDOW + 1)))
		goto out;
	/* UTF-16 (a byte order mark, or "<" as two bytes): one piece */
	if ((n = pread_all(fd, win, 4, 0)) != 4 || (win[0] == '\xfe' && win[1] == '\xff') ||
	    (win[0] == '\xff' && win[1] == '\xfe') || !win[0] || !win[1])
		goto out;
	mid = (long long)st.st_size / 2;
	if ((n = pread_all(fd, win, SPLIT_WINDOW, mid)) <= 0)
		goto out;
	win[n] = '\0';
	for (char *p = win; (hit = memmem(p, (size_t)n - (size_t)(p - win), "<testcase", 9)); p = hit + 1) {
		if (hit + 9 < win + n && (is_space(hit[9]) || hit[9] == '>' || hit[9] == '/')) {
			at = mid + (long long)(hit - win);
			break;
		}
	}
out:
	free(win);
	return at;
}

/* The last "<testsuite" (or "<testsuites" when plural) start tag that
 * begins before `end`; -1 when there is none (or a read fails). */
static long long find_before(int fd, long long end, int plural)
{
	const size_t tail = 16; /* a tag cut by a block's end is seen whole */
	char *buf = malloc(SPLIT_BLOCK + tail);
	long long hi = end, found = -1;

	while (buf && hi > 0 && found < 0) {
		long long lo = hi > (long long)SPLIT_BLOCK ? hi - (long long)SPLIT_BLOCK : 0;
		size_t want = (size_t)(hi - lo) + (end - hi < (long long)tail ? (size_t)(end - hi) : tail);
		ssize_t n = pread_all(fd, buf, want, lo);
		const char *p;

		if (n < 0)
			break;
		for (size_t i = (size_t)(hi - lo); i > 0 && (p = memrchr(buf, '<', i)); i = (size_t)(p - buf)) {
			size_t left = (size_t)n - (size_t)(p - buf);
			char next;

			if (left < 12 || memcmp(p, "<testsuite", 10))
				continue;
			next = p[10];
			if (plural ? next == 's' && (is_space(p[11]) || p[11] == '>')
				   : is_space(next) || next == '>') {
				found = lo + (long long)(p - buf);
				break;
			}
		}
		hi = lo;
	}
	free(buf);
	return found;
}

/* The length of the start tag at `at` (its '>' included), -1 when it does
 * not end within SPLIT_TAG_MAX or is an empty-element tag. */
static long long tag_length(int fd, long long at)
{
	char *buf = malloc(SPLIT_TAG_MAX);
	ssize_t n = buf ? pread_all(fd, buf, SPLIT_TAG_MAX, at) : -1;
	long long len = -1;
	char quote = 0;

	for (ssize_t i = 1; i < n; i++) {
		char c = buf[i];

		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '<') {
			break;
		} else if (c == '>') {
			if (buf[i - 1] != '/')
				len = i + 1;
			break;
		}
	}
	free(buf);
	return len;
}

int junit_split_guess(int fd, long long from, struct junit_split_guess *g)
{
	long long at[2], len[2];
	unsigned n = 0;
	int ok = 0;

	memset(g, 0, sizeof(*g));
	qg_buf_init(&g->prefix, 2 * SPLIT_TAG_MAX + 256);
	/* the suite around the candidate, then the document's <testsuites> */
	at[0] = find_before(fd, from, 0);
	if (at[0] >= 0 && (len[0] = tag_length(fd, at[0])) > 0 && at[0] + len[0] <= from) {
		n = 1;
		at[1] = find_before(fd, at[0], 1);
		if (at[1] >= 0 && (len[1] = tag_length(fd, at[1])) > 0 && at[1] + len[1] <= at[0])
			n = 2;
	} else if ((at[0] = find_before(fd, from, 1)) >= 0 && (len[0] = tag_length(fd, at[0])) > 0 &&
		   at[0] + len[0] <= from) {
		n = 1; /* cases right under <testsuites> */
	}
	if (n && qg_buf_addstr(&g->prefix, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") == 0) {
		ok = 1;
		for (unsigned i = 0; i < n && ok; i++) {
			unsigned k = n - 1 - i; /* outermost first */
			size_t mark = g->prefix.len;

			g->tag_at[i] = at[k];
			g->tag_len[i] = len[k];
			ok = qg_buf_grow(&g->prefix, (size_t)len[k] + 1) == 0 &&
			     pread_all(fd, g->prefix.buf + mark, (size_t)len[k], at[k]) == (ssize_t)len[k];
			if (ok)
				qg_buf_setlen(&g->prefix, mark + (size_t)len[k]);
		}
		ok = ok && qg_buf_addch(&g->prefix, '\n') == 0;
		g->depth = ok ? n : 0;
	}
	if (!ok)
		qg_buf_release(&g->prefix);
	return ok;
}
