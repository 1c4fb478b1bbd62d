/* builtin.c -- the built-in checks' driver: each file read once, lines split once
 *
 * lint_checkset_parse() turns --builtin specs into the enabled checkers
 * (lint_text_checkers from builtin_text.c, lint_struct_checkers from
 * builtin_struct.c when that file is in the build). lint_builtin_run()
 * hands the files to -j N workers (qgate/pool.h); each worker owns its
 * finding list and its buffers, sorts each file's findings as it finishes
 * the file, and the lists are joined at the end in file order: sorted,
 * with no global sort on one thread. Per file: path-only checkers first (no bytes read); then,
 * when a streaming or whole-file checker applies, the file is read in
 * 64 KiB blocks (its lstat done first, on the worker too); the first block decides binary (a NUL in the first 8000
 * bytes, as git) and text-only checkers drop out; lines are split once and
 * every active checker sees each line (a line past 1 MiB comes in pieces
 * cut on a UTF-8 boundary, `cont` set on the later ones), so memory stays
 * flat whatever the file's size. A checker that returns LINT_LINE_DONE is
 * not called again for that file, and the read stops once none is left.
 * Per-repository checkers run once, after the files, with all of them.
 */
#include "qgate/common.h"

#include <pthread.h>

#include "qgate/pool.h"

#include "lint.h"

#define BLOCK (64 * 1024)
#define PIECE (1024 * 1024)

/* The structured checks live in builtin_struct.c (L2); a build without it
 * simply has none. */
extern const struct lint_checker lint_struct_checkers[] __attribute__((weak));

static const struct lint_checker *const *tables(size_t *nr)
{
	static const struct lint_checker *t[2];
	const struct lint_checker *volatile structs = lint_struct_checkers;

	*nr = 0;
	t[(*nr)++] = lint_text_checkers;
	if (structs)
		t[(*nr)++] = structs;
	return t;
}

const struct lint_checker *lint_checker_find(const char *id, size_t len)
{
	size_t nt;
	const struct lint_checker *const *t = tables(&nt);

	for (size_t i = 0; i < nt; i++)
		for (const struct lint_checker *c = t[i]; c->id; c++)
			if (strlen(c->id) == len && !memcmp(c->id, id, len))
				return c;
	return NULL;
}

static size_t edit_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

static int set_add(struct lint_checkset *set, const struct lint_checker *c)
{
	for (size_t i = 0; i < set->nr; i++)
		if (set->v[i] == c)
			return 0;
	if (QG_ALLOC_GROW(set->v, set->nr + 1, set->alloc) < 0)
		return QG_ENOMEM;
	set->v[set->nr++] = c;
	return 0;
}

static void set_drop(struct lint_checkset *set, const struct lint_checker *c)
{
	size_t w = 0;

	for (size_t i = 0; i < set->nr; i++)
		if (set->v[i] != c)
			set->v[w++] = set->v[i];
	set->nr = w;
}

static int set_add_flagged(struct lint_checkset *set, unsigned need)
{
	size_t nt;
	const struct lint_checker *const *t = tables(&nt);
	int err;

	for (size_t i = 0; i < nt; i++)
		for (const struct lint_checker *c = t[i]; c->id; c++)
			if ((c->flags & need) == need && (err = set_add(set, c)) < 0)
				return err;
	return 0;
}

int lint_checkset_parse(struct lint_checkset *set, const char *const *specs, size_t nr)
{
	int err;

	if (!nr)
		return set_add_flagged(set, LINT_C_DEFAULT);
	for (size_t i = 0; i < nr; i++) {
		const char *s = specs[i];

		if (!*s && (err = set_add_flagged(set, LINT_C_DEFAULT)) < 0)
			return err;
		while (*s) {
			const char *e = strchr(s, ',');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			int drop = len && *s == '-';
			const char *id = s + drop;
			size_t idlen = len - (size_t)drop;
			const struct lint_checker *c;

			if (!idlen) {
				/* empty item: nothing */
			} else if (idlen == 7 && !memcmp(id, "default", 7)) {
				if ((err = set_add_flagged(set, LINT_C_DEFAULT)) < 0)
					return err;
			} else if (idlen == 3 && !memcmp(id, "all", 3)) {
				if ((err = set_add_flagged(set, 0)) < 0)
					return err;
			} else if (!(c = lint_checker_find(id, idlen))) {
				size_t nt, best_d = 99;
				const struct lint_checker *const *t = tables(&nt);
				const char *best = NULL;

				for (size_t k = 0; k < nt; k++)
					for (const struct lint_checker *x = t[k]; x->id; x++) {
						size_t d = edit_distance(id, idlen, x->id);

						if (d < best_d) {
							best_d = d;
							best = x->id;
						}
					}
				if (best && best_d <= 3)
					return qg_error(QG_EUSAGE, "--builtin: unknown check '%.*s' (did you mean '%s'?)",
							(int)idlen, id, best);
				return qg_error(QG_EUSAGE, "--builtin: unknown check '%.*s'", (int)idlen, id);
			} else if (drop) {
				set_drop(set, c);
			} else if ((err = set_add(set, c)) < 0) {
				return err;
			}
			s += len;
			if (*s == ',')
				s++;
		}
	}
	return 0;
}

