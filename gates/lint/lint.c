/* lint.c -- qgate-lint's model: levels, finding lists, tools and rules
 *
 * The small shared pieces every other file of the gate codes against
 * (lint.h): a finding list owns its strings, a tool owns its rules, and
 * sorting gives every writer the same order (file, line, column, tool,
 * rule, message): a sorted prefix (the built-in checks' findings come so)
 * costs one pass, and only what follows it is sorted and merged in.
 *
 * A report's findings (lint_findings_add_text, from lint_parse_add) cost no
 * allocation of their own: tool, rule and file are interned in the list's
 * pool (a string map: a 470k-result SARIF log names ~100 rules and ~50k
 * files) and the message is packed into its 1 MB blocks; flags say which
 * strings are pooled, so lint_finding_release frees only the others. That
 * took a 98 MB log from 2.05 to ~1.1 s CPU and 401 to 353 MB.
 */
#include "qgate/common.h"

#include <strings.h>

#include "qgate/strmap.h"

#include "lint.h"

/* The pool: names interned in a string map (its keys are the strings the
 * findings point to), messages and help URIs packed into 1 MB blocks.
 * Pools of lists moved in are chained behind (next), freed together. */
struct pool_block {
	struct pool_block *next;
	size_t size, used;
	char data[];
};

struct lint_pool {
	struct qg_strmap names;
	struct pool_block *blocks;   /* the first is the one being filled */
	const char *last_tool;       /* the tool of the last finding (one run: one tool) */
	struct lint_pool *next;
};

#define POOL_BLOCK ((size_t)1 << 20)
#define POOL_NAMES_MAX 65536 /* distinct names interned; past it they are copied (the map stays small) */

const char *lint_level_name(enum lint_level l)
{
	switch (l) {
	case LINT_ERROR:
		return "error";
	case LINT_WARNING:
		return "warning";
	default:
		return "note";
	}
}

int lint_level_parse(const char *s, enum lint_level *out)
{
	static const struct {
		const char *name;
		enum lint_level level;
	} names[] = {
		{ "error", LINT_ERROR },     { "fatal", LINT_ERROR },   { "err", LINT_ERROR },
		{ "warning", LINT_WARNING }, { "warn", LINT_WARNING },  { "note", LINT_NOTE },
		{ "info", LINT_NOTE },       { "none", LINT_NOTE },     { "style", LINT_NOTE },
		{ "information", LINT_NOTE },
	};

	if (!s)
		return -1;
	for (size_t i = 0; i < QG_ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i].name)) {
			*out = names[i].level;
			return 0;
		}
	return -1;
}

/* A message is one line: control characters become spaces. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

struct lint_finding *lint_findings_add(struct lint_findings *fs, const char *tool, const char *rule,
				       enum lint_level level, const char *file, long long line,
				       long long column, const char *fmt, ...)
{
	struct lint_finding *f;
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	char *message;

	if (QG_ALLOC_GROW(fs->v, fs->nr + 1, fs->alloc) < 0)
		return NULL;
	va_start(ap, fmt);
	if (fmt && !strcmp(fmt, "%s")) {
		/* the parsers' case (a message already made): one copy, no formatting */
		const char *m = va_arg(ap, const char *);

		message = qg_strdup(m ? m : "(null)");
		err = 0;
	} else {
		err = qg_buf_vaddf(&msg, fmt ? fmt : "", ap);
		message = err < 0 ? NULL : qg_buf_detach(&msg, NULL);
	}
	va_end(ap);
	if (err < 0)
		return NULL;
	f = &fs->v[fs->nr];
	memset(f, 0, sizeof(*f));
	f->tool = qg_strdup(tool && *tool ? tool : "lint");
	f->rule = qg_strdup(rule && *rule ? rule : "finding");
	f->file = file ? qg_strdup(file) : NULL;
	f->message = message;
	if (!f->tool || !f->rule || (file && !f->file) || !f->message) {
		free(f->tool);
		free(f->rule);
		free(f->file);
		free(f->message);
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	one_line(f->message);
	f->level = level;
	f->line = line > 0 ? line : 0;
	f->column = column > 0 ? column : 0;
	fs->nr++;
	return f;
}

