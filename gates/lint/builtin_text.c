/* builtin_text.c -- the hygiene checks, as pre-commit-hooks users know them
 *
 * Each entry of lint_text_checkers is one check id of pre-commit-hooks
 * (trailing-whitespace, end-of-file, mixed-line-ending, byte-order-mark,
 * merge-conflict, large-file, private-key, case-conflict,
 * executable-shebang, shebang-executable, broken-symlink) or of qgate
 * (secret, utf8, no-commit-to-branch). Streaming checks see every line once
 * through builtin.c's driver and keep only counters, so a 2 GB file costs
 * what one line costs. Every check is an error by default: in pre-commit
 * every failing hook blocks the commit, and qgate-lint keeps that meaning
 * (--max-errors N relaxes it). Differences from pre-commit-hooks, on
 * purpose: merge-conflict flags "=======" only inside a "<<<<<<< " block
 * (so reStructuredText headings pass without a merge in progress), and
 * no-commit-to-branch runs only when named (a CI run on main must not fail
 * for being on main). A secret's finding names its kind, its first four
 * characters at most and its length: the secret never reaches an output.
 */
#include "qgate/common.h"

#include "qgate/cpu.h"
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#include <limits.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/git.h"
#include "qgate/utf8.h"

#include "lint.h"

#define TOOL "builtin"

struct st {
	const struct lint_ctx *ctx;
	const char *path;
	long long a, b, la, lb, last, first_blank, blanks;
	int content, eol, seen, in_conflict;
	long long off;
};

static void *st_begin(const struct lint_ctx *ctx, const struct lint_file *f)
{
	struct st *s = calloc(1, sizeof(*s));

	if (s) {
		s->ctx = ctx;
		s->path = f->path;
	}
	return s;
}

static int st_end(void *st, struct lint_findings *out)
{
	free(st);
	return 0;
}

static int add(struct lint_findings *out, const char *rule, const char *file, long long line, long long col,
	       const char *fmt, const char *a, long long n)
{
	/* fmt takes at most one %s and one %lld, in that order when both */
	return lint_findings_add(out, TOOL, rule, LINT_ERROR, file, line, col, fmt, a, n) ? 0 : QG_ENOMEM;
}

static int is_regular(const struct lint_file *f)
{
	return (f->mode & 0170000) != 0120000;
}

/* The line without its terminator ("\n" or "\r\n"). */
static size_t body_len(const char *line, size_t len, int *eol)
{
	*eol = 0;
	if (len && line[len - 1] == '\n') {
		len--;
		*eol = 1;
		if (len && line[len - 1] == '\r') {
			len--;
			*eol = 2;
		}
	}
	return len;
}

/* ---- trailing-whitespace */

static int ws_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct st *s = st;
	int eol;
	size_t n = body_len(line, len, &eol), k = n;

	while (k && (line[k - 1] == ' ' || line[k - 1] == '\t' || line[k - 1] == '\v' || line[k - 1] == '\f'))
		k--;
	if (k < n)
		return lint_findings_add(out, TOOL, "trailing-whitespace", LINT_ERROR, s->path, lineno,
					 (long long)k + 1 + (cont ? s->off : 0), "trailing whitespace (%zu character%s)",
					 n - k, n - k == 1 ? "" : "s")
			       ? 0
			       : QG_ENOMEM;
	s->off = cont ? s->off + (long long)len : (long long)len;
	return 0;
}

/* ---- end-of-file */

static int eof_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct st *s = st;
	int eol;
	size_t n = body_len(line, len, &eol);

	s->seen = 1;
	s->last = lineno;
	s->eol = eol;
	if (!cont && !n && eol) {
		if (!s->blanks++)
			s->first_blank = lineno;
	} else {
		s->blanks = 0;
		s->content = 1;
	}
	return 0;
}

