/* calc.h -- the example project's library: a few functions worth testing */
#ifndef CALC_H
#define CALC_H

int calc_clamp(int v, int lo, int hi);
int calc_gcd(int a, int b);
/* Parse a decimal integer: 0 and *out set, or -1 on junk or overflow. */
int calc_parse(const char *s, long *out);

#endif
