/* test_flaky.c -- a test that fails on its first run and passes after
 *
 * It stands for the timing-dependent test every project has: the first
 * attempt fails, a retry passes. It keeps its attempt count in the file
 * named by FLAKY_STATE (the demo points it into its scratch folder), so
 * `qgate-test --retries 1` reports it flaky, and without retries it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "calc.h"

static int next_attempt(void)
{
	const char *path = getenv("FLAKY_STATE");
	FILE *f;
	int n = 0;

	if (!path)
		return 1;
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 0;
		fclose(f);
	}
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", n + 1);
		fclose(f);
	}
	return n + 1;
}

static void gcd_under_load(void **state)
{
	(void)state;
	/* "the server was slow": only the first attempt sees it */
	assert_true(next_attempt() > 1);
	assert_int_equal(calc_gcd(270, 192), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gcd_under_load),
	};

	return cmocka_run_group_tests_name("flaky", tests, NULL, NULL);
}
