/* pipeline.c -- the "pipeline" section of qgate.json: stages, steps, needs
 *
 * Everything about a pipeline that can be wrong is found here, before any
 * step runs: unknown keys (with the nearest known one), wrong types, a
 * duplicate or unsafe step name, a gate name that is not [a-z]+, a need
 * naming no step of the stage (with the nearest name), and cycles in needs
 * (the cycle is spelled out). Every message names the file and the JSON
 * pointer of the offending value, so "qgate.json: /pipeline/ci/2/needs/0:
 * unknown step 'tset' (did you mean 'test'?)" is all a user needs. All
 * stages are checked, whichever one runs: a broken "ci" stage is found on
 * the laptop by the pre-push run, not in CI.
 */
#include "qgate/common.h"

#include <fnmatch.h>

#include "qgate/json.h"
#include "qgate/opts.h"

#include "run_int.h"

#define NAME_MAX_LEN 128

/* Append `key` to a JSON pointer, escaped as RFC 6901 says. */
static int ptr_add(struct qg_buf *p, const char *key)
{
	int err = qg_buf_addch(p, '/');

	for (; !err && *key; key++) {
		if (*key == '~')
			err = qg_buf_addstr(p, "~0");
		else if (*key == '/')
			err = qg_buf_addstr(p, "~1");
		else
			err = qg_buf_addch(p, *key);
	}
	return err;
}

static int ptr_addi(struct qg_buf *p, size_t i)
{
	return qg_buf_addf(p, "/%zu", i);
}

/* A name usable as a folder and in messages: [A-Za-z0-9._-]+, no leading '.'. */
static int safe_name(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '.')
		return 0;
	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return n <= NAME_MAX_LEN;
}

static int gate_name(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++)
		if (s[n] < 'a' || s[n] > 'z')
			return 0;
	return n > 0 && n < 64;
}

/* The word among `words` nearest to `name` (a plausible typo), or NULL. */
static const char *nearest(const char *const *words, size_t nr, const char *name)
{
	struct qg_option *opts = calloc(nr + 1, sizeof(*opts));
	const char *near = NULL;

	if (!opts)
		return NULL;
	for (size_t i = 0; i < nr; i++)
		opts[i] = (struct qg_option)QG_OPT_FLAG_(0, words[i], NULL, NULL);
	opts[nr] = (struct qg_option)QG_OPT_END_();
	near = qg_opts_nearest(opts, name);
	free(opts);
	return near;
}

static int bad(const char *file, const struct qg_buf *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(const char *file, const struct qg_buf *ptr, const char *fmt, ...)
{
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (err < 0) {
		qg_buf_release(&msg);
		return qg_error(err, "out of memory");
	}
	err = qg_error(QG_EUSAGE, "%s: %s: %s", file, ptr->len ? ptr->buf : "/", msg.buf);
	qg_buf_release(&msg);
	return err;
}

/* An array of strings at `j` into sv. */
static int string_list(struct qg_strvec *sv, const struct qg_json *j, const char *file,
		       struct qg_buf *ptr)
{
	size_t base = ptr->len, i = 0;
	int err = 0;

	if (qg_json_type(j) != QG_JSON_ARRAY)
		return bad(file, ptr, "expected an array of strings, found %s",
			   qg_json_type_name(qg_json_type(j)));
	for (const struct qg_json *e = qg_json_first(j); !err && e; e = qg_json_next(e), i++) {
		if (qg_json_type(e) != QG_JSON_STRING) {
			if (!(err = ptr_addi(ptr, i)))
				err = bad(file, ptr, "expected a string, found %s",
					  qg_json_type_name(qg_json_type(e)));
			break;
		}
		err = qg_strvec_push(sv, qg_json_string(e));
	}
	qg_buf_setlen(ptr, base);
	return err;
}

static void step_release(struct run_step *st)
{
	free(st->name);
	free(st->gate);
	qg_strvec_clear(&st->args);
	qg_strvec_clear(&st->needs);
	qg_strvec_clear(&st->paths);
	free(st->need_idx);
	free(st->pointer);
}

void run_stage_release(struct run_stage *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr; i++)
		step_release(&s->steps[i]);
	free(s->steps);
	free(s->order);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

long run_stage_find(const struct run_stage *s, const char *name)
{
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->steps[i].name, name))
			return (long)i;
	return -1;
}

