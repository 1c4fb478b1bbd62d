/* pin.c -- rewrite image references to a digest in Kubernetes YAML, byte for byte
 *
 * `qgate-deploy pin` is the GitOps handoff: every `image:` value naming the
 * repository (bare, with a tag, or with an older digest) becomes
 * REPO@sha256:..., and nothing else in the file changes: not a comment, not
 * the indentation, not the quoting, not another document of a multi-document
 * file. libyaml's event parser finds the values (a mapping key "image" and
 * the scalar after it, at any depth, in every document); its marks give
 * where each value's bytes are, and only those bytes are spliced. libyaml
 * counts marks in characters (a CRLF as two), so they are turned into byte
 * offsets by walking the UTF-8 text once, forward. The scalar keeps its
 * style: plain stays plain, 'single' and "double" quotes stay. A value in a
 * block scalar (| or >) or carrying an anchor or an explicit tag is refused
 * rather than rewritten in a way that could change what it means.
 */
#include "qgate/common.h"

#include <yaml.h>

#include "pin_int.h"

/* Character index -> byte offset, moving forward only. */
struct cursor {
	const unsigned char *text;
	size_t len, chars, bytes;
};

static size_t utf8_width(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static size_t byte_at(struct cursor *c, size_t index)
{
	while (c->chars < index && c->bytes < c->len) {
		/* libyaml counts a CRLF line break as two, like the bytes */
		c->bytes += utf8_width(c->text[c->bytes]);
		c->chars++;
	}
	return c->bytes < c->len ? c->bytes : c->len;
}

/* value names repo: "repo", "repo:tag", "repo@alg:hex", "repo:tag@alg:hex" */
static int names_repo(const char *v, size_t n, const char *repo)
{
	const char *at = memchr(v, '@', n), *colon;
	size_t name_len = at ? (size_t)(at - v) : n, rl = strlen(repo);

	/* a tag is what follows the last ':' after the last '/' */
	colon = NULL;
	for (size_t i = 0; i < name_len; i++) {
		if (v[i] == '/')
			colon = NULL;
		else if (v[i] == ':')
			colon = v + i;
	}
	if (colon)
		name_len = (size_t)(colon - v);
	return name_len == rl && !memcmp(v, repo, rl);
}

int dp_pin_rewrite(struct qg_buf *out, struct dp_pin_stats *st, const char *name, const char *text, size_t len,
		   const char *repo, const char *digest)
{
	struct qg_buf want = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct cursor cur = { (const unsigned char *)text, len, 0, 0 };
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t copied = 0;
	int err = 0, done = 0, next_is_image = 0;
	/* per open collection: 1 = mapping expecting a key, 2 = mapping expecting a value, 0 = sequence */
	unsigned char stack[256];
	size_t depth = 0, deep = 0;

	memset(st, 0, sizeof(*st));
	if (len >= 2 && ((text[0] == '\xff' && text[1] == '\xfe') || (text[0] == '\xfe' && text[1] == '\xff')))
		return qg_error(QG_EINPUT, "'%s': UTF-16 text; expected UTF-8 YAML", name);
	if (memchr(text, '\0', len))
		return qg_error(QG_EINPUT, "'%s': holds a NUL byte: not a YAML text", name);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		cur.bytes = 3; /* libyaml's marks start after the byte-order mark */
	if ((err = qg_buf_addf(&want, "%s@%s", repo, digest)) < 0)
		return err;
	if (!yaml_parser_initialize(&parser)) {
		qg_buf_release(&want);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && !err) {
		int is_key = 0;

		if (!yaml_parser_parse(&parser, &ev)) {
			err = qg_error(QG_EPARSE, "'%s':%zu:%zu: malformed YAML: %s%s%s", name,
				       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				       parser.problem ? parser.problem : "parse error", parser.context ? " " : "",
				       parser.context ? parser.context : "");
			break;
		}
		/* where the event sits: a mapping key, a mapping value, an item */
		if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_MAPPING_START_EVENT ||
		    ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_ALIAS_EVENT) {
			if (depth && !deep && stack[depth - 1] == 1) {
				is_key = 1;
				stack[depth - 1] = 2;
			} else if (depth && !deep && stack[depth - 1] == 2) {
				stack[depth - 1] = 1;
			}
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			next_is_image = 0;
			if (depth < sizeof(stack))
				stack[depth++] = ev.type == YAML_MAPPING_START_EVENT ? 1 : 0;
			else
				deep++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (deep)
				deep--;
			else if (depth)
				depth--;
			break;
		case YAML_ALIAS_EVENT:
			next_is_image = 0;
			break;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;
			size_t vl = ev.data.scalar.length;

			if (is_key) {
				next_is_image = vl == 5 && !memcmp(v, "image", 5);
				break;
			}
			if (!next_is_image)
				break;
			next_is_image = 0;
			if (!names_repo(v, vl, repo))
				break;
			st->matched++;
			if (!st->first_line)
				st->first_line = (long long)ev.start_mark.line + 1;
			if (st->nr_lines < DP_PIN_LINES)
				st->lines[st->nr_lines++] = (long long)ev.start_mark.line + 1;
			if (ev.data.scalar.anchor || (ev.data.scalar.tag && !ev.data.scalar.plain_implicit &&
						      !ev.data.scalar.quoted_implicit)) {
				err = qg_error(QG_EINPUT, "'%s':%zu:%zu: the image value carries an anchor or a tag; "
					       "expected a plain or quoted scalar", name, ev.start_mark.line + 1,
					       ev.start_mark.column + 1);
				break;
			}
			if (ev.data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
			    ev.data.scalar.style == YAML_FOLDED_SCALAR_STYLE) {
				err = qg_error(QG_EINPUT, "'%s':%zu:%zu: the image value is a block scalar (| or >); "
					       "expected a plain or quoted scalar", name, ev.start_mark.line + 1,
					       ev.start_mark.column + 1);
				break;
			}
			if (vl == want.len && !memcmp(v, want.buf, vl))
				break; /* pinned already */
			{
				size_t b0 = byte_at(&cur, ev.start_mark.index), b1 = byte_at(&cur, ev.end_mark.index);
				const char *q = ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ? "'" :
						ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? "\"" : "";

				/* the span must start where the scalar does: its quote, or its first byte */
				if (b1 <= b0 || b0 < copied || (*q ? text[b0] != *q || text[b1 - 1] != *q : text[b0] != v[0])) {
					err = qg_error(QG_ERROR, "'%s':%zu:%zu: cannot locate the image value's bytes", name,
						       ev.start_mark.line + 1, ev.start_mark.column + 1);
					break;
				}
				err = qg_buf_add(out, text + copied, b0 - copied);
				if (!err)
					err = qg_buf_addf(out, "%s%s%s", q, want.buf, q);
				copied = b1;
				st->changed++;
			}
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (!err)
		err = qg_buf_add(out, text + copied, len - copied);
	qg_buf_release(&want);
	return err;
}