int lint_findings_reserve(struct lint_findings *fs, size_t extra)
{
	struct lint_finding *v;
	size_t want = fs->nr + extra;

	if (want <= fs->alloc || extra > SIZE_MAX / sizeof(*v) - fs->nr)
		return 0; /* enough room (or absurd: the adds will say) */
	v = realloc(fs->v, want * sizeof(*v));
	if (!v)
		return 0; /* a hint only: the adds grow it as usual */
	fs->v = v;
	fs->alloc = want;
	return 0;
}

/* src's pool goes behind dst's (its findings point into it). */
static void pool_adopt(struct lint_findings *dst, struct lint_findings *src)
{
	struct lint_pool *p = dst->pool;

	if (!src->pool)
		return;
	if (!p) {
		dst->pool = src->pool;
	} else {
		while (p->next)
			p = p->next;
		p->next = src->pool;
	}
	src->pool = NULL;
}

int lint_findings_move(struct lint_findings *dst, struct lint_findings *src)
{
	if (!src->nr)
		return 0;
	if (!dst->nr) {
		struct lint_findings t = *dst;

		*dst = *src;
		*src = t;
		src->nr = 0;
		return 0;
	}
	if (QG_ALLOC_GROW(dst->v, dst->nr + src->nr, dst->alloc) < 0)
		return QG_ENOMEM;
	memcpy(dst->v + dst->nr, src->v, src->nr * sizeof(*src->v));
	dst->nr += src->nr;
	src->nr = 0;
	pool_adopt(dst, src);
	return 0;
}

static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0; /* interned names: the same pointer */
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_ll(long long a, long long b)
{
	return a < b ? -1 : a > b;
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct lint_finding *a = pa, *b = pb;
	int c;

	if ((c = cmp_str(a->file, b->file)) || (c = cmp_ll(a->line, b->line)) ||
	    (c = cmp_ll(a->column, b->column)) || (c = cmp_str(a->tool, b->tool)) ||
	    (c = cmp_str(a->rule, b->rule)) || (c = cmp_str(a->message, b->message)))
		return c;
	return 0;
}

/* A finding with its file's rank among the distinct files (0 = no file):
 * most comparisons end on the rank and the line, without a strcmp. */
struct ranked {
	size_t rank;
	long long line, column; /* copied: most comparisons end here, without touching the finding */
	const struct lint_finding *f;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	int c;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if ((c = cmp_ll(a->line, b->line)) || (c = cmp_ll(a->column, b->column)) ||
	    (c = cmp_str(a->f->tool, b->f->tool)) || (c = cmp_str(a->f->rule, b->f->rule)))
		return c;
	return cmp_str(a->f->message, b->f->message);
}

static int cmp_name(const void *pa, const void *pb)
{
	return strcmp(*(char *const *)pa, *(char *const *)pb);
}

/* Sort v[from..nr) through file ranks: the distinct files (a string map)
 * sorted once, then (rank, line, column, ...) per finding. 0, or QG_ENOMEM
 * (nothing changed: the caller sorts the plain way). */
#define SORT_CACHE ((size_t)1 << 16)