int lint_checkset_has(const struct lint_checkset *set, const char *id)
{
	for (size_t i = 0; i < set->nr; i++)
		if (!strcmp(set->v[i]->id, id))
			return 1;
	return 0;
}

void lint_checkset_release(struct lint_checkset *set)
{
	free(set->v);
	set->v = NULL;
	set->nr = set->alloc = 0;
}

/* ---- the driver */

struct worker {
	struct lint_findings out;
	char *block;
	struct qg_buf carry;
	void **states;
	const struct lint_checker **active;
	unsigned char *done;
	/* per active checker, this file: findings kept, counted past the cap, the last kept */
	size_t *kept, *last;
	long long *dropped;
};

static void finding_free(struct lint_finding *f)
{
	lint_finding_release(f);
}

/* Checker i added out[before..]: keep what fits under LINT_KEEP_PER_FILE,
 * count the rest. */
static void cap(struct worker *w, size_t i, size_t before)
{
	size_t added = w->out.nr - before, keep;

	if (!added)
		return;
	keep = w->kept[i] >= LINT_KEEP_PER_FILE ? 0 : LINT_KEEP_PER_FILE - w->kept[i];
	if (keep > added)
		keep = added;
	for (size_t k = before + keep; k < w->out.nr; k++) {
		w->dropped[i] += 1 + w->out.v[k].more;
		finding_free(&w->out.v[k]);
	}
	w->out.nr = before + keep;
	w->kept[i] += keep;
	if (keep)
		w->last[i] = before + keep - 1;
}

/* At the end of a file: what checker i counted past the cap goes into its
 * last kept finding (and its message). */
static int cap_end(struct worker *w, size_t i)
{
	struct lint_finding *f;
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);

	if (!w->dropped[i] || !w->kept[i])
		return 0;
	f = &w->out.v[w->last[i]];
	f->more += w->dropped[i];
	if (qg_buf_addf(&msg, "%s (and %lld more in this file, counted but not listed)", f->message, f->more) < 0)
		return QG_ENOMEM;
	lint_finding_set_message(f, qg_buf_detach(&msg, NULL));
	return 0;
}

/* Where file i's findings are: worker w's list, from `start`, `n` of them. */
struct span {
	size_t start, n;
	int worker;
};

struct run {
	const struct lint_ctx *ctx;
	const struct lint_checkset *set;
	struct lint_files *files;
	struct worker *w;
	struct span *spans;
	pthread_mutex_t lock;
	int err;
	char *msg;
	volatile int stop;
};

static void fail(struct run *run, int err)
{
	pthread_mutex_lock(&run->lock);
	if (!run->err) {
		run->err = err;
		run->msg = qg_strdup(qg_error_last());
	}
	run->stop = 1;
	pthread_mutex_unlock(&run->lock);
}

/* Deliver one line (or piece) to every active checker. Returns the number
 * still active, or QG_E*. */
static int feed(struct worker *w, size_t nr, const char *line, size_t len, long long lineno, int cont,
		size_t *left)
{
	for (size_t i = 0; i < nr; i++) {
		int rc;

		size_t before = w->out.nr;

		if (w->done[i])
			continue;
		rc = w->active[i]->line(w->states[i], line, len, lineno, cont, &w->out);
		cap(w, i, before);
		if (rc < 0)
			return rc;
		if (rc == LINT_LINE_DONE) {
			w->done[i] = 1;
			(*left)--;
		}
	}
	return 0;
}

/* Where to cut a long piece: not inside a UTF-8 sequence. */
static size_t cut_at(const char *p, size_t n)
{
	size_t k = n;

	for (int back = 0; back < 3 && k > 1 && ((unsigned char)p[k] & 0xC0) == 0x80; back++)
		k--;
	return k;
}