static int eof_end(void *st, struct lint_findings *out)
{
	struct st *s = st;
	int err = 0;

	if (!s->seen)
		err = 0;
	else if (!s->eol)
		err = add(out, "end-of-file", s->path, s->last, 0, "no newline at end of file%s", "", 0);
	else if (s->blanks && !s->content)
		err = add(out, "end-of-file", s->path, 1, 0, "the file holds only blank lines (%s%lld)", "", s->blanks);
	else if (s->blanks)
		err = add(out, "end-of-file", s->path, s->first_blank, 0, "%s%lld blank line(s) at end of file", "",
			  s->blanks);
	free(st);
	return err;
}

/* ---- mixed-line-ending: a = CRLF lines, b = LF lines */

static int mixed_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct st *s = st;
	int eol;

	body_len(line, len, &eol);
	if (eol == 2 && !s->a++)
		s->la = lineno;
	else if (eol == 1 && !s->b++)
		s->lb = lineno;
	return 0;
}

static int mixed_end(void *st, struct lint_findings *out)
{
	struct st *s = st;
	int err = 0;

	if (s->a && s->b) {
		/* the minority's first line; a tie is fixed to LF */
		int crlf_minor = s->a <= s->b;
		struct lint_finding *f =
			lint_findings_add(out, TOOL, "mixed-line-ending", LINT_ERROR, s->path, crlf_minor ? s->la : s->lb, 0,
					  "mixed line endings: %lld CRLF and %lld LF (first %s here)", s->a, s->b,
					  crlf_minor ? "CRLF" : "LF");
		err = f ? 0 : QG_ENOMEM;
	}
	free(st);
	return err;
}

/* ---- byte-order-mark */

static int bom_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct st *s = st;

	if (len >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3) &&
	    add(out, "byte-order-mark", s->path, 1, 1, "UTF-8 byte order mark%s", "", 0) < 0)
		return QG_ENOMEM;
	return LINT_LINE_DONE;
}

/* ---- merge-conflict */

static int conflict_line(void *st, const char *line, size_t len, long long lineno, int cont,
			 struct lint_findings *out)
{
	struct st *s = st;
	int eol;
	size_t n;

	if (cont || len < 7)
		return 0;
	n = body_len(line, len, &eol);
	if (len >= 8 && !memcmp(line, "<<<<<<< ", 8)) {
		s->in_conflict = 1;
		return add(out, "merge-conflict", s->path, lineno, 1, "merge conflict marker '%s'", "<<<<<<<", 0);
	}
	if (len >= 8 && !memcmp(line, ">>>>>>> ", 8)) {
		s->in_conflict = 0;
		return add(out, "merge-conflict", s->path, lineno, 1, "merge conflict marker '%s'", ">>>>>>>", 0);
	}
	if (s->in_conflict && !memcmp(line, "=======", 7) && (n == 7 || line[7] == ' '))
		return add(out, "merge-conflict", s->path, lineno, 1, "merge conflict marker '%s'", "=======", 0);
	return 0;
}

/* ---- private-key: pre-commit-hooks' detect-private-key list */

/* (each literal split in two, so this file does not carry the headers it looks for) */
static const char *const key_headers[] = {
	"BEGIN RSA PRIVATE" " KEY",       "BEGIN DSA PRIVATE" " KEY",          "BEGIN EC PRIVATE" " KEY",
	"BEGIN OPENSSH PRIVATE" " KEY",   "BEGIN PRIVATE" " KEY",              "PuTTY-" "User-Key-File-2",
	"BEGIN SSH2 ENCRYPTED PRIVATE" " KEY", "BEGIN PGP PRIVATE" " KEY BLOCK", "BEGIN ENCRYPTED PRIVATE" " KEY",
	"BEGIN Open" "VPN Static key V1",
};