static int sort_ranked(struct lint_findings *fs, size_t from)
{
	size_t n = fs->nr - from, *rank_of = NULL;
	struct qg_strmap files = QG_STRMAP_INIT;
	struct ranked *r = calloc(n, sizeof(*r));
	char **names = NULL;
	long *slot = calloc(n, sizeof(*slot));
	struct {
		const char *file;
		long slot;
	} *cache = NULL;
	int err = 0;

	if (!r || !slot) {
		err = QG_ENOMEM;
		goto out;
	}
	/* a report's findings share interned names: the same pointer is the
	 * same file, remembered in a small direct-mapped cache before the map */
	if (n >= 4096)
		cache = calloc(SORT_CACHE, sizeof(*cache));
	for (size_t i = 0; i < n && !err; i++) {
		const char *file = fs->v[from + i].file;
		size_t h = ((uintptr_t)file >> 4 ^ (uintptr_t)file >> 20) & (SORT_CACHE - 1);

		if (file && cache && cache[h].file == file) {
			slot[i] = cache[h].slot;
			continue;
		}
		slot[i] = file ? qg_strmap_add(&files, file, strlen(file)) : -1;
		if (file && slot[i] < 0)
			err = QG_ENOMEM;
		else if (file && cache) {
			cache[h].file = file;
			cache[h].slot = slot[i];
		}
	}
	if (err)
		goto out;
	names = malloc((files.nr ? files.nr : 1) * sizeof(*names));
	rank_of = malloc((files.nr ? files.nr : 1) * sizeof(*rank_of));
	if (!names || !rank_of) {
		err = QG_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < files.nr; k++)
		names[k] = files.keys[k];
	qsort(names, files.nr, sizeof(*names), cmp_name);
	for (size_t k = 0; k < files.nr; k++)
		rank_of[qg_strmap_find(&files, names[k], strlen(names[k]))] = k + 1;
	for (size_t i = 0; i < n; i++) {
		r[i].rank = slot[i] < 0 ? 0 : rank_of[slot[i]];
		r[i].f = &fs->v[from + i];
		r[i].line = r[i].f->line;
		r[i].column = r[i].f->column;
	}
	qsort(r, n, sizeof(*r), cmp_ranked);
	/* place i takes the finding r[i] points to: the permutation applied in
	 * place, cycle by cycle (no second copy of the findings) */
	{
		struct lint_finding *v = fs->v + from;
		size_t *src = (size_t *)slot; /* same size, no longer needed */

		for (size_t i = 0; i < n; i++)
			src[i] = (size_t)(r[i].f - v);
		for (size_t i = 0; i < n; i++) {
			struct lint_finding keep;
			size_t at = i;

			if (src[i] == SIZE_MAX || src[i] == i)
				continue;
			keep = v[i];
			while (src[at] != i) {
				size_t next = src[at];

				v[at] = v[next];
				src[at] = SIZE_MAX;
				at = next;
			}
			v[at] = keep;
			src[at] = SIZE_MAX;
		}
	}
out:
	free(cache);
	qg_strmap_release(&files);
	free(names);
	free(rank_of);
	free(slot);
	free(r);
	return err;
}

void lint_findings_sort_from(struct lint_findings *fs, size_t from)
{
	size_t i = from + 1;

	while (i < fs->nr && cmp_finding(&fs->v[i - 1], &fs->v[i]) <= 0)
		i++;
	if (i >= fs->nr)
		return;
	/* many findings (a linter's report): by file rank; a file's few: plainly */
	if (fs->nr - from < 64 || sort_ranked(fs, from) < 0)
		qsort(fs->v + from, fs->nr - from, sizeof(*fs->v), cmp_finding);
}

void lint_findings_sort(struct lint_findings *fs)
{
	struct lint_finding *tail;
	size_t p = 1, nt, i, j, k;

	if (fs->nr < 2)
		return;
	while (p < fs->nr && cmp_finding(&fs->v[p - 1], &fs->v[p]) <= 0)
		p++;
	if (p == fs->nr)
		return;
	nt = fs->nr - p;
	if (p <= nt / 4) {
		/* a short sorted prefix (a report's first findings): sorting all
		 * (stable, so the same order) beats copying the tail to merge it */
		lint_findings_sort_from(fs, 0);
		return;
	}
	lint_findings_sort_from(fs, p);
	if (cmp_finding(&fs->v[p - 1], &fs->v[p]) <= 0)
		return;
	/* merge the sorted tail into the sorted prefix, from the back */
	tail = malloc(nt * sizeof(*tail));
	if (!tail) {
		qsort(fs->v, fs->nr, sizeof(*fs->v), cmp_finding);
		return;
	}
	memcpy(tail, fs->v + p, nt * sizeof(*tail));
	i = p;  /* prefix left: v[0..i) */
	j = nt; /* tail left: tail[0..j) */
	k = fs->nr;
	while (j) {
		if (i && cmp_finding(&fs->v[i - 1], &tail[j - 1]) > 0)
			fs->v[--k] = fs->v[--i];
		else
			fs->v[--k] = tail[--j];
	}
	free(tail);
}