static int stream_file(struct run *run, struct worker *w, struct lint_file *f, size_t nr)
{
	struct lint_reader *rd = NULL;
	size_t left = 0, nact = 0;
	long long lineno = 1;
	int cont = 0, first = 1, err;

	if ((err = lint_reader_open(&rd, run->ctx, f)) < 0)
		return err;
	for (size_t i = 0; i < nr; i++) {
		w->states[i] = NULL;
		w->kept[i] = w->last[i] = 0;
		w->dropped[i] = 0;
	}
	qg_buf_reset(&w->carry);
	for (;;) {
		ssize_t n = lint_reader_read(rd, w->block, BLOCK);
		const char *p, *end;

		if (n < 0) {
			err = (int)n;
			break;
		}
		if (first) {
			first = 0;
			f->binary = lint_is_binary(w->block, (size_t)n);
			/* the active checkers for this file, begun */
			for (size_t i = 0; i < nr; i++) {
				const struct lint_checker *c = w->active[i];

				w->done[i] = 1;
				if ((c->flags & LINT_C_TEXT) && f->binary)
					continue;
				w->states[i] = c->begin ? c->begin(run->ctx, f) : NULL;
				if (c->begin && !w->states[i]) {
					err = qg_error(QG_ENOMEM, "out of memory");
					goto out;
				}
				w->done[i] = 0;
				left++;
			}
			nact = nr;
		}
		if (!n || !left)
			break;
		p = w->block;
		end = w->block + n;
		while (p < end && left) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t seg = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

			if (nl && !w->carry.len) {
				err = feed(w, nact, p, seg, lineno, cont, &left);
				lineno++;
				cont = 0;
			} else {
				if ((err = qg_buf_add(&w->carry, p, seg)) < 0)
					goto out;
				if (nl) {
					err = feed(w, nact, w->carry.buf, w->carry.len, lineno, cont, &left);
					qg_buf_reset(&w->carry);
					lineno++;
					cont = 0;
				} else {
					while (!err && w->carry.len >= PIECE) {
						size_t k = cut_at(w->carry.buf, PIECE);

						err = feed(w, nact, w->carry.buf, k, lineno, cont, &left);
						memmove(w->carry.buf, w->carry.buf + k, w->carry.len - k);
						qg_buf_setlen(&w->carry, w->carry.len - k);
						cont = 1;
					}
				}
			}
			if (err < 0)
				goto out;
			p += seg;
		}
		if (run->stop)
			break;
	}
	if (!err && w->carry.len && left)
		err = feed(w, nact, w->carry.buf, w->carry.len, lineno, cont, &left);
out:
	for (size_t i = 0; i < nact; i++) {
		const struct lint_checker *c = w->active[i];
		int e2;

		e2 = cap_end(w, i);
		if (e2 < 0 && !err)
			err = e2;
		if (((c->flags & LINT_C_TEXT) && f->binary) || !c->end)
			continue;
		e2 = c->end(w->states[i], &w->out);
		if (e2 < 0 && !err)
			err = e2;
	}
	lint_reader_close(rd);
	return err;
}

static int check_file(struct run *run, struct worker *w, struct lint_file *f)
{
	const struct lint_checkset *set = run->set;
	size_t nstream = 0;
	int want_file = 0, err, is_link;

	if ((err = lint_file_stat(f)) < 0)
		return err;
	if (f->flags & LINT_FILE_GONE)
		return 0;
	is_link = (f->mode & 0170000) == 0120000;

	for (size_t i = 0; i < set->nr; i++) {
		const struct lint_checker *c = set->v[i];

		if ((c->applies && !c->applies(f)) ||
		    (run->ctx->excludes_for.nr && lint_excluded_for(run->ctx, c->id, f->path)))
			continue;
		if (c->path && (err = c->path(run->ctx, f, &w->out)) < 0)
			return err;
		if (is_link)
			continue;
		if (c->line)
			w->active[nstream++] = c;
		if (c->file)
			want_file = 1;
	}
	if (is_link)
		return 0;
	if (nstream || want_file) {
		if ((err = stream_file(run, w, f, nstream)) < 0)
			return err;
	}
	if (want_file)
		for (size_t i = 0; i < set->nr; i++) {
			const struct lint_checker *c = set->v[i];

			if (!c->file || (c->applies && !c->applies(f)) || ((c->flags & LINT_C_TEXT) && f->binary) ||
			    (run->ctx->excludes_for.nr && lint_excluded_for(run->ctx, c->id, f->path)))
				continue;
			if ((err = c->file(run->ctx, f, &w->out)) < 0)
				return err;
		}
	return 0;
}

/* One file: its findings sorted here, on the worker (they come by checker,
 * not by line), and their place noted, so the lists join in file order
 * without a global sort. */
