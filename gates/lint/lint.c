/* lint.c -- qgate-lint's model: levels, finding lists, tools and rules
 *
 * The small shared pieces every other file of the gate codes against
 * (lint.h): a finding list owns its strings, a tool owns its rules, and
 * sorting gives every writer the same order (file, line, column, tool,
 * rule, message): a sorted prefix (the built-in checks' findings come so)
 * costs one pass, and only what follows it is sorted and merged in.
 */
#include "qgate/common.h"

#include <strings.h>

#include "lint.h"

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

	if (QG_ALLOC_GROW(fs->v, fs->nr + 1, fs->alloc) < 0)
		return NULL;
	va_start(ap, fmt);
	err = qg_buf_vaddf(&msg, fmt ? fmt : "", ap);
	va_end(ap);
	if (err < 0)
		return NULL;
	f = &fs->v[fs->nr];
	memset(f, 0, sizeof(*f));
	f->tool = qg_strdup(tool && *tool ? tool : "lint");
	f->rule = qg_strdup(rule && *rule ? rule : "finding");
	f->file = file ? qg_strdup(file) : NULL;
	f->message = qg_buf_detach(&msg, NULL);
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
	return 0;
}

static int cmp_str(const char *a, const char *b)
{
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

void lint_findings_sort_from(struct lint_findings *fs, size_t from)
{
	size_t i = from + 1;

	while (i < fs->nr && cmp_finding(&fs->v[i - 1], &fs->v[i]) <= 0)
		i++;
	if (i < fs->nr)
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

void lint_findings_release(struct lint_findings *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->nr; i++) {
		free(fs->v[i].tool);
		free(fs->v[i].rule);
		free(fs->v[i].file);
		free(fs->v[i].message);
		free(fs->v[i].help_uri);
	}
	free(fs->v);
	fs->v = NULL;
	fs->nr = fs->alloc = 0;
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
