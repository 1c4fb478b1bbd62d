/* sarif.c -- a streaming SARIF 2.1.0 writer within GitHub's limits
 *
 * The log is written as it is built: each piece of JSON goes into a 64 KiB
 * chunk flushed to the atomic temp file, and into a zlib deflate stream
 * whose output is only counted (never kept), so the gzipped size is known
 * while writing. The stream is sync-flushed every 16 KiB of input: then the
 * compressed size of everything before the flush is exact, and what came
 * after it is bounded by deflateBound(). Before each result the writer checks
 * exact + bound(pending + this result) + reserve <= cap; the reserve covers
 * what is still to come after the last result (run endings, the closing
 * brackets). The layout and GitHub's limits are described in qgate/sarif.h.
 *
 * JSON is made by hand here (not a cJSON tree, which would hold every result
 * at once); strings go through qg_redact() and qg_json_quote(), which
 * replaces invalid UTF-8 by U+FFFD and escapes control characters.
 */
#include "qgate/common.h"

#include <zlib.h>

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/sarif.h"
#include "qgate/strmap.h"
#include "qgate/utf8.h"

#define CHUNK ((size_t)64 << 10)
#define GZ_FLUSH_EVERY ((size_t)16 << 10)

enum run_state { NO_RUN = 0, IN_RULES, IN_RESULTS };

struct qg_sarif {
	struct qg_file_atomic *file;
	char *path;
	struct qg_buf chunk;       /* not yet written to the file */
	struct qg_buf tmp;         /* one result or rule being formatted */
	struct qg_buf red;         /* redaction scratch */
	z_stream zs;
	int zs_ok;
	unsigned char zout[16384];
	unsigned long long gz_out; /* compressed bytes produced so far */
	size_t gz_pending;         /* input fed since the last sync flush */
	unsigned long long bytes;
	int err;                   /* first error: everything after is refused */

	size_t max_results, max_rules, max_runs, reserve;
	unsigned long long max_gzip;
	char *srcroot_uri;
	char *automation;          /* the current run's automationDetails.id, quoted */

	enum run_state state;
	size_t runs;
	size_t run_results, run_dropped_limit, run_dropped_size, run_rules, run_rules_dropped;
	struct qg_strmap rules;    /* ids of the current run, index = ruleIndex */
	int full;                  /* the gzip cap was reached: drop every later result */
	struct qg_sarif_stats st;
};

const char *qg_sarif_level_name(enum qg_sarif_level l)
{
	switch (l) {
	case QG_SARIF_ERROR:
		return "error";
	case QG_SARIF_WARNING:
		return "warning";
	case QG_SARIF_NOTE:
		return "note";
	default:
		return "none";
	}
}

/* ---- output: file chunk + counted gzip ---- */