static void pool_free(struct lint_pool *p)
{
	while (p) {
		struct lint_pool *next = p->next;

		qg_strmap_release(&p->names);
		while (p->blocks) {
			struct pool_block *b = p->blocks->next;

			free(p->blocks);
			p->blocks = b;
		}
		free(p);
		p = next;
	}
}

static struct lint_pool *pool_of(struct lint_findings *fs)
{
	if (!fs->pool && !(fs->pool = calloc(1, sizeof(*fs->pool))))
		qg_error(QG_ENOMEM, "out of memory");
	return fs->pool;
}

/* n bytes in the pool (no alignment: strings only). */
static char *pool_alloc(struct lint_pool *p, size_t n)
{
	struct pool_block *b = p->blocks;

	if (b && b->size - b->used >= n) {
		b->used += n;
		return b->data + b->used - n;
	}
	if (n > (SIZE_MAX - sizeof(*b)) / 2 || !(b = malloc(sizeof(*b) + (n > POOL_BLOCK / 8 ? n : POOL_BLOCK)))) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	b->size = n > POOL_BLOCK / 8 ? n : POOL_BLOCK;
	b->used = n;
	if (n > POOL_BLOCK / 8 && p->blocks) {
		/* a large string has a block of its own, behind the one being filled */
		b->next = p->blocks->next;
		p->blocks->next = b;
	} else {
		b->next = p->blocks;
		p->blocks = b;
	}
	return b->data;
}

static char *pool_intern(struct lint_pool *p, const char *s)
{
	size_t n = strlen(s);
	long at;
	char *c;

	if (p->names.nr < POOL_NAMES_MAX)
		at = qg_strmap_add(&p->names, s, n);
	else
		at = qg_strmap_find(&p->names, s, n);
	if (at >= 0)
		return p->names.keys[at];
	if (at != -1) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	if ((c = pool_alloc(p, n + 1)))
		memcpy(c, s, n + 1);
	return c;
}

const char *lint_findings_intern(struct lint_findings *fs, const char *s)
{
	struct lint_pool *p = pool_of(fs);

	return p ? pool_intern(p, s) : NULL;
}

static struct lint_finding *add_text(struct lint_findings *fs, const char *tool, const char *rule,
				     enum lint_level level, const char *file, int file_interned, long long line,
				     long long column, const char *msg, size_t msglen);

struct lint_finding *lint_findings_add_text(struct lint_findings *fs, const char *tool, const char *rule,
					    enum lint_level level, const char *file, long long line,
					    long long column, const char *msg, size_t msglen)
{
	return add_text(fs, tool, rule, level, file, 0, line, column, msg, msglen);
}

struct lint_finding *lint_findings_add_interned(struct lint_findings *fs, const char *tool, const char *rule,
						enum lint_level level, const char *file, long long line,
						long long column, const char *msg, size_t msglen)
{
	return add_text(fs, tool, rule, level, file, 1, line, column, msg, msglen);
}

static struct lint_finding *add_text(struct lint_findings *fs, const char *tool, const char *rule,
				     enum lint_level level, const char *file, int file_interned, long long line,
				     long long column, const char *msg, size_t msglen)
{
	struct lint_pool *p = pool_of(fs);
	struct lint_finding *f;
	char *t, *r, *fl = NULL, *m;
	size_t n = 0;

	if (!p || QG_ALLOC_GROW(fs->v, fs->nr + 1, fs->alloc) < 0)
		return NULL;
	if (!tool || !*tool)
		tool = "lint";
	if (!rule || !*rule)
		rule = "finding";
	if (p->last_tool && !strcmp(p->last_tool, tool))
		t = (char *)p->last_tool;
	else if (!(t = pool_intern(p, tool)))
		return NULL;
	p->last_tool = t;
	if (file && file_interned)
		fl = (char *)file;
	if (!(r = pool_intern(p, rule)) || (file && !fl && !(fl = pool_intern(p, file))))
		return NULL;
	/* the message: one line, trailing blanks dropped (as lint_parse_add made it) */
	if (!msg)
		msglen = 0;
	while (msglen && ((unsigned char)msg[msglen - 1] <= 0x20 || msg[msglen - 1] == 0x7f))
		msglen--;
	if (!msglen) {
		m = r;
	} else {
		if (!(m = pool_alloc(p, msglen + 1)))
			return NULL;
		for (n = 0; n < msglen; n++) {
			unsigned char c = (unsigned char)msg[n];

			m[n] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		}
		m[n] = '\0';
	}
	f = &fs->v[fs->nr++];
	memset(f, 0, sizeof(*f));
	f->tool = t;
	f->rule = r;
	f->file = fl;
	f->message = m;
	f->flags = LINT_F_POOL_NAMES | LINT_F_POOL_MESSAGE;
	f->level = level;
	f->line = line > 0 ? line : 0;
	f->column = column > 0 ? column : 0;
	return f;
}