static const char *const step_keys[] = { "name", "gate", "args", "needs", "paths" };

static int load_step(struct run_step *st, const struct qg_json *j, const char *file,
		     struct qg_buf *ptr)
{
	size_t base = ptr->len;
	const struct qg_json *v;
	int err = 0;

	qg_strvec_init(&st->args);
	qg_strvec_init(&st->needs);
	qg_strvec_init(&st->paths);
	if (!(st->pointer = qg_strdup(ptr->buf)))
		return qg_error(QG_ENOMEM, "out of memory");
	if (qg_json_type(j) != QG_JSON_OBJECT)
		return bad(
			file, ptr,
			"expected a step object {\"name\", \"gate\", \"args\", \"needs\", \"paths\"}, found %s",
			qg_json_type_name(qg_json_type(j)));
	for (const struct qg_json *m = qg_json_first(j); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		size_t k = 0;

		while (k < QG_ARRAY_SIZE(step_keys) && strcmp(step_keys[k], key))
			k++;
		if (k == QG_ARRAY_SIZE(step_keys)) {
			const char *near = nearest(step_keys, QG_ARRAY_SIZE(step_keys), key);

			if ((err = ptr_add(ptr, key)) < 0)
				return err;
			if (near)
				return bad(file, ptr, "unknown key '%s' (did you mean '%s'?)", key,
					   near);
			return bad(file, ptr,
				   "unknown key '%s' (a step has name, gate, args, needs, paths)",
				   key);
		}
	}
	v = qg_json_get(j, "name");
	if (!v)
		return bad(file, ptr, "a step needs a \"name\"");
	if ((err = ptr_add(ptr, "name")) < 0)
		return err;
	if (qg_json_type(v) != QG_JSON_STRING)
		return bad(file, ptr, "expected a string, found %s",
			   qg_json_type_name(qg_json_type(v)));
	if (!safe_name(qg_json_string(v)))
		return bad(file, ptr,
			   "step name '%s' is not a folder name (letters, digits, '.', '_', '-', "
			   "not starting with '.', at most %d)",
			   qg_json_string(v), NAME_MAX_LEN);
	qg_buf_setlen(ptr, base);
	if (!(st->name = qg_strdup(qg_json_string(v))))
		return qg_error(QG_ENOMEM, "out of memory");

	v = qg_json_get(j, "gate");
	if (!v)
		return bad(file, ptr, "step '%s' needs a \"gate\"", st->name);
	if ((err = ptr_add(ptr, "gate")) < 0)
		return err;
	if (qg_json_type(v) != QG_JSON_STRING)
		return bad(file, ptr, "expected a string, found %s",
			   qg_json_type_name(qg_json_type(v)));
	if (!gate_name(qg_json_string(v)))
		return bad(
			file, ptr,
			"'%s' is not a gate name (lowercase letters only: data, model, lint, test, deploy)",
			qg_json_string(v));
	qg_buf_setlen(ptr, base);
	if (!(st->gate = qg_strdup(qg_json_string(v))))
		return qg_error(QG_ENOMEM, "out of memory");

	if ((v = qg_json_get(j, "args"))) {
		if (!(err = ptr_add(ptr, "args")))
			err = string_list(&st->args, v, file, ptr);
		qg_buf_setlen(ptr, base);
	}
	if (!err && (v = qg_json_get(j, "needs"))) {
		if (!(err = ptr_add(ptr, "needs")))
			err = string_list(&st->needs, v, file, ptr);
		qg_buf_setlen(ptr, base);
	}
	if (!err && (v = qg_json_get(j, "paths"))) {
		st->has_paths = 1;
		if (!(err = ptr_add(ptr, "paths")))
			err = string_list(&st->paths, v, file, ptr);
		for (size_t i = 0; !err && i < st->paths.nr; i++)
			if (!*st->paths.v[i] || st->paths.v[i][0] == '/') {
				if (!(err = ptr_addi(ptr, i)))
					err = bad(file, ptr, "'%s' is not a relative glob",
						  st->paths.v[i]);
			}
		qg_buf_setlen(ptr, base);
	}
	return err;
}