static int gz_run(struct qg_sarif *s, int flush)
{
	int zr;

	do {
		s->zs.next_out = s->zout;
		s->zs.avail_out = sizeof(s->zout);
		zr = deflate(&s->zs, flush);
		if (zr == Z_STREAM_ERROR)
			return qg_error(QG_ERROR, "sarif '%s': zlib deflate failed", s->path);
		s->gz_out += sizeof(s->zout) - s->zs.avail_out;
	} while (s->zs.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static int gz_feed(struct qg_sarif *s, const void *data, size_t len)
{
	int err;

	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		s->zs.next_in = (Bytef *)(uintptr_t)data;
		s->zs.avail_in = n;
		if ((err = gz_run(s, Z_NO_FLUSH)))
			return err;
		data = (const char *)data + n;
		len -= n;
		s->gz_pending += n;
	}
	if (s->gz_pending >= GZ_FLUSH_EVERY) {
		if ((err = gz_run(s, Z_SYNC_FLUSH)))
			return err;
		s->gz_pending = 0;
	}
	return 0;
}

static int flush_chunk(struct qg_sarif *s)
{
	int err = 0;

	if (s->chunk.len) {
		err = qg_file_atomic_write(s->file, s->chunk.buf, s->chunk.len);
		qg_buf_reset(&s->chunk);
	}
	return err;
}

static int emit(struct qg_sarif *s, const char *data, size_t len)
{
	int err;

	if (s->err)
		return s->err;
	if ((err = gz_feed(s, data, len)))
		return s->err = err;
	s->bytes += len;
	if (s->chunk.len + len > CHUNK && (err = flush_chunk(s)))
		return s->err = err;
	if (len > CHUNK)
		err = qg_file_atomic_write(s->file, data, len);
	else
		err = qg_buf_add(&s->chunk, data, len);
	return err ? (s->err = err) : 0;
}

static int emits(struct qg_sarif *s, const char *str)
{
	return emit(s, str, strlen(str));
}

/* Would `extra` more bytes (and the reserve) still fit under the gzip cap?
 * Conservative: exact output so far + a bound of all pending input. */
static int gz_fits(struct qg_sarif *s, size_t extra)
{
	unsigned long long bound = deflateBound(&s->zs, (uLong)(s->gz_pending + extra));

	return s->gz_out + bound + s->reserve <= s->max_gzip;
}

/* ---- JSON pieces ---- */

/* Append s (redacted) as a JSON string; cut past max bytes at a character
 * boundary with a note of how much was cut (max 0 = no cut). */
static int add_text(struct qg_sarif *s, struct qg_buf *out, const char *str, size_t max)
{
	size_t len, keep;
	int err;

	qg_buf_reset(&s->red);
	if ((err = qg_redact(&s->red, str ? str : "")))
		return err;
	len = s->red.len;
	keep = len;
	if (max && len > max) {
		keep = max;
		/* back off to the start of a UTF-8 sequence */
		for (int k = 0; k < 3 && keep > 0 && ((unsigned char)s->red.buf[keep] & 0xc0) == 0x80; k++)
			keep--;
	}
	if ((err = qg_json_quote(out, s->red.buf, keep)))
		return err;
	if (keep < len) {
		/* re-open the string: drop its closing quote, add the note */
		qg_buf_setlen(out, out->len - 1);
		err = qg_buf_addf(out, " ... (%zu bytes cut)\"", len - keep);
	}
	return err;
}

int qg_sarif_uri_append(struct qg_buf *out, const char *path)
{
	static const char keep[] = "-._~/@!$&'()*+,;=";
	const unsigned char *p = (const unsigned char *)(path ? path : "");
	int err = 0;

	for (; !err && *p; p++) {
		unsigned c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr(keep, (int)c))
			err = qg_buf_addch(out, (int)c);
		else
			err = qg_buf_addf(out, "%%%02X", c);
	}
	return err;
}

long long qg_sarif_utf16_column(const char *line, size_t len, long long byte_col)
{
	long long col = 1;
	size_t i = 0, end;

	if (byte_col <= 1)
		return byte_col;
	end = (size_t)(byte_col - 1) < len ? (size_t)(byte_col - 1) : len;
	while (i < end) {
		unsigned cp = 0;
		size_t n = qg_utf8_decode(line + i, len - i, &cp);

		if (!n) {
			i++;
			col++;
			continue;
		}
		i += n;
		col += cp >= 0x10000 ? 2 : 1;
	}
	/* a column past the end of the text keeps counting bytes */
	return col + (byte_col - 1 - (long long)end);
}

static int add_key_text(struct qg_sarif *s, struct qg_buf *out, const char *key, const char *val)
{
	int err = qg_buf_addf(out, "\"%s\":", key);

	return err ? err : add_text(s, out, val, QG_SARIF_MAX_MESSAGE);
}

/* An absolute URI given by a caller (informationUri, helpUri): kept when it
 * has a scheme, so the validator's "must be absolute" holds; else dropped. */
