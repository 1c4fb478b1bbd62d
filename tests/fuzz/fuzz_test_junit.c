/* fuzz_test_junit.c -- libFuzzer target for qgate-test's JUnit reader
 *
 * The input is a report, handed to test_read_junit() through a memfd (the
 * reader takes a path, as --junit-in does). Reading either fails with
 * QG_EINPUT (or QG_ENOMEM) naming the file and appends nothing, or succeeds
 * with every case well formed: names present, an outcome in range, a
 * source naming the file, messages bounded, attempts >= 1 and a flaky case
 * passed; the plain passes and skips kept compact each parse, sort and
 * render to as many cases. Anything else aborts.
 */
#define _GNU_SOURCE 1
#include "qgate/common.h"

#include <sys/mman.h>
#include <unistd.h>

#include "test/test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct test_results rs = { 0 };
	int err;

	if (fd < 0) {
		fd = memfd_create("fuzz-junit", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err = test_read_junit(path, &rs);
	if (err) {
		if (rs.nr || rs.nr_compact ||
		    (err != QG_ENOMEM && (err != QG_EINPUT || !strstr(qg_error_last(), path))))
			abort();
		return 0;
	}
	for (size_t i = 0; i < rs.nr; i++) {
		const struct test_case *c = &rs.v[i];

		if (!c->classname || !c->name || !c->source || strcmp(c->source, path))
			abort();
		if (c->outcome < TEST_PASS || c->outcome > TEST_ERROR || c->attempts < 1)
			abort();
		if (c->flaky && c->outcome != TEST_PASS)
			abort();
		if (c->message && strlen(c->message) > (4 << 10) + 16)
			abort();
		if (c->detail && strlen(c->detail) > (64 << 10) + 16)
			abort();
	}
	if (rs.suite_errors < 0 || rs.declared_failures < 0 || rs.declared_errors < 0)
		abort();
	/* the compact lines (passes and skips, and failures and errors once they
	 * spill to runs): one well-formed line each, and
	 * they sort and render as a result lists them */
	{
		struct test_compact_line l;
		struct test_cases_iter it;
		size_t lines = 0, back = 0;
		char *cases;

		for (size_t i = 0; i < rs.compact_len; lines++) {
			size_t len = strcspn(rs.compact + i, "\n");

			if (test_compact_parse(&rs, &l, rs.compact + i, len) < 0 || !strchr("psfe", l.outcome) ||
			    l.msg_len > 3 * 1024 + 16)
				abort();
			i += len + 1;
		}
		if (lines != rs.nr_compact || test_compact_sort(&rs) < 0 || !(cases = test_compact_render(&rs)))
			abort();
		test_cases_begin(&it, cases);
		while (test_cases_next(&it, &l) > 0)
			back++;
		if (back != rs.nr_compact || test_cases_next(&it, &l) != 0)
			abort();
		free(cases);
	}
	test_results_release(&rs);
	return 0;
}