static int key_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct st *s = st;

	/* every header holds "PRIVATE KEY", "OpenVPN" (a 'V') or "PuTTY" (a 'Y'):
	 * memchr() skips most lines, one memmem() most of the rest */
	{
		int v = memchr(line, 'V', len) != NULL;

		if (!(v && (memmem(line, len, "PRIVATE KEY", 11) || memmem(line, len, "OpenVPN", 7))) &&
		    !(memchr(line, 'Y', len) && memmem(line, len, "PuTTY-User", 10)))
			return 0;
	}
	for (size_t i = 0; i < QG_ARRAY_SIZE(key_headers); i++) {
		const char *h = key_headers[i];
		const char *p = memmem(line, len, h, strlen(h));

		if (p)
			return add(out, "private-key", s->path, lineno, (long long)(p - line) + 1, "private key (%s)", h, 0);
	}
	return 0;
}

/* ---- secret */

static int alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static size_t run_of(const char *p, const char *end, const char *extra)
{
	size_t n = 0;

	while (p + n < end && (alnum((unsigned char)p[n]) || (p[n] && extra && strchr(extra, p[n]))))
		n++;
	return n;
}

static int upper_digit(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

struct secret_kind {
	const char *prefix;
	const char *what;
	size_t min;        /* characters after the prefix */
	size_t max;        /* 0: no upper bound */
	const char *extra; /* besides [A-Za-z0-9] */
};

static const struct secret_kind kinds[] = {
	{ "ghp_", "GitHub personal access token", 36, 0, NULL },
	{ "gho_", "GitHub OAuth token", 36, 0, NULL },
	{ "ghs_", "GitHub server token", 36, 0, NULL },
	{ "ghu_", "GitHub user token", 36, 0, NULL },
	{ "ghr_", "GitHub refresh token", 36, 0, NULL },
	{ "github_pat_", "GitHub fine-grained token", 59, 0, "_" },
	{ "glpat-", "GitLab personal access token", 20, 0, "_-" },
	{ "xoxa-", "Slack token", 10, 0, "-" },
	{ "xoxb-", "Slack token", 10, 0, "-" },
	{ "xoxp-", "Slack token", 10, 0, "-" },
	{ "xoxr-", "Slack token", 10, 0, "-" },
	{ "xoxs-", "Slack token", 10, 0, "-" },
	{ "sk_live_", "Stripe secret key", 24, 0, NULL },
	{ "rk_live_", "Stripe restricted key", 24, 0, NULL },
	{ "AIza", "Google API key", 35, 35, "_-" },
};

static int report_secret(struct lint_findings *out, const struct st *s, long long lineno, const char *line,
			 const char *p, size_t len, const char *what)
{
	char prefix[5] = { 0 };
	size_t k = len < 4 ? len : 4;
	struct lint_finding *f;

	memcpy(prefix, p, k);
	for (size_t i = 0; i < k; i++)
		if (!alnum((unsigned char)prefix[i]) && prefix[i] != '_' && prefix[i] != '-')
			prefix[i] = '?';
	f = lint_findings_add(out, TOOL, "secret", LINT_ERROR, s->path, lineno, (long long)(p - line) + 1 + s->off,
			      "%s '%s...' (%zu characters)", what, prefix, len);
	return f ? 0 : QG_ENOMEM;
}

/* The bytes a secret can start with (AKIA/AIza, gh/gl, xox, sk_/rk_, aws_): the
 * scan skips every other byte with one table look-up. */
static const unsigned char secret_first[256] = {
	['A'] = 1, ['g'] = 1, ['x'] = 1, ['s'] = 1, ['r'] = 1, ['a'] = 1,
};

/* The second byte of a secret's first two: 'a'/'A' only before w (aws_),
 * A before I/K/S/B/C, g before h/l, x before o, s/r before k. Most words
 * starting with these letters (struct, return, size, get, xor, and) stop
 * here, before the checks below. */
static inline int secret_second(unsigned char c, unsigned char d)
{
	switch (c) {
	case 'a':
		return (d | 0x20) == 'w';
	case 'A':
		return (d | 0x20) == 'w' || d == 'I' || d == 'K' || d == 'S' || d == 'B' || d == 'C';
	case 'g':
		return d == 'h' || d == 'l';
	case 'x':
		return d == 'o';
	default: /* s, r */
		return d == 'k';
	}
}

/* The next position at or after p where a secret can start by its first
 * two bytes (end when none): with SSE2 16 positions at a time (a byte and
 * the one after it against every pair secret_second() accepts), else one
 * at a time; the same answer either way. */
static inline const char *secret_next(const char *p, const char *end)
{
#if QG_SIMD_SSE2
#define EQ(v, ch) _mm_cmpeq_epi8((v), _mm_set1_epi8(ch))
	while (end - p >= 17) {
		__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		__m128i w = EQ(_mm_or_si128(v1, _mm_set1_epi8(0x20)), 'w');
		__m128i Anext = _mm_or_si128(_mm_or_si128(EQ(v1, 'I'), EQ(v1, 'K')),
					     _mm_or_si128(_mm_or_si128(EQ(v1, 'S'), EQ(v1, 'B')), EQ(v1, 'C')));
		__m128i m = _mm_or_si128(
			_mm_or_si128(_mm_and_si128(_mm_or_si128(EQ(v0, 'a'), EQ(v0, 'A')), w),
				     _mm_and_si128(EQ(v0, 'A'), Anext)),
			_mm_or_si128(_mm_and_si128(EQ(v0, 'g'), _mm_or_si128(EQ(v1, 'h'), EQ(v1, 'l'))),
				     _mm_or_si128(_mm_and_si128(EQ(v0, 'x'), EQ(v1, 'o')),
						  _mm_and_si128(_mm_or_si128(EQ(v0, 's'), EQ(v0, 'r')), EQ(v1, 'k')))));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);

		if (bits)
			return p + __builtin_ctz(bits);
		p += 16;
	}
#undef EQ
#endif
	while (p < end && !(secret_first[(unsigned char)*p] && p + 1 < end &&
			    secret_second((unsigned char)p[0], (unsigned char)p[1])))
		p++;
	return p;
}

