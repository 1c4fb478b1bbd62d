/* common.h -- included first by every qgate .c file */
#ifndef QGATE_COMMON_H
#define QGATE_COMMON_H

#define _GNU_SOURCE 1
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qgate/error.h"
#include "qgate/buf.h"
#include "qgate/strvec.h"

#define QG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define QG_UNUSED __attribute__((unused))

/* Overflow-checked growth for arrays: ensures alloc >= nr, NULL-safe.
 * Returns 0 or QG_ENOMEM. */
int qg_alloc_grow(void **ptr, size_t *alloc, size_t nr, size_t elem);
#define QG_ALLOC_GROW(p, nr, alloc) qg_alloc_grow((void **)&(p), &(alloc), (nr), sizeof(*(p)))

char *qg_strdup(const char *s); /* NULL-safe: NULL in, NULL out */
char *qg_strndup(const char *s, size_t n);

#include "qgate/banned.h"

#endif