/* Depth-first search for a cycle; state 0 new, 1 on the path, 2 done. */
static int find_cycle(const struct run_stage *s, size_t i, unsigned char *state, size_t *path,
		      size_t depth, size_t **order_end, const char *file)
{
	const struct run_step *st = &s->steps[i];

	state[i] = 1;
	path[depth] = i;
	for (size_t k = 0; k < st->needs.nr; k++) {
		size_t n = st->need_idx[k];

		if (state[n] == 1) {
			struct qg_buf ptr = QG_BUF_INIT(QG_CAP_MESSAGE),
				      cyc = QG_BUF_INIT(QG_CAP_MESSAGE);
			size_t from = 0;
			int err;

			while (path[from] != n)
				from++;
			err = qg_buf_addf(&ptr, "%s/needs/%zu", st->pointer, k);
			for (size_t d = from; !err && d <= depth; d++)
				err = qg_buf_addf(&cyc, "'%s' -> ", s->steps[path[d]].name);
			if (!err)
				err = qg_buf_addf(&cyc, "'%s'", s->steps[n].name);
			if (!err)
				err = bad(file, &ptr, "cycle in needs: %s", cyc.buf);
			qg_buf_release(&ptr);
			qg_buf_release(&cyc);
			return err;
		}
		if (state[n] == 0) {
			int err = find_cycle(s, n, state, path, depth + 1, order_end, file);

			if (err < 0)
				return err;
		}
	}
	state[i] = 2;
	*(*order_end)++ = i;
	return 0;
}

static int resolve_needs(struct run_stage *s, const char *file)
{
	const char **names = calloc(s->nr + 1, sizeof(*names));
	unsigned char *state = calloc(s->nr + 1, 1);
	size_t *path = calloc(s->nr + 1, sizeof(*path)), *end;
	int err = 0;

	s->order = calloc(s->nr + 1, sizeof(*s->order));
	if (!names || !state || !path || !s->order) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < s->nr; i++)
		names[i] = s->steps[i].name;
	for (size_t i = 0; !err && i < s->nr; i++) {
		struct run_step *st = &s->steps[i];

		st->need_idx = calloc(st->needs.nr + 1, sizeof(*st->need_idx));
		if (!st->need_idx) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		for (size_t k = 0; !err && k < st->needs.nr; k++) {
			long at = run_stage_find(s, st->needs.v[k]);
			struct qg_buf ptr = QG_BUF_INIT(QG_CAP_MESSAGE);

			if (at < 0) {
				const char *near = nearest(names, s->nr, st->needs.v[k]);

				err = qg_buf_addf(&ptr, "%s/needs/%zu", st->pointer, k);
				if (!err && near)
					err = bad(file, &ptr,
						  "unknown step '%s' (did you mean '%s'?)",
						  st->needs.v[k], near);
				else if (!err)
					err = bad(file, &ptr,
						  "unknown step '%s' (not a step of stage '%s')",
						  st->needs.v[k], s->name);
			}
			qg_buf_release(&ptr);
			if (!err)
				st->need_idx[k] = (size_t)at;
		}
	}
	end = s->order;
	for (size_t i = 0; !err && i < s->nr; i++)
		if (!state[i])
			err = find_cycle(s, i, state, path, 0, &end, file);
done:
	free(names);
	free(state);
	free(path);
	return err;
}

