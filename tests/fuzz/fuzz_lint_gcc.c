/* fuzz_lint_gcc.c -- libFuzzer target for the gcc-style text and regex parsers
 *
 * The input is a compiler's (or shellcheck's, yamllint's) text output. Text
 * is never malformed: the gcc parser must succeed on any bytes. Oracles: the
 * findings keep their invariants; the same text with CRLF line ends gives the
 * same findings; "auto" on text that sniffs as gcc gives the same count; a
 * fixed regex over the same text never crashes and also succeeds. The
 * bytes up to the first NUL are also a --run command line: split, it is
 * either argv (at least one word) or QG_EUSAGE with a message.
 */
#include "fuzz_lint_common.h"

static size_t run(const char *parser, const char *data, size_t len, struct lint_findings *fs)
{
	struct lint_tools ts = { 0 };
	int err = lint_parse_buf(NULL, parser, NULL, "fuzz.txt", data, len, fs, &ts);

	check_error(err);
	if (err && err != QG_ENOMEM && strncmp(parser, "regex:", 6) == 0)
		abort();
	check_findings(fs);
	lint_tools_release(&ts);
	return err ? (size_t)-1 : fs->nr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lint_findings a = { 0 }, b = { 0 };
	struct qg_buf crlf = QG_BUF_INIT(1 << 24);
	size_t na, nb, i;
	int err;

	na = run("gcc", (const char *)data, size, &a);
	if (na == (size_t)-1)
		abort(); /* text is never malformed */
	/* CRLF: the same findings */
	for (i = 0; i < size; i++) {
		if (data[i] == '\r')
			goto skip_crlf; /* already has CRs: the oracle does not apply */
	}
	for (i = 0, err = 0; i < size && !err; i++)
		err = data[i] == '\n' ? qg_buf_add(&crlf, "\r\n", 2) : qg_buf_addch(&crlf, (char)data[i]);
	if (!err && memchr(data, 0x1b, size) == NULL) {
		nb = run("gcc", crlf.buf, crlf.len, &b);
		if (nb != na)
			abort();
		for (i = 0; i < na; i++)
			if (strcmp(a.v[i].message, b.v[i].message) || a.v[i].line != b.v[i].line ||
			    strcmp(a.v[i].rule, b.v[i].rule))
				abort();
	}
skip_crlf:
	lint_findings_release(&b);
	if (!strcmp(lint_parse_sniff((const char *)data, size), "gcc")) {
		nb = run("auto", (const char *)data, size, &b);
		if (nb != na)
			abort();
		lint_findings_release(&b);
	}
	run("regex:^(?<file>[^:\\s]+):(?<line>\\d+):(?:(?<col>\\d+):)? (?<severity>\\w+): (?<message>.*?)(?: \\[(?<rule>[^]]+)\\])?$",
	    (const char *)data, size, &b);
	lint_findings_release(&b);
	lint_findings_release(&a);
	qg_buf_reset(&crlf);
	if (qg_buf_add(&crlf, data, size) == 0) {
		struct qg_strvec argv = QG_STRVEC_INIT;
		err = lint_split_command(crlf.buf, &argv);
		if ((err == 0 && argv.nr == 0) || (err && err != QG_EUSAGE && err != QG_ENOMEM) ||
		    (err && !*qg_error_last()))
			abort();
		qg_strvec_clear(&argv);
	}
	qg_buf_release(&crlf);
	qg_error_clear();
	return 0;
}
