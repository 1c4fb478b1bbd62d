/* baseline.c -- fingerprints and --baseline / --write-baseline
 *
 * A finding's fingerprint follows SARIF's partialFingerprints idea: it is
 * a 128-bit hash (MurmurHash3 x64, hex) of the tool, the rule, the file and
 * the whitespace-normalised text of the finding's line and of one neighbour
 * on each side (each line as its FNV-1a 64), plus an occurrence index that
 * tells identical findings on identical lines apart (0 for the first in
 * list order, 1 for the next...). The hashes are written out here rather
 * than taken from libcrypto: they are persisted, must not depend on a
 * library being loadable, and SHA-256 cost 4 s per 200k findings through
 * qg_sha256_hex (its hex formatting); these cost ~1 us a finding.
 * No line number and no column goes in: code that moves keeps its
 * fingerprint, an edited line (or an edited neighbour) gets a new one.
 * Normalising drops leading and trailing whitespace and folds every run of
 * blanks (space, tab, CR, VT, FF) into one space, so re-indenting or CRLF
 * line ends keep a finding old. A finding without a line uses the tool, rule
 * and file only; one whose file cannot be read (outside the repository,
 * deleted) uses its message instead of the text; one without a file uses
 * the tool, the rule and the message. Files are read once each, through
 * lint_reader (the staged blob with --staged), streamed, and only up to the
 * last line a finding needs.
 *
 * The baseline file is a small JSON document written atomically:
 *   {"schema": "qgate.lint-baseline/v1",
 *    "entries": [{"fingerprint", "tool", "rule", "file", "line", "message"}...]}
 * Only the fingerprint is matched; the rest is for people reading it. A
 * fingerprint recorded n times hides at most n findings (so a second copy of
 * an old problem is new). Suppressed and fixed findings are neither written
 * nor matched.
 */
#include "qgate/common.h"

#include "qgate/file.h"
#include "qgate/git.h"
#include "qgate/hash.h"
#include "qgate/json.h"
#include "qgate/strmap.h"

#include "lint.h"

#define BASELINE_SCHEMA "qgate.lint-baseline/v1"
#define FP_HEX 32
#define NOT_MATCHED (LINT_F_SUPPRESSED | LINT_F_FIXED)

/* ---- stable hashes (they are persisted in baselines, so they are written
 * out here byte by byte, independent of the platform and of any library:
 * FNV-1a 64 per line, MurmurHash3 x64 128 for the fingerprint) */

static const char hexdigits[] = "0123456789abcdef";

static void hex64(char *out, uint64_t v)
{
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		out[i] = hexdigits[v & 15];
}

static uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t le64(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* MurmurHash3_x64_128 (Austin Appleby, public domain), seed 0, as h1 h2 hex. */
static void murmur3_hex(char out[33], const void *key, size_t len)
{
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	const unsigned char *d = key, *tail = d + (len & ~(size_t)15);
	uint64_t h1 = 0, h2 = 0, k1, k2;
	size_t rem = len & 15;

	for (; d < tail; d += 16) {
		k1 = le64(d, 8) * c1;
		k1 = rotl64(k1, 31) * c2;
		h1 ^= k1;
		h1 = rotl64(h1, 27) + h2;
		h1 = h1 * 5 + 0x52dce729;
		k2 = le64(d + 8, 8) * c2;
		k2 = rotl64(k2, 33) * c1;
		h2 ^= k2;
		h2 = rotl64(h2, 31) + h1;
		h2 = h2 * 5 + 0x38495ab5;
	}
	if (rem > 8) {
		k2 = le64(tail + 8, rem - 8) * c2;
		h2 ^= rotl64(k2, 33) * c1;
	}
	if (rem) {
		k1 = le64(tail, rem < 8 ? rem : 8) * c1;
		h1 ^= rotl64(k1, 31) * c2;
	}
	h1 ^= (uint64_t)len;
	h2 ^= (uint64_t)len;
	h1 += h2;
	h2 += h1;
	h1 = qg_hash_fmix64(h1); /* MurmurHash3's own finaliser */
	h2 = qg_hash_fmix64(h2);
	h1 += h2;
	h2 += h1;
	hex64(out, h1);
	hex64(out + 16, h2);
	out[32] = '\0';
}

/* ---- one line's normalised text, hashed as it streams by */

struct line_hash {
	long long line;
	int present;        /* the file has this line */
	char hex[17];
};

struct line_state {
	uint64_t h;
	int pending_space, seen_text, seen_bytes;
};

static void fnv_byte(struct line_state *s, unsigned char c)
{
	s->h = (s->h ^ c) * 0x100000001b3ULL;
}

static void line_byte(struct line_state *s, unsigned char c)
{
	s->seen_bytes = 1;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
		s->pending_space = s->seen_text;
		return;
	}
	if (s->pending_space)
		fnv_byte(s, ' ');
	s->pending_space = 0;
	s->seen_text = 1;
	fnv_byte(s, c);
}

