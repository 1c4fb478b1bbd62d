/* dtoa.h -- the one shortest round-trip formatter for doubles
 *
 * Invariants: the text is the shortest "%.*g" spelling (precision 1..17,
 * C locale digits) that strtod reads back as exactly the same double, so
 * reports, configs turned into argv and messages all print a value the same
 * way and a value read back is the value written. Among spellings of equal
 * length it is the one "%.*g" gives (the nearest decimal, '%g' notation).
 */
#ifndef QGATE_DTOA_H
#define QGATE_DTOA_H

#include <stddef.h>

#define QG_DTOA_MAX 32 /* "-1.2345678901234567e-308" and a NUL fit */

enum qg_dtoa_flags {
	/* integers of magnitude below 2^53 in plain digits ("100000", not
	 * "1e+05"), -0 as "0": what JSON, results and config values use */
	QG_DTOA_PLAIN_INT = 1 << 0,
};

/* Write v into buf (QG_DTOA_MAX bytes) and return the text's length.
 * NaN and infinities come out as "%g" prints them ("nan", "-inf"): callers
 * that have a spelling of their own decide before calling. */
size_t qg_dtoa(char *buf, double v, unsigned flags);

#endif
