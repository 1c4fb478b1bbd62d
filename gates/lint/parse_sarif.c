/* parse_sarif.c -- SARIF 2.1.0 logs into findings
 *
 * The log is read into a jsonscan tree (one pass, 16 bytes a value, strings
 * left in the mapped file); a result costs no allocation (scratch buffers
 * live in struct sarif, the finding's strings in the list's pool) and no
 * formatting (JSON pointers for messages are made only on an error).
 * Counting follows the contract (§6 qgate-lint): a result's level is its
 * own, else its rule's defaultConfiguration.level, else warning (`none` is a
 * note); only kind "fail" (the default) is kept; a result is suppressed
 * (kept, flagged LINT_F_SUPPRESSED) when any suppression has no status or
 * status "accepted". The rule object is rules[ruleIndex] (of the driver, or of
 * the extension rule.toolComponent.index names), else the rule whose id is the
 * ruleId. Paths: artifactLocation uri (or run.artifacts[index].location),
 * resolved against uriBaseId through run.originalUriBaseIds, file:// URIs
 * turned into paths, percent-decoded. A run that says its tool failed
 * (invocations[].executionSuccessful false, an error-level tool execution or
 * configuration notification) or has no `results` at all (no evidence of a
 * scan) is QG_EINPUT, as are wrong types, named by their JSON pointer.
 */
#include "qgate/common.h"

#include "qgate/strmap.h"

#include "jsonscan.h"
#include "parse.h"

struct sarif {
	struct lint_parse *p;
	struct js_doc d;
	struct qg_buf s, t, ptr; /* scratch */
	struct qg_buf rid, path, text, uri; /* one_result's, kept across results (no allocation each) */
	struct qg_buf prefix, tmp;          /* resolve_uri's */
	uint32_t run, driver, rules, exts, bases, artifacts;
	struct lint_tool *tool;
	char *tool_name;
	uint32_t *rule_at;      /* driver rules by index (the array walk is linear) */
	size_t nr_rule_at, alloc_rule_at;
	/* driver rules by id, built on the first result that names its rule
	 * only by ruleId (a linear walk per result was quadratic: 100 rules and
	 * 600k results spent most of a 70 MB log's time there) */
	struct qg_strmap ids;
	uint32_t *id_node;      /* parallel to ids: the first rule with that id */
	size_t alloc_id_node;
	int ids_built;
};

static int bad_type(struct sarif *x, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad_type(struct sarif *x, const char *what, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	err = qg_error(QG_EINPUT, "'%s': not a SARIF log: %s: expected %s", x->p->name, err ? "?" : b.buf, what);
	qg_buf_release(&b);
	return err;
}

/* Optional member of the expected type: 0 when absent, error (naming the
 * JSON pointer at/key) when of another type. */
static int member(struct sarif *x, uint32_t o, const char *key, enum js_type t, uint32_t *out, const char *at)
{
	static const char *const names[] = { "null", "a boolean", "a boolean", "a number", "a string", "an array",
					     "an object" };
	uint32_t v = js_get(&x->d, o, key);

	*out = 0;
	if (!v || x->d.n[v].type == JS_NULL)
		return 0;
	if (x->d.n[v].type != t && !(t == JS_TRUE && x->d.n[v].type == JS_FALSE))
		return bad_type(x, names[t], "%s/%s", at, key);
	*out = v;
	return 0;
}

static int level_of(struct sarif *x, uint32_t v, enum lint_level *out, const char *at)
{
	if (js_str_eq(&x->d, v, "error"))
		*out = LINT_ERROR;
	else if (js_str_eq(&x->d, v, "warning"))
		*out = LINT_WARNING;
	else if (js_str_eq(&x->d, v, "note") || js_str_eq(&x->d, v, "none"))
		*out = LINT_NOTE;
	else if (!at)
		return 1; /* the caller names it (the pointer is made only then) */
	else
		return bad_type(x, "\"error\", \"warning\", \"note\" or \"none\"", "%s", at);
	return 0;
}

/* A URI (possibly relative) into a path: file:// stripped, %XX decoded. */
static int uri_to_path(const char *u, struct qg_buf *out)
{
	int err = 0;

	qg_buf_reset(out);
	if (!strncmp(u, "file://", 7)) {
		u += 7;
		if (!strncmp(u, "localhost/", 10))
			u += 9;
		/* file:///C:/x -> C:/x */
		if (u[0] == '/' && ((u[1] >= 'A' && u[1] <= 'Z') || (u[1] >= 'a' && u[1] <= 'z')) && u[2] == ':')
			u++;
	} else if (!strncmp(u, "file:", 5) && u[5] == '/') {
		u += 5;
	}
	while (*u && !err) {
		const char *pc = strchr(u, '%');
		if (!pc)
			return qg_buf_addstr(out, u);
		if ((err = qg_buf_add(out, u, (size_t)(pc - u))) < 0)
			break;
		u = pc;
		if (js_hexval((unsigned char)u[1]) >= 0 && js_hexval((unsigned char)u[2]) >= 0) {
			int c = js_hexval((unsigned char)u[1]) * 16 + js_hexval((unsigned char)u[2]);
			err = qg_buf_addch(out, c ? (char)c : '?');
			u += 3;
		} else {
			err = qg_buf_addch(out, *u++);
		}
	}
	return err;
}

static int is_absolute_uri(const char *u)
{
	const char *c = u;

	if (u[0] == '/')
		return 1;
	while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '+' ||
	       *c == '-' || *c == '.')
		c++;
	return c > u + 1 && *c == ':';
}

