/* env.c -- strict reading of the QG_* environment variables (include/qgate/env.h)
 *
 * A CI machine sets these once for every run, so a typo (QG_SIMD=avx or
 * QG_HTTP_CONNECT_TIMEOUT=30s) must stop the gate with exit 2 rather than run
 * with the default and pass. The message names the variable, the value (cut
 * and shown escaped: it is not trusted text) and the accepted values.
 */
#include "qgate/common.h"

#include <limits.h>

#include "qgate/env.h"

const char *const qg_env_simd_values[] = { "avx2", "sse2", "0", "scalar", "off", "general" };
const size_t qg_env_simd_count = QG_ARRAY_SIZE(qg_env_simd_values);

/* the value for a message: printable ASCII kept, other bytes as \xNN */
static void shown(char *out, size_t n, const char *v)
{
	size_t o = 0;

	for (; *v && o + 8 < n; v++) {
		unsigned char c = (unsigned char)*v;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
	}
	if (*v && o + 4 <= n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int qg_env_choice(const char *name, const char *const *values, size_t n, int *index)
{
	const char *v = getenv(name);
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	char val[80];
	int err = 0;
	size_t i;

	*index = -1;
	if (!v || !*v)
		return 0;
	for (i = 0; i < n; i++) {
		if (!strcmp(v, values[i])) {
			*index = (int)i;
			return 0;
		}
	}
	for (i = 0; i < n && !err; i++)
		err = qg_buf_addf(&b, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", values[i]);
	shown(val, sizeof(val), v);
	err = qg_error(QG_EUSAGE, "environment variable %s='%s': expected %s (or unset)", name, val,
		       err ? "another value" : b.buf);
	qg_buf_release(&b);
	return err;
}

int qg_env_long(const char *name, long min, long max, long *out)
{
	const char *v = getenv(name);
	char val[80], *end;
	long n;

	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max || (*v != '-' && (*v < '0' || *v > '9'))) {
		shown(val, sizeof(val), v);
		return qg_error(QG_EUSAGE, "environment variable %s='%s': expected an integer from %ld to %ld (or unset)",
				name, val, min, max);
	}
	*out = n;
	return 0;
}

int qg_env_check(void)
{
	long l;
	int i, err;

	if ((err = qg_env_choice("QG_SIMD", qg_env_simd_values, qg_env_simd_count, &i)) < 0)
		return err;
	/* seconds, the range lib/net/http.c accepts (one week at most) */
	if ((err = qg_env_long("QG_HTTP_CONNECT_TIMEOUT", 1, 604800L, &l)) < 0 ||
	    (err = qg_env_long("QG_HTTP_LOW_SPEED_TIME", 1, 604800L, &l)) < 0)
		return err;
	if ((err = qg_env_long("QG_HTTP_TIMEOUT", 1, 604800L, &l)) < 0)
		return err;
	/* bytes: qgate-test reads a JUnit report this big as two pieces at
	 * once (gates/test/junit_split.c); 0 = never */
	if ((err = qg_env_long("QG_JUNIT_SPLIT_MIN", 0, LONG_MAX, &l)) < 0)
		return err;
	/* lib/net/http.c: "1" accepts close-delimited bodies */
	{
		static const char *const unframed[] = { "0", "1" };

		return qg_env_choice("QG_HTTP_ALLOW_UNFRAMED", unframed, QG_ARRAY_SIZE(unframed), &i);
	}
}