static int load_stage(struct run_stage *out, const struct qg_json *j, const char *name,
		      const char *file, struct qg_buf *ptr)
{
	size_t base = ptr->len, i = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!(out->name = qg_strdup(name)))
		return qg_error(QG_ENOMEM, "out of memory");
	if (!safe_name(name))
		return bad(file, ptr,
			   "stage name '%s' is not a plain name (letters, digits, '.', '_', '-')",
			   name);
	if (qg_json_type(j) != QG_JSON_ARRAY)
		return bad(file, ptr, "expected an array of steps, found %s",
			   qg_json_type_name(qg_json_type(j)));
	out->steps = calloc(qg_json_size(j) + 1, sizeof(*out->steps));
	if (!out->steps)
		return qg_error(QG_ENOMEM, "out of memory");
	for (const struct qg_json *e = qg_json_first(j); e; e = qg_json_next(e), i++) {
		struct run_step *st = &out->steps[out->nr++];

		if ((err = ptr_addi(ptr, i)) < 0)
			return err;
		if ((err = load_step(st, e, file, ptr)) < 0)
			return err;
		for (size_t k = 0; k + 1 < out->nr; k++)
			if (!strcmp(out->steps[k].name, st->name)) {
				if (!(err = ptr_add(ptr, "name")))
					err = bad(file, ptr, "duplicate step '%s' (first at %s)",
						  st->name, out->steps[k].pointer);
				return err;
			}
		qg_buf_setlen(ptr, base);
	}
	return resolve_needs(out, file);
}

int run_pipeline_load(struct run_stage *out, const struct qg_json *doc, const char *file,
		      const char *stage)
{
	struct qg_buf ptr = QG_BUF_INIT(QG_CAP_MESSAGE), list = QG_BUF_INIT(QG_CAP_MESSAGE);
	const struct qg_json *pipe = qg_json_get(doc, "pipeline");
	const char **names = NULL;
	size_t nr = 0;
	int err = 0, found = 0;

	memset(out, 0, sizeof(*out));
	if (qg_json_type(doc) != QG_JSON_OBJECT)
		return bad(file, &ptr, "expected an object, found %s",
			   qg_json_type_name(qg_json_type(doc)));
	if (!pipe)
		return bad(
			file, &ptr,
			"no \"pipeline\" section (stages of steps: {\"pipeline\": {\"ci\": [...]}})");
	if ((err = ptr_add(&ptr, "pipeline")) < 0)
		goto done;
	if (qg_json_type(pipe) != QG_JSON_OBJECT) {
		err = bad(file, &ptr, "expected an object of stages, found %s",
			  qg_json_type_name(qg_json_type(pipe)));
		goto done;
	}
	if (!qg_json_size(pipe)) {
		err = bad(file, &ptr, "no stage defined");
		goto done;
	}
	names = calloc(qg_json_size(pipe) + 1, sizeof(*names));
	if (!names) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	/* every stage is checked; the one asked for is kept */
	for (const struct qg_json *m = qg_json_first(pipe); m; m = qg_json_next(m)) {
		struct run_stage tmp;
		const char *key = qg_json_key(m);
		int want;

		for (size_t k = 0; k < nr; k++)
			if (!strcmp(names[k], key)) {
				if (!(err = ptr_add(&ptr, key)))
					err = bad(file, &ptr, "duplicate stage '%s'", key);
				goto done;
			}
		names[nr++] = key;
		if (!err)
			err = qg_buf_addf(&list, "%s%s", nr > 1 ? ", " : "", key);
		if (!err)
			err = ptr_add(&ptr, key);
		if (!err)
			err = load_stage(&tmp, m, key, file, &ptr);
		qg_buf_setlen(&ptr, strlen("/pipeline"));
		want = stage ? !strcmp(stage, key) : 1;
		if (err >= 0 && want && !found) {
			*out = tmp;
			found = 1;
		} else {
			run_stage_release(&tmp);
		}
		if (err < 0)
			goto done;
	}
	if (!stage && nr > 1) {
		err = bad(file, &ptr, "several stages (%s): choose one with --stage", list.buf);
		goto done;
	}
	if (!found) {
		const char *near = nearest(names, nr, stage);

		if (near)
			err = bad(file, &ptr, "no stage '%s' (did you mean '%s'?)", stage, near);
		else
			err = bad(file, &ptr, "no stage '%s' (stages: %s)", stage, list.buf);
	}
done:
	if (err < 0)
		run_stage_release(out);
	free(names);
	qg_buf_release(&ptr);
	qg_buf_release(&list);
	return err;
}