static int aws_secret_at(const char *p, const char *end, const char **val)
{
	static const char *const names[] = { "aws_secret_access_key", "aws_secret_key" };

	if (end - p < 14 || (p[1] | 0x20) != 'w' || (p[2] | 0x20) != 's' || p[3] != '_')
		return 0;
	for (size_t i = 0; i < QG_ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);

		if ((size_t)(end - p) >= n && !strncasecmp(p, names[i], n)) {
			const char *q = p + n;

			while (q < end && (*q == ' ' || *q == '\t' || *q == '"' || *q == '\'' || *q == ':' || *q == '='))
				q++;
			*val = q;
			return run_of(q, end, "/+") == 40;
		}
	}
	return 0;
}

static int secret_line(void *st, const char *line, size_t len, long long lineno, int cont,
		       struct lint_findings *out)
{
	struct st *s = st;
	const char *end = line + len;

	if (!cont)
		s->off = 0;
	for (const char *p = line; (p = secret_next(p, end)) < end; p++) {
		unsigned char c = (unsigned char)*p;
		size_t left;

		if (p > line && alnum((unsigned char)p[-1]))
			continue;
		left = (size_t)(end - p);
		if (c == 'a' || c == 'A') {
			const char *v;

			if (aws_secret_at(p, end, &v)) {
				if (report_secret(out, s, lineno, line, v, 40, "AWS secret access key") < 0)
					return QG_ENOMEM;
				p = v + 39;
				continue;
			}
			if (c == 'a')
				continue;
		}
		if (c == 'A' && left >= 20 &&
		    (!memcmp(p, "AKIA", 4) || !memcmp(p, "ASIA", 4) || !memcmp(p, "ABIA", 4) || !memcmp(p, "ACCA", 4))) {
			size_t n = 4;

			while (n < left && upper_digit((unsigned char)p[n]))
				n++;
			if (n == 20 && (n == left || !alnum((unsigned char)p[n]))) {
				if (report_secret(out, s, lineno, line, p, n, "AWS access key id") < 0)
					return QG_ENOMEM;
				p += n - 1;
			}
			continue;
		}
		if (c == 'A' && (left < 4 || p[1] != 'I' || p[2] != 'z' || p[3] != 'a'))
			continue;
		if (left < 3 || ((c == 's' || c == 'r') && (p[1] != 'k' || p[2] != '_')) ||
		    (c == 'x' && (p[1] != 'o' || p[2] != 'x')) || (c == 'g' && p[1] != 'h' && p[1] != 'l'))
			continue;
		for (size_t k = 0; k < QG_ARRAY_SIZE(kinds); k++) {
			const struct secret_kind *sk = &kinds[k];
			size_t pl = strlen(sk->prefix), n;

			if ((unsigned char)sk->prefix[0] != c || left < pl + sk->min || memcmp(p, sk->prefix, pl))
				continue;
			n = run_of(p + pl, end, sk->extra);
			if (n < sk->min || (sk->max && n > sk->max))
				continue;
			if (report_secret(out, s, lineno, line, p, pl + n, sk->what) < 0)
				return QG_ENOMEM;
			p += pl + n - 1;
			break;
		}
	}
	s->off += cont ? (long long)len : 0;
	return 0;
}