static void line_begin(struct line_state *s)
{
	memset(s, 0, sizeof(*s));
	s->h = 0xcbf29ce484222325ULL;
}

static void line_end(struct line_state *s, struct line_hash *out)
{
	hex64(out->hex, s->h);
	out->hex[16] = '\0';
	out->present = 1;
}

/* Hash the lines `want` (sorted, unique) of f; lines past the end stay
 * absent. QG_E* only for memory and hashing failures: a file that cannot be
 * read is reported through *unreadable. */
static int hash_lines(const struct lint_ctx *ctx, const struct lint_file *f, struct line_hash *want, size_t nr,
		      int *unreadable)
{
	struct lint_reader *rd = NULL;
	struct line_state st;
	char buf[65536];
	long long cur = 1;
	size_t wi = 0;
	int active = 0, err = 0;

	*unreadable = 0;
	if (lint_reader_open(&rd, ctx, f) < 0) {
		*unreadable = 1;
		qg_error_clear();
		return 0;
	}
	memset(&st, 0, sizeof(st));
	while (wi < nr && !err) {
		ssize_t n = lint_reader_read(rd, buf, sizeof(buf));
		ssize_t i;

		if (n < 0) {
			*unreadable = 1;
			qg_error_clear();
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < n && wi < nr && !err; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (!active && want[wi].line == cur) {
				line_begin(&st);
				active = 1;
			}
			if (c != '\n') {
				if (active)
					line_byte(&st, c);
				continue;
			}
			if (active) {
				line_end(&st, &want[wi]);
				active = 0;
				wi++;
			}
			cur++;
		}
	}
	if (active && !*unreadable && st.seen_bytes) /* a last line without its newline */
		line_end(&st, &want[wi]);
	lint_reader_close(rd);
	return err;
}

/* ---- fingerprints */

struct fp_item {
	size_t idx;             /* into fs->v */
	const char *file;
	long long line;
};