/* Resolve uri against the uriBaseId chain into out (a raw URI). */
static int resolve_uri(struct sarif *x, uint32_t art, struct qg_buf *out)
{
	struct qg_buf *prefix = &x->prefix, *tmp = &x->tmp;
	uint32_t uri = js_get(&x->d, art, "uri"), base = js_get(&x->d, art, "uriBaseId");
	int err = 0, depth;

	qg_buf_reset(out);
	if (!js_is(&x->d, uri, JS_STR))
		return 0;
	if ((err = js_str(&x->d, uri, out)) < 0)
		return err;
	for (depth = 0; depth < 8 && js_is(&x->d, base, JS_STR) && !is_absolute_uri(out->buf); depth++) {
		uint32_t b;
		if ((err = js_str(&x->d, base, tmp)) < 0)
			break;
		b = js_get(&x->d, x->bases, tmp->buf);
		if (!js_is(&x->d, b, JS_OBJ))
			break;
		uri = js_get(&x->d, b, "uri");
		base = js_get(&x->d, b, "uriBaseId");
		if (!js_is(&x->d, uri, JS_STR))
			break;
		if ((err = js_str(&x->d, uri, prefix)) < 0)
			break;
		if (prefix->len && prefix->buf[prefix->len - 1] != '/' && (err = qg_buf_addch(prefix, '/')) < 0)
			break;
		if ((err = qg_buf_add(prefix, out->buf, out->len)) < 0)
			break;
		qg_buf_reset(out);
		if ((err = qg_buf_add(out, prefix->buf, prefix->len)) < 0)
			break;
	}
	return err;
}

/* {0}, {1}... replaced by arguments[N]. */
static int format_message(struct sarif *x, const char *tmpl, uint32_t args, struct qg_buf *out)
{
	struct qg_buf a = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *s = tmpl;
	int err = 0;

	qg_buf_reset(out);
	while (*s && !err) {
		const char *br = strchr(s, '{');
		if (!br || !js_is(&x->d, args, JS_ARR)) {
			err = qg_buf_addstr(out, s);
			break;
		}
		if ((err = qg_buf_add(out, s, (size_t)(br - s))) < 0)
			break;
		s = br;
		if (s[1] >= '0' && s[1] <= '9') {
			char *end;
			unsigned long k = strtoul(s + 1, &end, 10);
			uint32_t v = *end == '}' ? js_at(&x->d, args, k) : 0;
			if (js_is(&x->d, v, JS_STR) && js_str(&x->d, v, &a) == 0) {
				err = qg_buf_add(out, a.buf, a.len);
				s = end + 1;
				continue;
			}
		}
		err = qg_buf_addch(out, *s++);
	}
	qg_buf_release(&a);
	return err;
}