/* ---- utf8 */

static int utf8_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct st *s = st;
	size_t i = 0;

	if (!cont)
		s->off = 0;
	while (i < len) {
		size_t n;

		/* ASCII runs 8 bytes at a time */
		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, line + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (!((unsigned char)line[i] & 0x80)) {
			i++;
			continue;
		}
		n = qg_utf8_decode(line + i, len - i, NULL);
		if (!n) {
			s->off += (long long)len;
			return add(out, "utf8", s->path, lineno, s->off - (long long)len + (long long)i + 1,
				   "invalid UTF-8 (byte 0x%s%02llx)", "", (long long)(unsigned char)line[i]);
		}
		i += n;
	}
	s->off += (long long)len;
	return 0;
}

/* ---- executable-shebang / shebang-executable (from the index mode) */

static int applies_exec(const struct lint_file *f)
{
	return is_regular(f) && (f->mode & 0111);
}

static int applies_nonexec(const struct lint_file *f)
{
	return is_regular(f) && !(f->mode & 0111);
}

static int shebang(const char *line, size_t len)
{
	return len >= 2 && line[0] == '#' && line[1] == '!';
}

static int exec_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct st *s = st;

	s->seen = 1;
	if (!shebang(line, len) &&
	    add(out, "executable-shebang", s->path, 1, 0, "executable (mode %s%llo) but no #! shebang", "",
		(long long)s->a) < 0)
		return QG_ENOMEM;
	return LINT_LINE_DONE;
}

static void *exec_begin(const struct lint_ctx *ctx, const struct lint_file *f)
{
	struct st *s = st_begin(ctx, f);

	if (s)
		s->a = f->mode;
	return s;
}

static int exec_end(void *st, struct lint_findings *out)
{
	struct st *s = st;
	int err = 0;

	if (!s->seen)
		err = add(out, "executable-shebang", s->path, 0, 0, "executable (mode %s%llo) but empty: no #! shebang",
			  "", (long long)s->a);
	free(st);
	return err;
}

static int nonexec_line(void *st, const char *line, size_t len, long long lineno, int cont,
			struct lint_findings *out)
{
	struct st *s = st;

	if (shebang(line, len) &&
	    add(out, "shebang-executable", s->path, 1, 1, "has a #! shebang but is not executable (mode %s%llo)", "",
		(long long)s->a) < 0)
		return QG_ENOMEM;
	return LINT_LINE_DONE;
}

/* ---- large-file, broken-symlink (no bytes read) */

static int applies_regular(const struct lint_file *f)
{
	return is_regular(f);
}

static int large_path(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out)
{
	long long kib = ctx->large_file_kib > 0 ? ctx->large_file_kib : 500;
	struct lint_finding *x;

	if (f->size <= kib * 1024)
		return 0;
	x = lint_findings_add(out, TOOL, "large-file", LINT_ERROR, f->path, 0, 0, "%lld KiB, above the %lld KiB limit",
			      (f->size + 1023) / 1024, kib);
	return x ? 0 : QG_ENOMEM;
}

