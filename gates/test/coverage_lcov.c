/* coverage_lcov.c -- the lcov tracefile (.info) reader
 *
 * geninfo(1)'s format: records "TN:", "SF:path", then "DA:line,count[,checksum]",
 * "BRDA:line,block,branch,taken" ('-' when the block never ran) and the
 * function and summary lines, closed by "end_of_record". The summary lines
 * (LF/LH, BRF/BRH, FNF/FNH) are not trusted: the model counts entries. Other
 * upper-case keys (lcov 2's VER, FNL, FNA, MCDC) are skipped; anything else,
 * a record that is never closed (a truncated file) or a number that is not
 * one is refused with file:line:column. The file is streamed (gzip too,
 * through qg_stream) in 64 KiB blocks, so memory follows the records, not
 * the file.
 */
#include "qgate/common.h"

#include <limits.h>

#include "qgate/stream.h"

#include "coverage.h"

struct lcov {
	struct cov_model *m;
	const char *name;
	long long lineno;
	long file;           /* current record's file, -1 outside a record */
	long long record_at; /* line of its SF */
};

/* QG_EINPUT at the current line of the tracefile, column col. */
#define bad(s, col, ...) cov_input_error((s)->name, (s)->lineno, (long long)(col), __VA_ARGS__)

/* An unsigned decimal in [p, end): 0 and the value, or -1. Saturates. */
static int parse_u(const char *p, const char *end, unsigned long long *out)
{
	unsigned long long v = 0;

	if (p == end)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned d = (unsigned)(*p - '0');

		v = v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_line_no(const struct lcov *s, const char *p, const char *end, size_t col, long long *out)
{
	unsigned long long v;

	if (parse_u(p, end, &v) < 0 || v == 0 || v > (unsigned long long)LLONG_MAX)
		return bad(s, col, "line number '%.*s' is not a positive integer", (int)(end - p > 64 ? 64 : end - p), p);
	*out = (long long)v;
	return 0;
}

/* An execution count: a decimal, possibly negative (old gcov bugs wrote
 * -1; lcov clamps them to 0, and so do we). */
static int parse_count(const struct lcov *s, const char *p, const char *end, size_t col, unsigned long long *out)
{
	if (p < end && *p == '-' && end - p > 1) {
		unsigned long long v;

		if (parse_u(p + 1, end, &v) == 0) {
			*out = 0;
			return 0;
		}
	}
	if (parse_u(p, end, out) < 0)
		return bad(s, col, "count '%.*s' is not an integer", (int)(end - p > 64 ? 64 : end - p), p);
	return 0;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int need_record(const struct lcov *s, const char *key)
{
	if (s->file < 0)
		return bad(s, 1, "%s outside a record (expected SF:path first)", key);
	return 0;
}

static int lcov_line(struct lcov *s, const char *p, size_t len)
{
	const char *end = p + len, *colon, *v;
	size_t klen;
	int err;

	while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		end--, len--; /* CRLF files, trailing blanks (lcov's own reader chomps too) */
	if (len == 0)
		return 0;
	if (len == 13 && !memcmp(p, "end_of_record", 13)) {
		if (s->file < 0)
			return bad(s, 1, "end_of_record outside a record");
		s->file = -1;
		return 0;
	}
	colon = memchr(p, ':', len);
	klen = colon ? (size_t)(colon - p) : 0;
	for (size_t i = 0; i < klen; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
			klen = 0;
	if (!colon || klen == 0)
		return bad(s, 1, "'%.*s' is not an lcov record (expected KEY:value or end_of_record)",
			   (int)(len > 64 ? 64 : len), p);
	v = colon + 1;
	size_t vcol = klen + 2;

	if (klen == 2 && !memcmp(p, "SF", 2)) {
		if (s->file >= 0)
			return bad(s, 1, "SF inside the record of line %lld (end_of_record missing)", s->record_at);
		if (v == end)
			return bad(s, vcol, "SF names no file");
		if (memchr(v, '\0', (size_t)(end - v)))
			return bad(s, vcol, "SF path holds a NUL byte");
		long f = cov_model_file(s->m, v, (size_t)(end - v), NULL);

		if (f < 0)
			return (int)f;
		s->file = f;
		s->record_at = s->lineno;
		return 0;
	}
	if (klen == 2 && !memcmp(p, "DA", 2)) {
		const char *c1 = memchr(v, ',', (size_t)(end - v)), *c2;
		long long line;
		unsigned long long hits;

		if ((err = need_record(s, "DA")))
			return err;
		if (!c1)
			return bad(s, vcol, "DA needs line,count");
		c2 = memchr(c1 + 1, ',', (size_t)(end - c1 - 1)); /* optional checksum */
		if ((err = parse_line_no(s, v, c1, vcol, &line)) ||
		    (err = parse_count(s, c1 + 1, c2 ? c2 : end, vcol + (size_t)(c1 + 1 - v), &hits)))
			return err;
		return cov_model_line(s->m, s->file, line, hits);
	}
	if (klen == 4 && !memcmp(p, "BRDA", 4)) {
		const char *c1 = memchr(v, ',', (size_t)(end - v)), *c3 = end;
		long long line;
		unsigned long long taken = 0;

		if ((err = need_record(s, "BRDA")))
			return err;
		while (c3 > v && c3[-1] != ',')
			c3--;
		/* line , block , branch , taken: the key is "block,branch" */
		if (!c1 || c3 - 1 <= c1 || !memchr(c1 + 1, ',', (size_t)(c3 - 1 - (c1 + 1))))
			return bad(s, vcol, "BRDA needs line,block,branch,taken");
		if ((err = parse_line_no(s, v, c1, vcol, &line)))
			return err;
		size_t tcol = vcol + (size_t)(c3 - v);

		if (end - c3 == 1 && *c3 == '-')
			return cov_model_branch(s->m, s->file, line, fnv1a(c1 + 1, (size_t)(c3 - 1 - (c1 + 1))), -1);
		if ((err = parse_count(s, c3, end, tcol, &taken)))
			return err;
		return cov_model_branch(s->m, s->file, line, fnv1a(c1 + 1, (size_t)(c3 - 1 - (c1 + 1))),
					taken > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)taken);
	}
	/* TN, FN, FNDA, FNF, FNH, LF, LH, BRF, BRH, VER, FNL, FNA, MCDC, ...:
	 * function data and lcov's own summaries, not used */
	return 0;
}

struct lcov_reader {
	struct lcov s;
	struct qg_buf pending; /* a line split across blocks */
};

static int feed(struct lcov_reader *r, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return qg_buf_add(&r->pending, p, (size_t)(end - p)) == 0
				       ? 0
				       : bad(&r->s, 1, "line longer than %zu bytes", r->pending.cap);
		r->s.lineno++;
		if (r->pending.len) {
			if (qg_buf_add(&r->pending, p, (size_t)(nl - p)))
				return bad(&r->s, 1, "line longer than %zu bytes", r->pending.cap);
			err = lcov_line(&r->s, r->pending.buf, r->pending.len);
			qg_buf_reset(&r->pending);
		} else {
			err = lcov_line(&r->s, p, (size_t)(nl - p));
		}
		if (err)
			return err;
		p = nl + 1;
	}
	return 0;
}

static int finish(struct lcov_reader *r)
{
	int err = 0;

	if (r->pending.len) {
		r->s.lineno++;
		err = lcov_line(&r->s, r->pending.buf, r->pending.len);
	}
	if (!err && r->s.file >= 0) {
		r->s.lineno++;
		err = bad(&r->s, 1, "end of file inside the record of line %lld (end_of_record missing: truncated?)",
			  r->s.record_at);
	}
	if (!err && r->s.record_at == 0)
		err = qg_error(QG_EINPUT, "'%s': no lcov record (SF:path ... end_of_record) in the file", r->s.name);
	return err;
}

int cov_read_lcov_buf(struct cov_model *m, const char *data, size_t len, const char *name)
{
	struct lcov_reader r = { { m, name, 0, -1, 0 }, QG_BUF_INIT((size_t)1 << 20) };
	int err = feed(&r, data, len);

	if (!err)
		err = finish(&r);
	qg_buf_release(&r.pending);
	return err;
}

int cov_read_lcov(struct cov_model *m, const char *path)
{
	struct lcov_reader r = { { m, path, 0, -1, 0 }, QG_BUF_INIT((size_t)1 << 20) };
	struct qg_stream *st;
	char block[1 << 16];
	ssize_t n;
	int err = qg_stream_open(&st, path, 0);

	if (err)
		return err;
	r.s.name = qg_stream_name(st);
	while ((n = qg_stream_read(st, block, sizeof(block))) > 0)
		if ((err = feed(&r, block, (size_t)n)))
			break;
	if (!err && n < 0)
		err = (int)n;
	if (!err)
		err = finish(&r);
	qg_stream_free(st);
	qg_buf_release(&r.pending);
	return err;
}