/* The driver rules' ids into x->ids (first one of each id kept, as the
 * walk it replaces found it). */
static int build_ids(struct sarif *x)
{
	struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = 0;

	x->ids_built = 1;
	for (size_t k = 0; k < x->nr_rule_at && !err; k++) {
		uint32_t r = x->rule_at[k], v = js_get(&x->d, r, "id");
		long at;

		if (!js_is(&x->d, r, JS_OBJ) || !js_is(&x->d, v, JS_STR) || js_str(&x->d, v, &id) < 0)
			continue;
		if (qg_strmap_has(&x->ids, id.buf, id.len))
			continue;
		if ((at = qg_strmap_add(&x->ids, id.buf, id.len)) < 0 ||
		    QG_ALLOC_GROW(x->id_node, (size_t)at + 1, x->alloc_id_node) < 0)
			err = QG_ENOMEM;
		else
			x->id_node[at] = r;
	}
	qg_buf_release(&id);
	if (err) {
		qg_error_clear();
		x->ids_built = -1;
	}
	return err;
}

/* The rule object of a result (0 when none). */
static uint32_t rule_of(struct sarif *x, uint32_t res, uint32_t rule_id)
{
	uint32_t rref = js_get(&x->d, res, "rule"), idx = js_get(&x->d, res, "ruleIndex"), rules = x->rules, r;
	int ok;
	long long i;
	size_t k, e;

	if (js_is(&x->d, rref, JS_OBJ)) {
		uint32_t tc = js_get(&x->d, rref, "toolComponent"), ti;
		if (!idx)
			idx = js_get(&x->d, rref, "index");
		if (js_is(&x->d, tc, JS_OBJ) && (ti = js_get(&x->d, tc, "index"))) {
			i = js_int(&x->d, ti, &ok);
			uint32_t ext = ok && i >= 0 ? js_at(&x->d, x->exts, (size_t)i) : 0;
			rules = js_get(&x->d, ext, "rules");
		}
	}
	if (idx) {
		i = js_int(&x->d, idx, &ok);
		if (ok && i >= 0 && rules == x->rules)
			r = (size_t)i < x->nr_rule_at ? x->rule_at[i] : 0;
		else
			r = ok && i >= 0 ? js_at(&x->d, rules, (size_t)i) : 0;
		if (r && js_is(&x->d, r, JS_OBJ))
			return r;
	}
	if (!js_is(&x->d, rule_id, JS_STR) || js_str(&x->d, rule_id, &x->t) < 0)
		return 0;
	if (!x->ids_built && build_ids(x) < 0)
		x->ids_built = -1; /* no memory for the map: the linear walk below still answers */
	if (x->ids_built > 0) {
		long at = qg_strmap_find(&x->ids, x->t.buf, x->t.len);

		if (at >= 0)
			return x->id_node[at];
	}
	for (e = x->ids_built > 0 ? 1 : 0; e <= (x->exts ? x->d.n[x->exts].len : 0); e++) {
		uint32_t rs = e == 0 ? x->rules : js_get(&x->d, js_at(&x->d, x->exts, e - 1), "rules");
		if (!js_is(&x->d, rs, JS_ARR))
			continue;
		for (k = 0; k < x->d.n[rs].len; k++) {
			r = js_at(&x->d, rs, k);
			if (js_str_eq(&x->d, js_get(&x->d, r, "id"), x->t.buf))
				return r;
		}
	}
	return 0;
}