static void task(void *ud, size_t i, int worker)
{
	struct run *run = ud;
	struct worker *w = &run->w[worker];
	size_t start = w->out.nr;
	int err;

	if (run->stop)
		return;
	/* --shard: another shard reads this file (its span stays empty) */
	if (!lint_shard_owns(run->ctx->shard, run->files->v[i].path))
		return;
	err = check_file(run, w, &run->files->v[i]);
	if (err < 0) {
		fail(run, err);
		return;
	}
	/* a file named outside the repository: its findings are flagged as a linter's are */
	if ((run->files->v[i].flags & LINT_FILE_OUTSIDE) && run->ctx->repo)
		for (size_t k = start; k < w->out.nr; k++)
			w->out.v[k].flags |= LINT_F_OUTSIDE;
	lint_findings_sort_from(&w->out, start);
	run->spans[i] = (struct span){ start, w->out.nr - start, worker };
}

/* Append every worker's findings to out in file order (files are sorted by
 * path, each file's findings by line: the result is sorted). */
static int join(struct run *run, int jobs, struct lint_findings *out)
{
	size_t total = 0;

	for (int i = 0; i < jobs; i++)
		total += run->w[i].out.nr;
	if (!total)
		return 0;
	if (QG_ALLOC_GROW(out->v, out->nr + total, out->alloc) < 0)
		return QG_ENOMEM;
	for (size_t i = 0; i < run->files->nr; i++) {
		const struct span *sp = &run->spans[i];

		if (!sp->n)
			continue;
		memcpy(out->v + out->nr, run->w[sp->worker].out.v + sp->start, sp->n * sizeof(*out->v));
		out->nr += sp->n;
	}
	/* the strings moved to out */
	for (int i = 0; i < jobs; i++)
		run->w[i].out.nr = 0;
	return 0;
}

int lint_builtin_run(const struct lint_ctx *ctx, const struct lint_checkset *set, struct lint_files *files,
		     struct lint_findings *out, struct lint_tools *tools)
{
	struct run run = { .ctx = ctx, .set = set, .files = files };
	int jobs = ctx->jobs > 0 ? ctx->jobs : 1;
	struct lint_tool *t = lint_tools_get(tools, "builtin");
	int err = 0;

	if (!t)
		return QG_ENOMEM;
	for (size_t i = 0; i < set->nr; i++) {
		struct lint_rule *r = lint_tool_rule(t, set->v[i]->id, set->v[i]->level);

		if (!r)
			return QG_ENOMEM;
		if (!r->description && set->v[i]->description &&
		    !(r->description = qg_strdup(set->v[i]->description)))
			return qg_error(QG_ENOMEM, "out of memory");
	}
	if ((size_t)jobs > files->nr)
		jobs = files->nr ? (int)files->nr : 1;
	run.w = calloc((size_t)jobs, sizeof(*run.w));
	run.spans = calloc(files->nr ? files->nr : 1, sizeof(*run.spans));
	if (!run.w || !run.spans) {
		free(run.w);
		free(run.spans);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&run.lock, NULL);
	for (int i = 0; i < jobs; i++) {
		struct worker *w = &run.w[i];

		qg_buf_init(&w->carry, 2 * PIECE + BLOCK);
		w->block = malloc(BLOCK);
		w->states = calloc(set->nr + 1, sizeof(*w->states));
		w->active = calloc(set->nr + 1, sizeof(*w->active));
		w->done = calloc(set->nr + 1, 1);
		w->kept = calloc(set->nr + 1, sizeof(*w->kept));
		w->last = calloc(set->nr + 1, sizeof(*w->last));
		w->dropped = calloc(set->nr + 1, sizeof(*w->dropped));
		if (!w->block || !w->states || !w->active || !w->done || !w->kept || !w->last || !w->dropped)
			err = qg_error(QG_ENOMEM, "out of memory");
	}
	if (!err && files->nr)
		qg_pool_run(files->nr, jobs, task, &run);
	if (!err && run.err)
		err = qg_error(run.err, "%s", run.msg ? run.msg : "a built-in check failed");
	if (!err)
		err = join(&run, jobs, out);
	for (int i = 0; i < jobs; i++) {
		struct worker *w = &run.w[i];

		lint_findings_release(&w->out);
		qg_buf_release(&w->carry);
		free(w->block);
		free(w->states);
		free(w->active);
		free(w->done);
		free(w->kept);
		free(w->last);
		free(w->dropped);
	}
	free(run.w);
	free(run.spans);
	free(run.msg);
	pthread_mutex_destroy(&run.lock);
	if (err)
		return err;
	/* per-repository checkers, once */
	for (size_t i = 0; i < set->nr; i++)
		if (set->v[i]->repo && (err = set->v[i]->repo(ctx, files, out)) < 0)
			return err;
	return 0;
}