static int is_abs_uri(const char *u)
{
	const char *p = u;

	if (!u || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while (*p && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '+' || *p == '-' || *p == '.'))
		p++;
	if (*p != ':' || !p[1])
		return 0;
	for (p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '"' || *p == '\\' ||
		    *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* ---- the log ---- */

int qg_sarif_open(struct qg_sarif **out, const char *path, const struct qg_sarif_opts *opts)
{
	struct qg_sarif *s = calloc(1, sizeof(*s));
	struct qg_sarif_opts none = { 0 };
	int err;

	*out = NULL;
	if (!s)
		return qg_error(QG_ENOMEM, "out of memory");
	if (!opts)
		opts = &none;
	qg_buf_init(&s->chunk, CHUNK + 1);
	qg_buf_init(&s->tmp, QG_CAP_REPORT);
	qg_buf_init(&s->red, QG_CAP_MESSAGE);
	s->max_results = opts->max_results ? opts->max_results : QG_SARIF_MAX_RESULTS;
	s->max_rules = opts->max_rules ? opts->max_rules : QG_SARIF_MAX_RULES;
	s->max_runs = opts->max_runs ? opts->max_runs : QG_SARIF_MAX_RUNS;
	s->max_gzip = opts->max_gzip ? opts->max_gzip : QG_SARIF_MAX_GZIP;
	s->reserve = opts->gzip_reserve ? opts->gzip_reserve : (size_t)16 << 10;
	s->path = qg_strdup(path);
	if (!s->path) {
		free(s);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	if (opts->srcroot && *opts->srcroot) {
		struct qg_buf u = QG_BUF_INIT(QG_CAP_PATH * 3 + 16);
		size_t n = strlen(opts->srcroot);

		err = qg_buf_addstr(&u, "file://");
		if (!err && opts->srcroot[0] != '/')
			err = qg_buf_addch(&u, '/');
		if (!err)
			err = qg_sarif_uri_append(&u, opts->srcroot);
		if (!err && (n == 0 || opts->srcroot[n - 1] != '/'))
			err = qg_buf_addch(&u, '/');
		if (err || !(s->srcroot_uri = qg_buf_detach(&u, NULL))) {
			qg_buf_release(&u);
			qg_sarif_abort(s);
			return err ? err : qg_error(QG_ENOMEM, "out of memory");
		}
	}
	if (deflateInit2(&s->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		qg_sarif_abort(s);
		return qg_error(QG_ENOMEM, "sarif '%s': zlib deflateInit failed", path);
	}
	s->zs_ok = 1;
	if ((err = qg_file_atomic_open(&s->file, path))) {
		qg_sarif_abort(s);
		return err;
	}
	err = emits(s, "{\"$schema\":\"" QG_SARIF_SCHEMA_URI "\",\"version\":\"2.1.0\",\"runs\":[");
	if (err) {
		qg_sarif_abort(s);
		return err;
	}
	*out = s;
	return 0;
}

void qg_sarif_abort(struct qg_sarif *s)
{
	if (!s)
		return;
	qg_file_atomic_abort(s->file);
	if (s->zs_ok)
		deflateEnd(&s->zs);
	qg_buf_release(&s->chunk);
	qg_buf_release(&s->tmp);
	qg_buf_release(&s->red);
	qg_strmap_release(&s->rules);
	free(s->srcroot_uri);
	free(s->automation);
	free(s->path);
	free(s);
}

int qg_sarif_run_begin(struct qg_sarif *s, const struct qg_sarif_tool *tool)
{
	struct qg_buf *b = &s->tmp;
	int err = 0;

	if (s->err)
		return s->err;
	if (s->state != NO_RUN && (err = qg_sarif_run_end(s, 1, NULL)))
		return err;
	if (s->runs >= s->max_runs)
		return qg_error(QG_EUSAGE, "sarif '%s': more than %zu runs (GitHub's limit): merge the tools beyond it",
				s->path, s->max_runs);
	if (!tool || !tool->name || !*tool->name)
		return qg_error(QG_EUSAGE, "sarif '%s': a run needs a tool name", s->path);
	qg_buf_reset(b);
	err = qg_buf_addstr(b, s->runs ? ",\n{\"tool\":{\"driver\":{" : "\n{\"tool\":{\"driver\":{");
	if (!err)
		err = add_key_text(s, b, "name", tool->name);
	if (!err && tool->version && *tool->version && !(err = qg_buf_addch(b, ',')))
		err = add_key_text(s, b, "version", tool->version);
	if (!err && is_abs_uri(tool->info_uri) && !(err = qg_buf_addch(b, ',')))
		err = add_key_text(s, b, "informationUri", tool->info_uri);
	if (!err)
		err = qg_buf_addstr(b, ",\"rules\":[");
	if (!err)
		err = emit(s, b->buf, b->len);
	if (err)
		return s->err = err;
	/* the rest of the run's head comes after the rules (end_rules) */
	qg_strmap_release(&s->rules);
	s->state = IN_RULES;
	s->runs++;
	s->run_results = s->run_dropped_limit = s->run_dropped_size = 0;
	s->run_rules = s->run_rules_dropped = 0;
	/* the automation id is written after the rules (end_rules): keep it
	 * quoted; "<name>/" when none is given */
	qg_buf_reset(b);
	if (tool->automation_id && *tool->automation_id) {
		err = add_text(s, b, tool->automation_id, 0);
	} else if (!(err = add_text(s, b, tool->name, 0))) {
		qg_buf_setlen(b, b->len - 1);
		err = qg_buf_addstr(b, "/\"");
	}
	free(s->automation);
	if (!err && !(s->automation = qg_strdup(b->buf)))
		err = qg_error(QG_ENOMEM, "out of memory");
	return err ? (s->err = err) : 0;
}

static int end_rules(struct qg_sarif *s)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_PATH * 3 + 256);
	int err;

	err = qg_buf_addstr(&b, "]}},\"automationDetails\":{\"id\":");
	if (!err)
		err = qg_buf_addstr(&b, s->automation);
	if (!err)
		err = qg_buf_addstr(&b, "}");
	if (!err && s->srcroot_uri)
		err = qg_buf_addf(&b, ",\"originalUriBaseIds\":{\"%%SRCROOT%%\":{\"uri\":\"%s\"}}", s->srcroot_uri);
	if (!err)
		err = qg_buf_addstr(&b, ",\"columnKind\":\"utf16CodeUnits\",\"results\":[");
	if (!err)
		err = emit(s, b.buf, b.len);
	qg_buf_release(&b);
	if (err)
		return s->err = err;
	s->state = IN_RESULTS;
	return 0;
}

int qg_sarif_rule(struct qg_sarif *s, const struct qg_sarif_rule *r)
{
	struct qg_buf *b = &s->tmp;
	const char *shortd, *fulld;
	long idx;
	int err;

	if (s->err)
		return s->err;
	if (s->state != IN_RULES)
		return qg_error(QG_EUSAGE, "sarif '%s': rules come after run_begin and before the run's results", s->path);
	if (!r || !r->id || !*r->id)
		return qg_error(QG_EUSAGE, "sarif '%s': a rule needs an id", s->path);
	idx = qg_strmap_find(&s->rules, r->id, strlen(r->id));
	if (idx >= 0)
		return (int)idx;
	if (s->run_rules >= s->max_rules) {
		s->run_rules_dropped++;
		s->st.rules_dropped++;
		return -1;
	}
	idx = qg_strmap_add(&s->rules, r->id, strlen(r->id));
	if (idx < 0)
		return s->err = (int)idx;
	shortd = r->short_description && *r->short_description ? r->short_description : r->id;
	fulld = r->full_description && *r->full_description ? r->full_description : shortd;
	qg_buf_reset(b);
	err = qg_buf_addstr(b, s->run_rules ? ",\n{" : "\n{");
	if (!err)
		err = add_key_text(s, b, "id", r->id);
	if (!err && !(err = qg_buf_addstr(b, ",\"shortDescription\":{")))
		err = add_key_text(s, b, "text", shortd);
	if (!err && !(err = qg_buf_addstr(b, "},\"fullDescription\":{")))
		err = add_key_text(s, b, "text", fulld);
	if (!err)
		err = qg_buf_addstr(b, "},\"help\":{");
	if (!err) {
		if (r->help_text && *r->help_text) {
			err = add_key_text(s, b, "text", r->help_text);
		} else {
			struct qg_buf h = QG_BUF_INIT(QG_CAP_MESSAGE);

			err = qg_buf_addstr(&h, fulld);
			if (!err && is_abs_uri(r->help_uri))
				err = qg_buf_addf(&h, " See %s.", r->help_uri);
			if (!err)
				err = add_key_text(s, b, "text", h.buf);
			qg_buf_release(&h);
		}
	}
	if (!err)
		err = qg_buf_addch(b, '}');
	if (!err && is_abs_uri(r->help_uri) && !(err = qg_buf_addch(b, ',')))
		err = add_key_text(s, b, "helpUri", r->help_uri);
	if (!err)
		err = qg_buf_addf(b, ",\"defaultConfiguration\":{\"level\":\"%s\"}}",
				  qg_sarif_level_name(r->default_level));
	if (!err)
		err = emit(s, b->buf, b->len);
	if (err)
		return s->err = err;
	s->run_rules++;
	return (int)idx;
}

static int format_result(struct qg_sarif *s, struct qg_buf *b, const struct qg_sarif_result *r, long idx)
{
	const char *path = r->path && *r->path ? r->path : ".";
	long long sl = r->start_line > 0 ? r->start_line : 1;
	long long el = r->end_line >= sl ? r->end_line : sl;
	int err;

	err = qg_buf_addstr(b, "{");
	if (!err)
		err = add_key_text(s, b, "ruleId", r->rule_id);
	if (!err && idx >= 0)
		err = qg_buf_addf(b, ",\"ruleIndex\":%ld", idx);
	if (!err)
		err = qg_buf_addf(b, ",\"level\":\"%s\",\"message\":{", qg_sarif_level_name(r->level));
	if (!err)
		err = add_key_text(s, b, "text", r->message && *r->message ? r->message : r->rule_id);
	if (!err)
		err = qg_buf_addstr(b, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"");
	if (!err) {
		/* the path redacted like every location a result names, then encoded */
		qg_buf_reset(&s->red);
		err = qg_redact(&s->red, path);
		if (!err && s->red.buf[0] == '/')
			err = qg_buf_addstr(b, "file://");
		if (!err)
			err = qg_sarif_uri_append(b, s->red.buf);
		if (!err)
			err = qg_buf_addstr(b, s->red.buf[0] == '/' ? "\"" : "\",\"uriBaseId\":\"%SRCROOT%\"");
	}
	if (!err)
		err = qg_buf_addf(b, "},\"region\":{\"startLine\":%lld", sl);
	if (!err && r->start_column > 0)
		err = qg_buf_addf(b, ",\"startColumn\":%lld", r->start_column);
	if (!err)
		err = qg_buf_addf(b, ",\"endLine\":%lld", el);
	if (!err && r->end_column > 0 &&
	    (el > sl || r->end_column >= (r->start_column > 0 ? r->start_column : 1)))
		err = qg_buf_addf(b, ",\"endColumn\":%lld", r->end_column);
	if (!err)
		err = qg_buf_addstr(b, "}}}]");
	if (!err && r->fingerprint && *r->fingerprint) {
		err = qg_buf_addstr(b, ",\"partialFingerprints\":{");
		if (!err)
			err = add_key_text(s, b, r->fingerprint_key && *r->fingerprint_key ? r->fingerprint_key
											  : "qgateFingerprint/v1",
					   r->fingerprint);
		if (!err)
			err = qg_buf_addch(b, '}');
	}
	if (!err && r->suppression != QG_SARIF_SUPP_NONE) {
		err = qg_buf_addf(b, ",\"suppressions\":[{\"kind\":\"%s\",\"status\":\"accepted\"",
				  r->suppression == QG_SARIF_SUPP_IN_SOURCE ? "inSource" : "external");
		if (!err && r->justification && *r->justification && !(err = qg_buf_addch(b, ',')))
			err = add_key_text(s, b, "justification", r->justification);
		if (!err)
			err = qg_buf_addstr(b, "}]");
	}
	if (!err)
		err = qg_buf_addch(b, '}');
	return err;
}

int qg_sarif_result(struct qg_sarif *s, const struct qg_sarif_result *r)
{
	struct qg_buf *b = &s->tmp;
	long idx;
	int err;

	if (s->err)
		return s->err;
	if (s->state == NO_RUN)
		return qg_error(QG_EUSAGE, "sarif '%s': a result outside a run", s->path);
	if (!r || !r->rule_id || !*r->rule_id)
		return qg_error(QG_EUSAGE, "sarif '%s': a result needs a rule id", s->path);
	if (s->state == IN_RULES && (err = end_rules(s)))
		return err;
	if (s->run_results >= s->max_results) {
		s->run_dropped_limit++;
		s->st.dropped_limit++;
		return 0;
	}
	if (s->full) {
		s->run_dropped_size++;
		s->st.dropped_size++;
		return 0;
	}
	idx = qg_strmap_find(&s->rules, r->rule_id, strlen(r->rule_id));
	qg_buf_reset(b);
	err = qg_buf_addstr(b, s->run_results ? ",\n" : "\n");
	if (!err)
		err = format_result(s, b, r, idx);
	if (err)
		return s->err = err;
	if (!gz_fits(s, b->len)) {
		s->full = 1;
		s->run_dropped_size++;
		s->st.dropped_size++;
		return 0;
	}
	if ((err = emit(s, b->buf, b->len)))
		return err;
	s->run_results++;
	s->st.results++;
	return 1;
}

int qg_sarif_run_end(struct qg_sarif *s, int ok, const char *error_note)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t dropped;
	int err = 0, notes = 0;

	if (s->err)
		return s->err;
	if (s->state == NO_RUN)
		return 0;
	if (s->state == IN_RULES && (err = end_rules(s)))
		return err;
	dropped = s->run_dropped_limit + s->run_dropped_size;
	err = qg_buf_addf(&b, "],\n\"invocations\":[{\"executionSuccessful\":%s", ok ? "true" : "false");
	if (!err && (dropped || s->run_rules_dropped || error_note))
		err = qg_buf_addstr(&b, ",\"toolExecutionNotifications\":[");
	if (!err && error_note) {
		err = qg_buf_addstr(&b, "{\"level\":\"error\",\"message\":{");
		if (!err)
			err = add_key_text(s, &b, "text", error_note);
		if (!err)
			err = qg_buf_addstr(&b, "}}");
		notes++;
	}
	if (!err && s->run_dropped_limit)
		err = qg_buf_addf(&b,
				  "%s{\"level\":\"warning\",\"descriptor\":{\"id\":\"qgate/results-over-limit\"},"
				  "\"message\":{\"text\":\"%zu results dropped: GitHub code scanning accepts at most "
				  "%zu results a run; the first %zu are written\"}}",
				  notes++ ? "," : "", s->run_dropped_limit, s->max_results, s->run_results);
	if (!err && s->run_dropped_size)
		err = qg_buf_addf(&b,
				  "%s{\"level\":\"warning\",\"descriptor\":{\"id\":\"qgate/results-over-size\"},"
				  "\"message\":{\"text\":\"%zu results dropped: GitHub code scanning accepts at most "
				  "%llu bytes of gzipped SARIF\"}}",
				  notes++ ? "," : "", s->run_dropped_size, s->max_gzip);
	if (!err && s->run_rules_dropped)
		err = qg_buf_addf(&b,
				  "%s{\"level\":\"warning\",\"descriptor\":{\"id\":\"qgate/rules-over-limit\"},"
				  "\"message\":{\"text\":\"%zu rules not listed: GitHub code scanning accepts at most "
				  "%zu rules a run\"}}",
				  notes++ ? "," : "", s->run_rules_dropped, s->max_rules);
	if (!err && notes)
		err = qg_buf_addch(&b, ']');
	if (!err)
		err = qg_buf_addstr(&b, "}]");
	if (!err && (dropped || s->run_rules_dropped))
		err = qg_buf_addf(&b,
				  ",\"properties\":{\"qgate/resultsDropped\":%zu,\"qgate/resultsDroppedOverLimit\":%zu,"
				  "\"qgate/resultsDroppedOverSize\":%zu,\"qgate/rulesDropped\":%zu}",
				  dropped, s->run_dropped_limit, s->run_dropped_size, s->run_rules_dropped);
	if (!err)
		err = qg_buf_addch(&b, '}');
	if (!err)
		err = emit(s, b.buf, b.len);
	qg_buf_release(&b);
	if (err)
		return s->err = err;
	s->state = NO_RUN;
	return 0;
}

int qg_sarif_commit(struct qg_sarif *s, struct qg_sarif_stats *stats)
{
	int err;

	if (!s)
		return qg_error(QG_EUSAGE, "sarif: no log");
	err = s->err;
	if (!err && s->state != NO_RUN)
		err = qg_sarif_run_end(s, 1, NULL);
	if (!err)
		err = emits(s, "\n]}\n");
	if (!err)
		err = flush_chunk(s);
	if (!err && !(err = gz_run(s, Z_FINISH))) {
		s->st.runs = s->runs;
		s->st.bytes = s->bytes;
		s->st.gzip_bytes = s->gz_out;
		if (s->gz_out > s->max_gzip)
			err = qg_error(QG_ETOOBIG,
				       "sarif '%s': %llu bytes gzipped without any result past the cap; GitHub accepts "
				       "at most %llu (too many or too long rules)",
				       s->path, s->gz_out, s->max_gzip);
	}
	if (!err) {
		err = qg_file_atomic_commit(s->file);
		s->file = NULL;
	}
	if (stats)
		*stats = s->st;
	qg_sarif_abort(s);
	return err;
}
