/* fuzz_lint_struct.c -- libFuzzer target for the json, yaml and xml built-in checks
 *
 * The first byte picks the check; the rest is the file, written to a temp
 * file the check reads through lint_reader as it would a work-tree file.
 * Oracles: a malformed file is a finding, never an error (the check returns
 * 0 on any bytes); every finding is rule = the check, level error or
 * warning, with a line; for json, the JSON tree decides: a document it
 * refuses gives exactly one finding, one it accepts gives one finding per
 * duplicate key (up to the cap).
 */
#include "fuzz_lint_common.h"

#include <fcntl.h>
#include <unistd.h>

static int count_dup(void *ud, uint32_t a, uint32_t b)
{
	(void)a;
	(void)b;
	(*(int *)ud)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static const char *const ids[] = { "json", "yaml", "xml" };
	static const char *const names[] = { "f.json", "f.yaml", "f.xml" };
	const struct lint_checker *c;
	struct lint_findings fs = { 0 };
	struct lint_file f;
	int fd, err, k;

	if (!size)
		return 0;
	k = data[0] % 3;
	if (!*path)
		snprintf(path, sizeof(path), "/tmp/fuzz_lint_struct.%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	memset(&f, 0, sizeof(f));
	f.path = names[k];
	f.abs = path;
	f.size = (long long)size - 1;
	for (c = lint_struct_checkers; c->id && strcmp(c->id, ids[k]); c++)
		;
	if (!c->id || !c->applies(&f))
		abort();
	err = c->file(NULL, &f, &fs);
	if (err)
		abort(); /* malformed input is a finding, not an error */
	check_findings(&fs);
	for (size_t i = 0; i < fs.nr; i++)
		if (strcmp(fs.v[i].rule, ids[k]) || strcmp(fs.v[i].tool, "builtin") || fs.v[i].level == LINT_NOTE)
			abort();
	if (k == 0) {
		struct js_doc d;
		int dups = 0;
		if (js_parse(&d, (const char *)data + 1, size - 1, "x") < 0 || size == 1) {
			if (fs.nr != 1)
				abort();
		} else {
			js_check_dups(&d, count_dup, &dups);
			if ((int)fs.nr != (dups > 100 ? 101 : dups))
				abort();
		}
		js_release(&d);
	}
	lint_findings_release(&fs);
	qg_error_clear();
	return 0;
}