int run_pipeline_parse(struct run_stage *out, const char *text, size_t len, const char *file,
		       const char *stage)
{
	struct qg_json *doc = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = qg_json_parse(&doc, text, len, file);
	if (err < 0) {
		char *msg = qg_strdup(qg_error_last()); /* never format the slot into itself */

		err = qg_error(QG_EUSAGE, "%s", msg ? msg : file);
		free(msg);
		return err;
	}
	err = run_pipeline_load(out, doc, file, stage);
	qg_json_free(doc);
	return err;
}

/* ---- globs ---- */

/* One character class "[...]" at p against c; *adv gets its length, 0 when
 * the '[' opens no class (then it is a literal). */
static int class_match(const char *p, char c, size_t *adv)
{
	char pat[256], str[2] = { c, 0 };
	size_t n = 1;

	if (p[n] == '!' || p[n] == '^')
		n++;
	if (p[n] == ']')
		n++;
	while (p[n] && p[n] != ']')
		n++;
	if (p[n] != ']' || n + 2 > sizeof(pat)) {
		*adv = 0;
		return 0;
	}
	memcpy(pat, p, n + 1);
	pat[n + 1] = 0;
	*adv = n + 1;
	return fnmatch(pat, str, 0) == 0;
}

/* The matcher proper, memoised on (pattern position, path position): a
 * state that failed once fails again, so "*a*a*a*...b" is polynomial. */
struct glob {
	const char *p0, *s0;
	size_t slen;
	unsigned char *failed; /* (plen+1) x (slen+1) bits, NULL: no memo */
};

static int glob_at(struct glob *g, const char *p, const char *s);

static int glob_try(struct glob *g, const char *p, const char *s)
{
	size_t bit = 0;

	if (g->failed) {
		bit = (size_t)(p - g->p0) * (g->slen + 1) + (size_t)(s - g->s0);
		if (g->failed[bit / 8] & (1u << (bit % 8)))
			return 0;
	}
	if (glob_at(g, p, s))
		return 1;
	if (g->failed)
		g->failed[bit / 8] |= (unsigned char)(1u << (bit % 8));
	return 0;
}

static int glob_at(struct glob *g, const char *p, const char *s)
{
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			while (*p == '*')
				p++;
			if (*p == '/') {
				/* "**\/": zero or more whole folders */
				p++;
				for (const char *t = s;; t++) {
					if ((t == s || t[-1] == '/') && glob_try(g, p, t))
						return 1;
					if (!*t)
						return 0;
				}
			}
			for (const char *t = s;; t++) {
				if (glob_try(g, p, t))
					return 1;
				if (!*t)
					return 0;
			}
		}
		if (*p == '*') {
			while (*p == '*')
				p++;
			for (const char *t = s;; t++) {
				if (glob_try(g, p, t))
					return 1;
				if (!*t || *t == '/')
					return 0;
			}
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
		} else if (*p == '[') {
			size_t adv;
			int m = class_match(p, *s, &adv);

			if (adv) {
				if (!m || *s == '/')
					return 0;
				p += adv;
				s++;
				continue;
			}
			if (*s != '[')
				return 0;
		} else {
			if (*p == '\\' && p[1])
				p++;
			if (*p != *s)
				return 0;
		}
		p++;
		s++;
	}
	return !*s;
}

int run_glob_match(const char *pattern, const char *path)
{
	size_t plen = strlen(pattern), slen = strlen(path);
	struct glob g = { pattern, path, slen, NULL };
	int m;

	if (plen > 65536 || slen > 65536 || (plen + 1) * (slen + 1) > ((size_t)1 << 30))
		return 0; /* no glob or path is that long: no match rather than the time */
	g.failed = calloc(((plen + 1) * (slen + 1) + 7) / 8, 1);
	m = glob_at(&g, pattern, path);
	free(g.failed);
	return m;
}
