/* fuzz_lint_struct.c -- libFuzzer target for the json, yaml and xml built-in checks
 *
 * The first byte picks the check (low 2 bits) and, for the streaming json
 * check, the size of the pieces lines are cut into (the rest); the other
 * bytes are the file, written to a temp file that whole-file checks read
 * through lint_reader as they would a work-tree file.
 * Oracles: a malformed file is a finding, never an error (the check returns
 * 0 on any bytes); every finding is rule = the check, level error or
 * warning, with a line; for json, jsonscan's tree (an independent parser)
 * decides: a document it refuses gives exactly one finding, one it accepts
 * gives one finding per duplicate key (up to the cap and its summary line).
 */
#include "fuzz_lint_common.h"

#include <fcntl.h>
#include <unistd.h>

static char path[64];

static void drop_temp(void)
{
	unlink(path);
}

static int count_dup(void *ud, uint32_t a, uint32_t b)
{
	(void)a;
	(void)b;
	(*(int *)ud)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = { "json", "yaml", "xml" };
	static const char *const names[] = { "f.json", "f.yaml", "f.xml" };
	const struct lint_checker *c;
	struct lint_findings fs = { 0 };
	struct lint_file f;
	int fd, err, k;

	if (!size)
		return 0;
	k = (data[0] & 3) % 3;
	if (!*path) { /* tmpfs when there is one: ext4 flushes a truncated file on close */
		snprintf(path, sizeof(path), "%s/fuzz_lint_struct.%d", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm",
			 (int)getpid());
		atexit(drop_temp);
	}
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
	if (c->file) {
		err = c->file(NULL, &f, &fs);
	} else {
		const char *s = (const char *)data + 1, *e = (const char *)data + size;
		size_t piece = (size_t)(data[0] >> 2) + 1;
		long long lineno = 1;
		int cont = 0;
		void *st = c->begin(NULL, &f);
		if (!st)
			abort();
		err = 0;
		while (s < e && !err) {
			const char *nl = memchr(s, '\n', (size_t)(e - s));
			size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(e - s);
			if (n > piece)
				n = piece;
			err = c->line(st, s, n, lineno, cont, &fs);
			cont = s[n - 1] != '\n';
			lineno += !cont;
			s += n;
		}
		if (err == LINT_LINE_DONE)
			err = 0;
		if (c->end(st, &fs) < 0 || err)
			abort();
	}
	if (err)
		abort(); /* malformed input is a finding, not an error */
	check_findings(&fs);
	for (size_t i = 0; i < fs.nr; i++)
		if (strcmp(fs.v[i].rule, ids[k]) || strcmp(fs.v[i].tool, "builtin") || fs.v[i].level == LINT_NOTE)
			abort();
	if (k == 0) {
		struct js_doc d;
		int dups = 0, syntax = 0;
		for (size_t i = 0; i < fs.nr; i++)
			syntax += !strncmp(fs.v[i].message, "malformed JSON", 14) || !strncmp(fs.v[i].message, "empty file", 10);
		if (js_parse(&d, (const char *)data + 1, size - 1, "x") < 0) {
			if (syntax != 1) /* duplicates before the error may be reported too */
				abort();
		} else {
			js_check_dups(&d, count_dup, &dups);
			if (syntax || (int)fs.nr != (dups > 100 ? 101 : dups))
				abort();
		}
		js_release(&d);
	}
	lint_findings_release(&fs);
	qg_error_clear();
	return 0;
}
