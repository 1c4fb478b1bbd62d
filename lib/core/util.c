/* util.c -- small allocation helpers used everywhere
 *
 * Growth is overflow-checked so that a hostile size can never wrap into a
 * small allocation.
 */
#include "qgate/common.h"

int qg_alloc_grow(void **ptr, size_t *alloc, size_t nr, size_t elem)
{
	size_t want;
	void *p;

	if (nr <= *alloc)
		return 0;
	want = *alloc ? *alloc : 8;
	while (want < nr) {
		if (want > SIZE_MAX / 2)
			return qg_error(QG_ENOMEM, "allocation of %zu elements overflows", nr);
		want *= 2;
	}
	if (elem && want > SIZE_MAX / elem)
		return qg_error(QG_ENOMEM, "allocation of %zu elements overflows", want);
	p = realloc(*ptr, want * elem);
	if (!p)
		return qg_error(QG_ENOMEM, "out of memory (%zu bytes)", want * elem);
	*ptr = p;
	*alloc = want;
	return 0;
}

char *qg_strdup(const char *s)
{
	return s ? qg_strndup(s, strlen(s)) : NULL;
}

char *qg_strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = malloc(n + 1);
	if (!p) {
		qg_error(QG_ENOMEM, "out of memory (%zu bytes)", n + 1);
		return NULL;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
