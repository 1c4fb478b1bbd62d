/* strvec.c -- NULL-terminated vectors of owned strings */
#include "qgate/common.h"

const char *qg_strvec_empty[] = { NULL };

void qg_strvec_init(struct qg_strvec *sv)
{
	sv->v = qg_strvec_empty;
	sv->nr = 0;
	sv->alloc = 0;
}

static int push_owned(struct qg_strvec *sv, char *s)
{
	const char **v = sv->alloc ? sv->v : NULL;

	if (!s)
		return QG_ENOMEM;
	if (qg_alloc_grow((void **)&v, &sv->alloc, sv->nr + 2, sizeof(*v)) < 0) {
		free(s);
		return QG_ENOMEM;
	}
	sv->v = v;
	sv->v[sv->nr++] = s;
	sv->v[sv->nr] = NULL;
	return 0;
}

int qg_strvec_push(struct qg_strvec *sv, const char *s)
{
	return push_owned(sv, qg_strdup(s));
}

int qg_strvec_pushf(struct qg_strvec *sv, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (err) {
		qg_buf_release(&b);
		return err;
	}
	return push_owned(sv, qg_buf_detach(&b, NULL));
}

int qg_strvec_pushv(struct qg_strvec *sv, const char *const *argv)
{
	for (; argv && *argv; argv++) {
		int err = qg_strvec_push(sv, *argv);

		if (err)
			return err;
	}
	return 0;
}

void qg_strvec_pop(struct qg_strvec *sv)
{
	if (!sv->nr)
		return;
	free((char *)sv->v[--sv->nr]);
	sv->v[sv->nr] = NULL;
}

void qg_strvec_clear(struct qg_strvec *sv)
{
	if (!sv)
		return;
	if (sv->alloc) {
		for (size_t i = 0; i < sv->nr; i++)
			free((char *)sv->v[i]);
		free(sv->v);
	}
	qg_strvec_init(sv);
}
