/* env.h -- strict reading of qgate's own environment variables (QG_*)
 *
 * Invariant: a QG_* variable that is set to a value qgate does not accept is
 * an error (QG_EUSAGE, exit 2) naming the variable, its value and what is
 * expected; it is never silently replaced by the default. Unset or empty
 * means the default. The gates check every variable once at start
 * (qg_env_check() in lib/core/gate.c), before reading any input, so code that
 * cannot fail (qg_cpu_level()) may read them later without a way to report.
 */
#ifndef QGATE_ENV_H
#define QGATE_ENV_H

#include <stddef.h>

/* `name` must be one of `values` (n of them): *index is its position, or -1
 * when unset or empty. 0, or QG_EUSAGE listing the accepted values. */
int qg_env_choice(const char *name, const char *const *values, size_t n, int *index);

/* `name` must be a decimal integer in [min, max]: *out is set to it, left
 * alone when unset or empty. 0, or QG_EUSAGE naming the range. */
int qg_env_long(const char *name, long min, long max, long *out);

/* Check every QG_* variable qgate reads (QG_SIMD, QG_HTTP_CONNECT_TIMEOUT,
 * QG_HTTP_LOW_SPEED_TIME, QG_HTTP_TIMEOUT, QG_HTTP_ALLOW_UNFRAMED,
 * QG_JUNIT_SPLIT_MIN).
 * 0, or QG_EUSAGE for the first invalid one. */
int qg_env_check(void);

/* The accepted values of QG_SIMD, in the order of enum qg_cpu_level's
 * meaning (see cpu.h): "avx2", "sse2", "0", "scalar", "off", "general". */
extern const char *const qg_env_simd_values[];
extern const size_t qg_env_simd_count;

#endif