static int applies_link(const struct lint_file *f)
{
	return (f->mode & 0170000) == 0120000;
}

static int link_path(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out)
{
	struct qg_buf abs = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct stat st;
	int err = 0;

	if (f->abs)
		err = qg_buf_addstr(&abs, f->abs);
	else
		err = qg_buf_addf(&abs, "%s%s", ctx->root, f->path);
	if (!err && stat(abs.buf, &st) < 0) {
		int e = errno;
		char target[4096];
		ssize_t n = readlink(abs.buf, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = 0;
		err = lint_findings_add(out, TOOL, "broken-symlink", LINT_ERROR, f->path, 0, 0,
					"symbolic link to '%s' points to nothing (%s)", target,
					e == ELOOP ? "a link loop" : strerror(e))
			      ? 0
			      : QG_ENOMEM;
	}
	qg_buf_release(&abs);
	return err;
}

/* ---- case-conflict (the files and their folders, as pre-commit-hooks)
 *
 * Every name (a path and each of its folders) goes into one hash table
 * keyed by its lowered spelling (ASCII A-Z, as before); a key reached by a
 * second spelling chains it and marks the key. Only marked keys are sorted
 * and reported, so 50k paths cost one pass and no copies: the names point
 * into the selection's paths and the index's (lint_files.tracked). */

struct cname {
	const char *s;   /* the spelling: s[0..len) */
	uint32_t len;
	uint32_t hash;
	int next;        /* the next spelling of the same lowered name, -1 none */
	unsigned char sel;      /* from a selected file (else only tracked) */
	unsigned char conflict; /* (a key's first spelling) more than one spelling */
};

struct case_set {
	struct cname *v;
	size_t n, alloc;
	int *slot;       /* index + 1 of each key's first spelling, 0 empty */
	size_t nslot;    /* a power of two */
	int *marked;     /* keys with several spellings */
	size_t nmarked, alloc_marked;
};

static unsigned char low_c(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int same_lowered(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (low_c((unsigned char)a[i]) != low_c((unsigned char)b[i]))
			return 0;
	return 1;
}

static int case_grow(struct case_set *cs)
{
	size_t n = cs->nslot ? cs->nslot * 2 : 1024;
	int *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < cs->nslot; i++) {
		size_t j;

		if (!cs->slot[i])
			continue;
		for (j = cs->v[cs->slot[i] - 1].hash & (n - 1); slot[j]; j = (j + 1) & (n - 1))
			;
		slot[j] = cs->slot[i];
	}
	free(cs->slot);
	cs->slot = slot;
	cs->nslot = n;
	return 0;
}

/* One name: s[0..len), its lowered hash h. */
static int case_name(struct case_set *cs, const char *s, size_t len, uint32_t h, int sel)
{
	size_t j;
	struct cname *e;

	if (cs->n + 1 > cs->nslot / 2 && case_grow(cs) < 0)
		return QG_ENOMEM;
	for (j = h & (cs->nslot - 1); cs->slot[j]; j = (j + 1) & (cs->nslot - 1)) {
		int k = cs->slot[j] - 1;

		e = &cs->v[k];
		if (e->hash != h || e->len != len || !same_lowered(e->s, s, len))
			continue;
		/* the key is known: this spelling too? */
		for (int x = k;; x = cs->v[x].next) {
			if (!memcmp(cs->v[x].s, s, len)) {
				cs->v[x].sel |= (unsigned char)sel;
				return 0;
			}
			if (cs->v[x].next < 0) {
				if (QG_ALLOC_GROW(cs->v, cs->n + 1, cs->alloc) < 0)
					return QG_ENOMEM;
				cs->v[cs->n] = (struct cname){ s, (uint32_t)len, h, -1, (unsigned char)sel, 0 };
				cs->v[x].next = (int)cs->n++;
				if (!cs->v[k].conflict) {
					cs->v[k].conflict = 1;
					if (QG_ALLOC_GROW(cs->marked, cs->nmarked + 1, cs->alloc_marked) < 0)
						return QG_ENOMEM;
					cs->marked[cs->nmarked++] = k;
				}
				return 0;
			}
		}
	}
	if (cs->n >= INT_MAX - 1)
		return qg_error(QG_ETOOBIG, "case-conflict: more than %d names", INT_MAX - 1);
	if (QG_ALLOC_GROW(cs->v, cs->n + 1, cs->alloc) < 0)
		return QG_ENOMEM;
	cs->v[cs->n] = (struct cname){ s, (uint32_t)len, h, -1, (unsigned char)sel, 0 };
	cs->slot[j] = (int)++cs->n;
	return 0;
}

/* `p` and each of its folders (FNV-1a over the lowered bytes, one pass). */
static int case_add(struct case_set *cs, const char *p, int sel)
{
	uint32_t h = 2166136261u;
	int err;

	for (size_t k = 0;; k++) {
		if (p[k] == '/' || !p[k]) {
			if (k > UINT32_MAX / 2)
				return qg_error(QG_ETOOBIG, "case-conflict: a path longer than 2 GiB");
			if ((err = case_name(cs, p, k, h, sel)) < 0)
				return err;
			if (!p[k])
				return 0;
		}
		h = (h ^ low_c((unsigned char)p[k])) * 16777619u;
	}
}

static int case_tracked(void *ud, const struct qg_git_file *f)
{
	struct qg_strvec *v = ud;

	return qg_strvec_push(v, f->path);
}

static int cmp_cname(const void *a, const void *b)
{
	const struct cname *x = a, *y = b;

	/* a lowered key's spellings all have its length */
	return memcmp(x->s, y->s, x->len);
}

/* Paths that collide on a case-insensitive disk, as pre-commit-hooks'
 * check-case-conflict: the selected files against each other and against
 * every tracked file (a new README.md beside a tracked readme.md), folders
 * included; a collision is reported when one side is selected. */
static int case_repo(const struct lint_ctx *ctx, const struct lint_files *files, struct lint_findings *out)
{
	struct case_set cs = { 0 };
	struct qg_strvec index = QG_STRVEC_INIT;
	struct cname *group = NULL;
	size_t ngroup = 0, agroup = 0;
	int err = 0;

	for (size_t i = 0; i < files->nr && !err; i++)
		if (!(files->v[i].flags & (LINT_FILE_OUTSIDE | LINT_FILE_GONE)))
			err = case_add(&cs, files->v[i].path, !lint_excluded_for(ctx, "case-conflict", files->v[i].path));
	if (!err && ctx->repo && files->nr) {
		if (files->have_tracked) {
			for (size_t i = 0; i < files->nr_tracked && !err; i++)
				err = case_add(&cs, files->tracked[i], 0);
		} else if (!(err = qg_git_ls_files(ctx->repo, case_tracked, &index))) {
			for (size_t i = 0; i < index.nr && !err; i++)
				err = case_add(&cs, index.v[i], 0);
		}
	}
	for (size_t m = 0; m < cs.nmarked && !err; m++) {
		ngroup = 0;
		for (int x = cs.marked[m]; x >= 0 && !err; x = cs.v[x].next) {
			if (QG_ALLOC_GROW(group, ngroup + 1, agroup) < 0)
				err = QG_ENOMEM;
			else
				group[ngroup++] = cs.v[x];
		}
		if (err)
			break;
		qsort(group, ngroup, sizeof(*group), cmp_cname);
		for (size_t i = 0; i + 1 < ngroup && !err; i++) {
			const struct cname *a = &group[i], *b = &group[i + 1];
			char *name = qg_strndup(b->sel ? b->s : a->s, b->sel ? b->len : a->len);

			if (!a->sel && !b->sel) {
				free(name);
				continue;
			}
			if (!name || !lint_findings_add(out, TOOL, "case-conflict", LINT_ERROR, name, 0, 0,
							"'%.*s' and '%.*s' differ only in case", (int)a->len, a->s,
							(int)b->len, b->s))
				err = qg_error(QG_ENOMEM, "out of memory");
			free(name);
		}
	}
	free(group);
	free(cs.v);
	free(cs.slot);
	free(cs.marked);
	qg_strvec_clear(&index);
	return err;
}

/* ---- no-commit-to-branch */

static int branch_repo(const struct lint_ctx *ctx, const struct lint_files *files, struct lint_findings *out)
{
	const char *b;

	if (!ctx->repo || !(b = qg_git_repo_branch(ctx->repo)))
		return 0;
	for (size_t i = 0; i < ctx->protected_branches.nr; i++)
		if (!strcmp(b, ctx->protected_branches.v[i]))
			return lint_findings_add(out, TOOL, "no-commit-to-branch", LINT_ERROR, NULL, 0, 0,
						 "on the protected branch '%s'", b)
				       ? 0
				       : QG_ENOMEM;
	return 0;
}

#define D LINT_C_DEFAULT
#define T LINT_C_TEXT
#define FX LINT_C_FIXABLE

const struct lint_checker lint_text_checkers[] = {
	{ .id = "trailing-whitespace", .description = "no whitespace at the end of a line", .level = LINT_ERROR,
	  .flags = D | T | FX, .applies = applies_regular, .begin = st_begin, .line = ws_line, .end = st_end },
	{ .id = "end-of-file", .description = "a file ends in exactly one newline", .level = LINT_ERROR,
	  .flags = D | T | FX, .applies = applies_regular, .begin = st_begin, .line = eof_line, .end = eof_end },
	{ .id = "mixed-line-ending", .description = "one line ending (LF or CRLF) per file", .level = LINT_ERROR,
	  .flags = D | T | FX, .applies = applies_regular, .begin = st_begin, .line = mixed_line, .end = mixed_end },
	{ .id = "byte-order-mark", .description = "no UTF-8 byte order mark", .level = LINT_ERROR, .flags = D | T | FX,
	  .applies = applies_regular, .begin = st_begin, .line = bom_line, .end = st_end },
	{ .id = "merge-conflict", .description = "no merge conflict markers", .level = LINT_ERROR, .flags = D | T,
	  .applies = applies_regular, .begin = st_begin, .line = conflict_line, .end = st_end },
	{ .id = "large-file", .description = "no file above --large-file-kib (500 KiB)", .level = LINT_ERROR,
	  .flags = D, .applies = applies_regular, .path = large_path },
	{ .id = "private-key", .description = "no private key", .level = LINT_ERROR, .flags = D | T,
	  .applies = applies_regular, .begin = st_begin, .line = key_line, .end = st_end },
	{ .id = "secret", .description = "no access token or secret key", .level = LINT_ERROR, .flags = D | T,
	  .applies = applies_regular, .begin = st_begin, .line = secret_line, .end = st_end },
	{ .id = "case-conflict", .description = "no two paths that differ only in case", .level = LINT_ERROR,
	  .flags = D, .repo = case_repo },
	{ .id = "executable-shebang", .description = "an executable starts with #!", .level = LINT_ERROR, .flags = D,
	  .applies = applies_exec, .begin = exec_begin, .line = exec_line, .end = exec_end },
	{ .id = "shebang-executable", .description = "a file starting with #! is executable", .level = LINT_ERROR,
	  .flags = D, .applies = applies_nonexec, .begin = exec_begin, .line = nonexec_line, .end = st_end },
	{ .id = "broken-symlink", .description = "a symbolic link points to something", .level = LINT_ERROR,
	  .flags = D, .applies = applies_link, .path = link_path },
	{ .id = "utf8", .description = "text files are valid UTF-8", .level = LINT_ERROR, .flags = D | T,
	  .applies = applies_regular, .begin = st_begin, .line = utf8_line, .end = st_end },
	{ .id = "no-commit-to-branch", .description = "not on a protected branch (--branch; main, master)",
	  .level = LINT_ERROR, .flags = 0, .repo = branch_repo },
	{ .id = NULL },
};