int lint_finding_set_help_pooled(struct lint_findings *fs, struct lint_finding *f, const char *uri)
{
	struct lint_pool *p = pool_of(fs);
	char *c;

	if (!p || !(c = pool_intern(p, uri)))
		return QG_ENOMEM;
	if (!(f->flags & LINT_F_POOL_HELP))
		free(f->help_uri);
	f->help_uri = c;
	f->flags |= LINT_F_POOL_HELP;
	return 0;
}

void lint_finding_set_message(struct lint_finding *f, char *msg)
{
	if (!(f->flags & LINT_F_POOL_MESSAGE))
		free(f->message);
	f->message = msg;
	f->flags &= ~(unsigned)LINT_F_POOL_MESSAGE;
}

void lint_finding_release(struct lint_finding *f)
{
	if (!(f->flags & LINT_F_POOL_NAMES)) {
		free(f->tool);
		free(f->rule);
		free(f->file);
	}
	if (!(f->flags & LINT_F_POOL_MESSAGE))
		free(f->message);
	if (!(f->flags & LINT_F_POOL_HELP))
		free(f->help_uri);
	f->tool = f->rule = f->file = f->message = f->help_uri = NULL;
}

void lint_findings_release(struct lint_findings *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->nr; i++)
		if ((fs->v[i].flags & (LINT_F_POOL_NAMES | LINT_F_POOL_MESSAGE | LINT_F_POOL_HELP)) !=
		    (LINT_F_POOL_NAMES | LINT_F_POOL_MESSAGE | LINT_F_POOL_HELP))
			lint_finding_release(&fs->v[i]);
	free(fs->v);
	fs->v = NULL;
	fs->nr = fs->alloc = 0;
	pool_free(fs->pool);
	fs->pool = NULL;
}

struct lint_tool *lint_tools_get(struct lint_tools *ts, const char *name)
{
	struct lint_tool *t;

	if (!name || !*name)
		name = "lint";
	for (size_t i = 0; i < ts->nr; i++)
		if (!strcmp(ts->v[i].name, name))
			return &ts->v[i];
	if (QG_ALLOC_GROW(ts->v, ts->nr + 1, ts->alloc) < 0)
		return NULL;
	t = &ts->v[ts->nr];
	memset(t, 0, sizeof(*t));
	t->name = qg_strdup(name);
	if (!t->name) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	ts->nr++;
	return t;
}

struct lint_rule *lint_tool_rule(struct lint_tool *t, const char *id, enum lint_level default_level)
{
	struct lint_rule *r;

	if (!id || !*id)
		id = "finding";
	for (size_t i = 0; i < t->nr_rules; i++)
		if (!strcmp(t->rules[i].id, id))
			return &t->rules[i];
	if (QG_ALLOC_GROW(t->rules, t->nr_rules + 1, t->alloc_rules) < 0)
		return NULL;
	r = &t->rules[t->nr_rules];
	memset(r, 0, sizeof(*r));
	r->id = qg_strdup(id);
	if (!r->id) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	r->default_level = default_level;
	t->nr_rules++;
	return r;
}

void lint_tools_release(struct lint_tools *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->nr; i++) {
		struct lint_tool *t = &ts->v[i];

		for (size_t j = 0; j < t->nr_rules; j++) {
			free(t->rules[j].id);
			free(t->rules[j].description);
			free(t->rules[j].help_uri);
		}
		free(t->rules);
		free(t->name);
		free(t->version);
		free(t->info_uri);
	}
	free(ts->v);
	ts->v = NULL;
	ts->nr = ts->alloc = 0;
}
