/* fuzz_deploy_pin.c -- libFuzzer target for `qgate-deploy pin`'s YAML splice
 *
 * pin rewrites bytes at offsets it derives from libyaml's marks (counted in
 * characters, a CRLF as two, after a byte-order mark), so any slip there
 * would corrupt a user's manifest. The input is the manifest; the repository
 * pinned is "r.io/app". The rewrite either fails cleanly (QG_EPARSE,
 * QG_EINPUT, QG_ERROR naming "fuzz.yaml"; QG_ENOMEM) or its output, read by
 * libyaml again, is the same stream of events as the input -- same kinds,
 * same scalar values and styles, anchors and tags -- except that the values
 * it counted as matches now read "r.io/app@sha256:...". Rewriting the output
 * again changes nothing.
 */
#include "qgate/common.h"

#include <yaml.h>

#include "deploy/pin_int.h"

#define REPO "r.io/app"
#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct events {
	yaml_event_t *v;
	size_t nr, alloc;
};

static void events_free(struct events *e)
{
	for (size_t i = 0; i < e->nr; i++)
		yaml_event_delete(&e->v[i]);
	free(e->v);
}

/* Every event of text, or -1 when libyaml refuses it. */
static int events_read(struct events *out, const char *text, size_t len)
{
	yaml_parser_t p;
	int ok = 1, end = 0;

	memset(out, 0, sizeof(*out));
	if (!yaml_parser_initialize(&p))
		return -1;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (ok && !end) {
		if (QG_ALLOC_GROW(out->v, out->nr + 1, out->alloc) < 0 || !yaml_parser_parse(&p, &out->v[out->nr])) {
			ok = 0;
			break;
		}
		end = out->v[out->nr].type == YAML_STREAM_END_EVENT;
		out->nr++;
	}
	yaml_parser_delete(&p);
	return ok ? 0 : -1;
}

static int same_str(const unsigned char *a, const unsigned char *b)
{
	return (!a && !b) || (a && b && !strcmp((const char *)a, (const char *)b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qg_buf out = QG_BUF_INIT(QG_CAP_FILE), again = QG_BUF_INIT(QG_CAP_FILE);
	struct dp_pin_stats st, st2;
	struct events a, b;
	size_t pinned = 0;
	int err = dp_pin_rewrite(&out, &st, "fuzz.yaml", (const char *)data, size, REPO, DIGEST);

	if (err) {
		if (err != QG_ENOMEM && !((err == QG_EPARSE || err == QG_EINPUT || err == QG_ERROR) &&
					  strstr(qg_error_last(), "fuzz.yaml")))
			abort();
		qg_buf_release(&out);
		return 0;
	}
	if (st.changed > st.matched || (!st.changed && (out.len != size || memcmp(out.buf, data, size))))
		abort(); /* nothing changed: the very same bytes */
	if (dp_pin_rewrite(&again, &st2, "fuzz.yaml", out.buf, out.len, REPO, DIGEST) != 0 ||
	    st2.matched != st.matched || st2.changed)
		abort();
	if (events_read(&a, (const char *)data, size) < 0 || events_read(&b, out.buf, out.len) < 0 || a.nr != b.nr)
		abort();
	for (size_t i = 0; i < a.nr; i++) {
		const yaml_event_t *x = &a.v[i], *y = &b.v[i];

		if (x->type != y->type)
			abort();
		if (x->type == YAML_SCALAR_EVENT) {
			if (x->data.scalar.style != y->data.scalar.style || !same_str(x->data.scalar.anchor, y->data.scalar.anchor) ||
			    !same_str(x->data.scalar.tag, y->data.scalar.tag))
				abort();
			if (!same_str(x->data.scalar.value, y->data.scalar.value)) {
				if (strcmp((const char *)y->data.scalar.value, REPO "@" DIGEST))
					abort();
				pinned++;
			}
		}
	}
	if (pinned != st.changed)
		abort();
	events_free(&a);
	events_free(&b);
	qg_buf_release(&out);
	qg_buf_release(&again);
	return 0;
}