static int cmp_item(const void *a, const void *b)
{
	const struct fp_item *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static const char *line_hex(const struct line_hash *lh, size_t nr, long long line)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lh[mid].line == line)
			return lh[mid].present ? lh[mid].hex : "-";
		if (lh[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "-";
}

/* --staged: the blob ids of the files findings name, from the index. */
struct staged_map {
	struct qg_strmap paths;
	char (*oids)[41];
};

static int staged_cb(void *ud, const struct qg_git_file *f)
{
	struct staged_map *m = ud;
	long i = qg_strmap_find(&m->paths, f->path, strlen(f->path));

	if (i >= 0)
		memcpy(m->oids[i], f->oid, 41);
	return 0;
}

/* The key of finding x (without its occurrence index), hashed into out:
 * tool, rule, file and what stands for its text (ctx). */
static int set_key(const struct lint_finding *x, const struct qg_buf *ctx, struct qg_buf *scratch, char out[33])
{
	int err;

	qg_buf_reset(scratch);
	err = qg_buf_addf(scratch, "qgate-lint-fingerprint/1\n%s\n%s\n%s\n", x->tool ? x->tool : "",
			  x->rule ? x->rule : "", x->file ? x->file : "");
	if (!err)
		err = qg_buf_add(scratch, ctx->buf, ctx->len);
	if (!err)
		murmur3_hex(out, scratch->buf, scratch->len);
	return err;
}

static int context_keys(const struct lint_ctx *ctx, struct lint_findings *fs, char (*keys)[33])
{
	struct fp_item *items = NULL;
	struct staged_map staged = { QG_STRMAP_INIT, NULL };
	struct qg_buf key = QG_BUF_INIT(QG_CAP_MESSAGE), abs = QG_BUF_INIT(QG_CAP_PATH),
		      scratch = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct line_hash *lh = NULL;
	long long *lines = NULL;
	size_t nr_items = 0, i, a, b;
	int err = 0;

	if (fs->nr) {
		items = calloc(fs->nr, sizeof(*items));
		if (!items)
			err = qg_error(QG_ENOMEM, "out of memory");
	}
	for (i = 0; !err && i < fs->nr; i++) {
		if (fs->v[i].file && fs->v[i].line > 0) {
			items[nr_items].idx = i;
			items[nr_items].file = fs->v[i].file;
			items[nr_items].line = fs->v[i].line;
			nr_items++;
		}
	}
	if (!err && nr_items > 1)
		qsort(items, nr_items, sizeof(*items), cmp_item);
	if (!err && ctx && ctx->staged && ctx->repo && nr_items) {
		for (i = 0; i < nr_items && !err; i++)
			if (qg_strmap_add(&staged.paths, items[i].file, strlen(items[i].file)) < 0)
				err = qg_error(QG_ENOMEM, "out of memory");
		if (!err) {
			staged.oids = calloc(staged.paths.nr, sizeof(*staged.oids));
			if (!staged.oids)
				err = qg_error(QG_ENOMEM, "out of memory");
		}
		if (!err)
			err = qg_git_ls_files(ctx->repo, staged_cb, &staged);
	}

	/* one pass per file over the lines its findings need */
	for (a = 0; !err && a < nr_items; a = b) {
		struct lint_file f;
		size_t nl = 0, k;
		int unreadable = 0;
		long staged_idx;

		for (b = a; b < nr_items && !strcmp(items[b].file, items[a].file); b++)
			;
		free(lines);
		free(lh);
		lines = malloc(3 * (b - a) * sizeof(*lines));
		lh = calloc(3 * (b - a), sizeof(*lh));
		if (!lines || !lh) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		for (k = a; k < b; k++) {
			if (items[k].line > 1)
				lines[nl++] = items[k].line - 1;
			lines[nl++] = items[k].line;
			lines[nl++] = items[k].line + 1;
		}
		qsort(lines, nl, sizeof(*lines), cmp_ll);
		for (k = 0, i = 0; k < nl; k++)
			if (!i || lines[k] != lh[i - 1].line)
				lh[i++].line = lines[k];
		nl = i;

		memset(&f, 0, sizeof(f));
		f.path = items[a].file;
		staged_idx = staged.oids ? qg_strmap_find(&staged.paths, f.path, strlen(f.path)) : -1;
		if (staged_idx >= 0 && staged.oids[staged_idx][0]) {
			f.oid = staged.oids[staged_idx];
		} else if (f.path[0] != '/' && ctx && ctx->root && *ctx->root) {
			qg_buf_reset(&abs);
			err = qg_buf_addstr(&abs, ctx->root);
			if (!err && abs.buf[abs.len - 1] != '/')
				err = qg_buf_addch(&abs, '/');
			if (!err)
				err = qg_buf_addstr(&abs, f.path);
			f.abs = abs.buf;
		}
		if (!err && !(staged.oids && staged_idx >= 0 && !staged.oids[staged_idx][0]))
			err = hash_lines(ctx, &f, lh, nl, &unreadable);
		else if (!err)
			unreadable = 1; /* --staged and not in the index */
		for (k = a; !err && k < b; k++) {
			const struct lint_finding *x = &fs->v[items[k].idx];

			qg_buf_reset(&key);
			if (unreadable)
				err = qg_buf_addf(&key, "message\n%s", x->message ? x->message : "");
			else
				err = qg_buf_addf(&key, "text\n%s\n%s\n%s", line_hex(lh, nl, x->line - 1),
						  line_hex(lh, nl, x->line), line_hex(lh, nl, x->line + 1));
			if (!err)
				err = set_key(x, &key, &scratch, keys[items[k].idx]);
		}
	}
	/* the others: no line (tool, rule, file), no file (tool, rule, message) */
	for (i = 0; !err && i < fs->nr; i++) {
		const struct lint_finding *x = &fs->v[i];

		if (x->file && x->line > 0)
			continue;
		qg_buf_reset(&key);
		err = x->file ? qg_buf_addstr(&key, "file") : qg_buf_addf(&key, "message\n%s", x->message ? x->message : "");
		if (!err)
			err = set_key(x, &key, &scratch, keys[i]);
	}
	free(items);
	free(lines);
	free(lh);
	free(staged.oids);
	qg_strmap_release(&staged.paths);
	qg_buf_release(&key);
	qg_buf_release(&abs);
	qg_buf_release(&scratch);
	return err;
}

int lint_fingerprint(const struct lint_ctx *ctx, struct lint_findings *fs)
{
	struct qg_strmap seen = QG_STRMAP_INIT;
	long long *counts = NULL;
	char (*keys)[33] = fs->nr ? calloc(fs->nr, sizeof(*keys)) : NULL;
	size_t alloc = 0, i;
	int err = fs->nr && !keys ? qg_error(QG_ENOMEM, "out of memory") : 0;

	if (!err)
		err = context_keys(ctx, fs, keys);
	for (i = 0; !err && i < fs->nr; i++) {
		char full[64];
		size_t before = seen.nr;
		long slot;
		int n;

		/* the occurrence index: how many findings before this one had the same key */
		slot = qg_strmap_add(&seen, keys[i], FP_HEX);
		if (slot < 0 || QG_ALLOC_GROW(counts, seen.nr, alloc)) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		if (seen.nr > before)
			counts[slot] = 0;
		n = snprintf(full, sizeof(full), "%s#%lld", keys[i], counts[slot]++);
		murmur3_hex(fs->v[i].fingerprint, full, (size_t)n);
	}
	free(keys);
	free(counts);
	qg_strmap_release(&seen);
	return err;
}

/* ---- the baseline file */

int lint_baseline_write(const char *path, const struct lint_findings *fs)
{
	struct qg_json *root = qg_json_new_object(), *entries = NULL;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	size_t i;
	int err = 0;

	if (!root || !qg_json_add_string(root, "schema", BASELINE_SCHEMA) ||
	    !(entries = qg_json_add_array(root, "entries")))
		err = qg_error(QG_ENOMEM, "out of memory");
	for (i = 0; !err && i < fs->nr; i++) {
		const struct lint_finding *x = &fs->v[i];
		struct qg_json *e;

		if (x->flags & NOT_MATCHED)
			continue;
		if (!x->fingerprint[0]) {
			err = qg_error(QG_ERROR, "'%s': finding %zu has no fingerprint (lint_fingerprint first)", path, i);
			break;
		}
		e = qg_json_add_object(entries, NULL);
		if (!e || !qg_json_add_string(e, "fingerprint", x->fingerprint) ||
		    !qg_json_add_string(e, "tool", x->tool ? x->tool : "") ||
		    !qg_json_add_string(e, "rule", x->rule ? x->rule : "") ||
		    !(x->file ? qg_json_add_string(e, "file", x->file) : qg_json_add_null(e, "file")) ||
		    !qg_json_add_number(e, "line", (double)x->line) ||
		    !qg_json_add_string(e, "message", x->message ? x->message : ""))
			err = qg_error(QG_ENOMEM, "out of memory");
	}
	if (!err)
		err = qg_json_print(&out, root, 1);
	if (!err)
		err = qg_file_write_atomic(path, out.buf, out.len);
	qg_json_free(root);
	qg_buf_release(&out);
	return err;
}

static int is_fingerprint(const char *s)
{
	return s && strlen(s) == FP_HEX && strspn(s, "0123456789abcdef") == FP_HEX;
}

/* The baseline's fingerprints with how often each was recorded. */
static int baseline_read(const char *path, struct qg_strmap *fps, long long **counts)
{
	struct qg_json *root = NULL;
	const struct qg_json *schema, *entries, *e;
	size_t alloc = 0, n = 0;
	int err = qg_json_parse_file(&root, path);

	if (err == QG_EPARSE) { /* the message names file:line:col; the code becomes exit 3's */
		char *msg = qg_strdup(qg_error_last());

		err = msg ? qg_error(QG_EINPUT, "%s", msg) : qg_error(QG_ENOMEM, "out of memory");
		free(msg);
		return err;
	}
	if (err)
		return err;
	schema = qg_json_get(root, "schema");
	entries = qg_json_get(root, "entries");
	if (qg_json_type(root) != QG_JSON_OBJECT || !qg_json_string(schema) ||
	    strcmp(qg_json_string(schema), BASELINE_SCHEMA)) {
		err = qg_error(QG_EINPUT, "'%s': not a qgate lint baseline (expected \"schema\": \"%s\")", path,
			       BASELINE_SCHEMA);
		goto done;
	}
	if (qg_json_type(entries) != QG_JSON_ARRAY) {
		err = qg_error(QG_EINPUT, "'%s': \"entries\" must be an array", path);
		goto done;
	}
	for (e = qg_json_first(entries); e; e = qg_json_next(e), n++) {
		const char *fp = qg_json_string(qg_json_get(e, "fingerprint"));
		size_t before;
		long slot;

		if (qg_json_type(e) != QG_JSON_OBJECT || !is_fingerprint(fp)) {
			err = qg_error(QG_EINPUT, "'%s': entries[%zu]: expected an object with a \"fingerprint\" of %d "
						  "lowercase hex digits",
				       path, n, FP_HEX);
			goto done;
		}
		before = fps->nr;
		slot = qg_strmap_add(fps, fp, FP_HEX);
		if (slot < 0 || QG_ALLOC_GROW(*counts, fps->nr, alloc)) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		if (fps->nr > before)
			(*counts)[slot] = 0;
		(*counts)[slot]++;
	}
done:
	qg_json_free(root);
	return err;
}

int lint_baseline_apply(const char *path, struct lint_findings *fs)
{
	struct qg_strmap fps = QG_STRMAP_INIT;
	long long *counts = NULL;
	size_t i;
	int err = baseline_read(path, &fps, &counts);

	for (i = 0; !err && i < fs->nr; i++) {
		struct lint_finding *x = &fs->v[i];
		long slot;

		if ((x->flags & NOT_MATCHED) || !x->fingerprint[0])
			continue;
		slot = qg_strmap_find(&fps, x->fingerprint, FP_HEX);
		if (slot >= 0 && counts[slot] > 0) {
			counts[slot]--;
			x->flags |= LINT_F_BASELINE;
		}
	}
	free(counts);
	qg_strmap_release(&fps);
	return err;
}