static int text_of(struct sarif *x, uint32_t o, const char *key, char **out)
{
	uint32_t v = js_get(&x->d, o, key);
	int err;

	if (js_is(&x->d, v, JS_OBJ))
		v = js_get(&x->d, v, "text");
	if (!js_is(&x->d, v, JS_STR) || *out)
		return 0;
	if ((err = js_str(&x->d, v, &x->t)) < 0)
		return err;
	*out = qg_strdup(x->t.buf);
	return *out ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

static int register_rules(struct sarif *x, uint32_t rules)
{
	size_t k;
	int err = 0;

	if (!js_is(&x->d, rules, JS_ARR))
		return 0;
	for (k = 0; k < x->d.n[rules].len && !err; k++) {
		uint32_t r = js_at(&x->d, rules, k), id = js_get(&x->d, r, "id"), dc, lv;
		enum lint_level level = LINT_WARNING;
		struct lint_rule *lr;

		if (!js_is(&x->d, id, JS_STR))
			continue;
		dc = js_get(&x->d, r, "defaultConfiguration");
		lv = js_get(&x->d, dc, "level");
		if (js_is(&x->d, lv, JS_STR) && js_str_eq(&x->d, lv, "error"))
			level = LINT_ERROR;
		else if (js_is(&x->d, lv, JS_STR) && (js_str_eq(&x->d, lv, "note") || js_str_eq(&x->d, lv, "none")))
			level = LINT_NOTE;
		if ((err = js_str(&x->d, id, &x->s)) < 0)
			break;
		if (!(lr = lint_tool_rule(x->tool, x->s.buf, level)))
			return qg_error_code() ? qg_error_code() : QG_ENOMEM;
		if (!err)
			err = text_of(x, r, "shortDescription", &lr->description);
		if (!err)
			err = text_of(x, r, "helpUri", &lr->help_uri);
	}
	return err;
}

static int check_invocations(struct sarif *x, size_t ri)
{
	uint32_t inv, v;
	size_t k, j;
	int err;

	char at[64];

	snprintf(at, sizeof(at), "/runs/%zu", ri);
	if ((err = member(x, x->run, "invocations", JS_ARR, &inv, at)) < 0)
		return err;
	for (k = 0; inv && k < x->d.n[inv].len; k++) {
		uint32_t in = js_at(&x->d, inv, k);
		static const char *const lists[] = { "toolExecutionNotifications", "toolConfigurationNotifications" };
		const char *why = NULL;

		if (!js_is(&x->d, in, JS_OBJ))
			return bad_type(x, "an object", "/runs/%zu/invocations/%zu", ri, k);
		v = js_get(&x->d, in, "executionSuccessful");
		if (js_is(&x->d, v, JS_FALSE))
			why = "executionSuccessful is false";
		for (j = 0; j < 2; j++) {
			uint32_t ns = js_get(&x->d, in, lists[j]);
			size_t m;
			for (m = 0; js_is(&x->d, ns, JS_ARR) && m < x->d.n[ns].len; m++) {
				uint32_t nt = js_at(&x->d, ns, m);
				if (!js_str_eq(&x->d, js_get(&x->d, nt, "level"), "error"))
					continue;
				qg_buf_reset(&x->s);
				v = js_get(&x->d, js_get(&x->d, nt, "message"), "text");
				if (js_is(&x->d, v, JS_STR) && (err = js_str(&x->d, v, &x->s)) < 0)
					return err;
				return qg_error(QG_EINPUT, "'%s': run %zu: tool '%s' did not run to the end: error %s: %s",
						x->p->name, ri, x->tool_name, j ? "configuration notification" : "notification",
						x->s.len ? x->s.buf : "(no message)");
			}
		}
		if (why)
			return qg_error(QG_EINPUT, "'%s': run %zu: tool '%s' did not run to the end: %s", x->p->name, ri,
					x->tool_name, why);
	}
	return 0;
}

/* The JSON pointer of result k of run ri (plus what), made only for a
 * message: a log with no errors formats none. */
static const char *res_at(char *at, size_t n, size_t ri, size_t k, const char *what)
{
	snprintf(at, n, "/runs/%zu/results/%zu%s", ri, k, what);
	return at;
}

static int one_result(struct sarif *x, size_t ri, size_t k, uint32_t res)
{
	uint32_t rule_id, rule, v, msg, loc, pl, art, region, sup;
	enum lint_level level = LINT_WARNING;
	struct qg_buf *rid = &x->rid, *path = &x->path, *text = &x->text, *uri = &x->uri;
	long long line = 0, col = 0, end_line = 0;
	struct lint_finding *f;
	int err = 0, ok, suppressed = 0;
	size_t m;
	char at[128];

	qg_buf_reset(rid);
	qg_buf_reset(path);
	qg_buf_reset(text);
	qg_buf_reset(uri);
	if (!js_is(&x->d, res, JS_OBJ))
		return bad_type(x, "an object", "/runs/%zu/results/%zu", ri, k);
	/* kind: only "fail" (the default) counts */
	v = js_get(&x->d, res, "kind");
	if (v && !js_str_eq(&x->d, v, "fail"))
		return 0;
	rule_id = js_get(&x->d, res, "ruleId");
	if (!rule_id || !js_is(&x->d, rule_id, JS_STR))
		rule_id = js_get(&x->d, js_get(&x->d, res, "rule"), "id");
	rule = rule_of(x, res, rule_id);
	if (!js_is(&x->d, rule_id, JS_STR))
		rule_id = js_get(&x->d, rule, "id");
	if (js_is(&x->d, rule_id, JS_STR) && (err = js_str(&x->d, rule_id, rid)) < 0)
		return err;
	/* level */
	v = js_get(&x->d, res, "level");
	if (v) {
		if ((err = level_of(x, v, &level, NULL)) > 0)
			err = level_of(x, v, &level, res_at(at, sizeof(at), ri, k, "/level"));
		if (err < 0)
			return err;
	} else {
		v = js_get(&x->d, js_get(&x->d, rule, "defaultConfiguration"), "level");
		if (js_is(&x->d, v, JS_STR) && (err = level_of(x, v, &level, NULL)) > 0)
			err = level_of(x, v, &level,
				       res_at(at, sizeof(at), ri, k, " (its rule's defaultConfiguration.level)"));
		if (err < 0)
			return err;
	}
	/* suppressions */
	sup = js_get(&x->d, res, "suppressions");
	if (sup && x->d.n[sup].type != JS_ARR &&
	    (err = member(x, res, "suppressions", JS_ARR, &sup, res_at(at, sizeof(at), ri, k, ""))) < 0)
		return err;
	for (m = 0; sup && m < x->d.n[sup].len; m++) {
		uint32_t s = js_at(&x->d, sup, m), st = js_get(&x->d, s, "status");
		if (!st || x->d.n[st].type == JS_NULL || js_str_eq(&x->d, st, "accepted"))
			suppressed = 1;
	}
	/* message */
	msg = js_get(&x->d, res, "message");
	v = js_get(&x->d, msg, "text");
	if (!js_is(&x->d, v, JS_STR)) {
		uint32_t id = js_get(&x->d, msg, "id");
		uint32_t ms = js_get(&x->d, rule, "messageStrings");
		if (js_is(&x->d, id, JS_STR) && (err = js_str(&x->d, id, &x->t)) == 0)
			v = js_get(&x->d, js_get(&x->d, ms, x->t.buf), "text");
		if (err < 0)
			return err;
	}
	if (js_is(&x->d, v, JS_STR)) {
		if ((err = js_str(&x->d, v, &x->s)) < 0)
			return err;
		if ((err = format_message(x, x->s.buf, js_get(&x->d, msg, "arguments"), text)) < 0)
			return err;
	}
	/* location */
	loc = js_at(&x->d, js_get(&x->d, res, "locations"), 0);
	pl = js_get(&x->d, loc, "physicalLocation");
	art = js_get(&x->d, pl, "artifactLocation");
	if (js_is(&x->d, art, JS_OBJ)) {
		if ((err = resolve_uri(x, art, uri)) < 0)
			return err;
		if (!uri->len) {
			long long ai = js_int(&x->d, js_get(&x->d, art, "index"), &ok);
			uint32_t a = ok && ai >= 0 ? js_at(&x->d, x->artifacts, (size_t)ai) : 0;
			if (a && (err = resolve_uri(x, js_get(&x->d, a, "location"), uri)) < 0)
				return err;
		}
		if (uri->len && (err = uri_to_path(uri->buf, path)) < 0)
			return err;
	}
	region = js_get(&x->d, pl, "region");
	if (js_is(&x->d, region, JS_OBJ)) {
		line = js_int(&x->d, js_get(&x->d, region, "startLine"), &ok);
		col = js_int(&x->d, js_get(&x->d, region, "startColumn"), &ok);
		end_line = js_int(&x->d, js_get(&x->d, region, "endLine"), &ok);
	}
	/* rules of the driver and extensions are registered already (register_rules) */
	x->p->rule_known = rule && rid->len && js_str_eq(&x->d, js_get(&x->d, rule, "id"), rid->buf);
	f = lint_parse_add(x->p, x->tool_name, rid->len ? rid->buf : NULL, level, path->len ? path->buf : NULL, line,
			   col, text->buf, text->len);
	x->p->rule_known = 0;
	if (!f)
		return qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
	if (end_line > line)
		f->end_line = end_line;
	if (suppressed)
		f->flags |= LINT_F_SUPPRESSED;
	if (rule) {
		v = js_get(&x->d, rule, "helpUri");
		if (js_is(&x->d, v, JS_STR) && js_str(&x->d, v, &x->t) == 0 && !f->help_uri &&
		    (err = lint_finding_set_help_pooled(x->p->out, f, x->t.buf)) < 0)
			return err;
	}
	return 0;
}

static int one_run(struct sarif *x, size_t ri)
{
	uint32_t tool, results, v;
	size_t k;
	int err;
	char at[64], att[80], atd[96];

	snprintf(at, sizeof(at), "/runs/%zu", ri);
	snprintf(att, sizeof(att), "/runs/%zu/tool", ri);
	snprintf(atd, sizeof(atd), "/runs/%zu/tool/driver", ri);
	if (!js_is(&x->d, x->run, JS_OBJ))
		return bad_type(x, "an object", "%s", at);
	if ((err = member(x, x->run, "tool", JS_OBJ, &tool, at)) < 0)
		return err;
	if ((err = member(x, tool, "driver", JS_OBJ, &x->driver, att)) < 0)
		return err;
	if (!x->driver)
		return bad_type(x, "an object", "%s", atd);
	if ((err = member(x, x->driver, "rules", JS_ARR, &x->rules, atd)) < 0 ||
	    (err = member(x, tool, "extensions", JS_ARR, &x->exts, att)) < 0 ||
	    (err = member(x, x->run, "originalUriBaseIds", JS_OBJ, &x->bases, at)) < 0 ||
	    (err = member(x, x->run, "artifacts", JS_ARR, &x->artifacts, at)) < 0)
		return err;
	free(x->tool_name);
	x->tool_name = NULL;
	v = js_get(&x->d, x->driver, "name");
	if (js_is(&x->d, v, JS_STR) && (err = js_str(&x->d, v, &x->s)) < 0)
		return err;
	x->tool_name = qg_strdup(js_is(&x->d, v, JS_STR) && x->s.len ? x->s.buf
				 : x->p->tool && *x->p->tool ? x->p->tool : "sarif");
	if (!x->tool_name || !(x->tool = lint_tools_get(x->p->tools, x->tool_name)))
		return qg_error(QG_ENOMEM, "out of memory");
	if ((err = text_of(x, x->driver, "version", &x->tool->version)) < 0 ||
	    (err = text_of(x, x->driver, "semanticVersion", &x->tool->version)) < 0 ||
	    (err = text_of(x, x->driver, "informationUri", &x->tool->info_uri)) < 0)
		return err;
	if ((err = register_rules(x, x->rules)) < 0)
		return err;
	x->nr_rule_at = 0;
	qg_strmap_release(&x->ids);
	x->ids_built = 0;
	if (x->rules) {
		uint32_t c = x->rules + 1;
		if (QG_ALLOC_GROW(x->rule_at, x->d.n[x->rules].len, x->alloc_rule_at) < 0)
			return QG_ENOMEM;
		for (k = 0; k < x->d.n[x->rules].len; k++, c = x->d.n[c].next)
			x->rule_at[x->nr_rule_at++] = c;
	}
	for (k = 0; x->exts && k < x->d.n[x->exts].len; k++)
		if ((err = register_rules(x, js_get(&x->d, js_at(&x->d, x->exts, k), "rules"))) < 0)
			return err;
	if ((err = check_invocations(x, ri)) < 0)
		return err;
	results = js_get(&x->d, x->run, "results");
	if (!results || x->d.n[results].type == JS_NULL)
		return qg_error(QG_EINPUT,
				"'%s': run %zu: tool '%s' wrote no results array (a log without one does not say a scan "
				"happened)",
				x->p->name, ri, x->tool_name);
	if (x->d.n[results].type != JS_ARR)
		return bad_type(x, "an array", "/runs/%zu/results", ri);
	lint_findings_reserve(x->p->out, x->d.n[results].len);
	v = results + 1;
	for (k = 0; k < x->d.n[results].len; k++) {
		if ((err = one_result(x, ri, k, v)) < 0)
			return err;
		v = x->d.n[v].next;
	}
	return 0;
}

int lint_parse_sarif(struct lint_parse *p, const char *data, size_t len)
{
	struct sarif x;
	struct lint_tools local = { 0 };
	uint32_t runs, r;
	size_t k;
	int err;

	memset(&x, 0, sizeof(x));
	x.p = p;
	if (!p->tools)
		p->tools = &local;
	qg_buf_init(&x.s, QG_CAP_MESSAGE);
	qg_buf_init(&x.t, QG_CAP_MESSAGE);
	qg_buf_init(&x.ptr, QG_CAP_MESSAGE);
	qg_buf_init(&x.rid, QG_CAP_MESSAGE);
	qg_buf_init(&x.path, QG_CAP_PATH);
	qg_buf_init(&x.text, QG_CAP_MESSAGE);
	qg_buf_init(&x.uri, QG_CAP_PATH);
	qg_buf_init(&x.prefix, QG_CAP_PATH);
	qg_buf_init(&x.tmp, QG_CAP_PATH);
	if (!len) {
		err = qg_error(QG_EINPUT, "'%s': empty file, expected a SARIF log", p->name);
		goto done;
	}
	if ((err = js_parse(&x.d, data, len, p->name)) < 0)
		goto done;
	if (x.d.n[0].type != JS_OBJ) {
		err = bad_type(&x, "an object", "%s", "/ (the root)");
		goto done;
	}
	runs = js_get(&x.d, 0, "runs");
	if (!runs || x.d.n[runs].type != JS_ARR) {
		err = bad_type(&x, "an array", "%s", "/runs");
		goto done;
	}
	r = runs + 1;
	for (k = 0; k < x.d.n[runs].len; k++) {
		x.run = r;
		if ((err = one_run(&x, k)) < 0)
			goto done;
		r = x.d.n[r].next;
	}
done:
	if (p->tools == &local) {
		lint_tools_release(&local);
		p->tools = NULL;
	}
	free(x.tool_name);
	free(x.rule_at);
	qg_strmap_release(&x.ids);
	free(x.id_node);
	js_release(&x.d);
	qg_buf_release(&x.s);
	qg_buf_release(&x.t);
	qg_buf_release(&x.ptr);
	qg_buf_release(&x.rid);
	qg_buf_release(&x.path);
	qg_buf_release(&x.text);
	qg_buf_release(&x.uri);
	qg_buf_release(&x.prefix);
	qg_buf_release(&x.tmp);
	return err;
}
