/* diagnose.c -- say what is wrong with a predictions file, not only where
 *
 * Two questions a bare "bad value at row 2" leaves to the user: which
 * columns the file has when one is missing (a ';' file read with ',' has one
 * column named "label;score"), and why a label does not fit the task (a
 * binary task on a file with three classes, string labels without
 * --pos-label, continuous labels that belong to a regression). Both are
 * answered here on the error path only: the label survey reads on through
 * the rest of the table, which costs nothing when the input is good.
 */
#include "qgate/common.h"

#include <ctype.h>
#include <math.h>

#include "qgate/table.h"

#include "diagnose.h"
#include "predictions.h"

#define SURVEY_MAX 20 /* distinct labels worth naming */
#define SHOWN 5

int model_columns_found(struct qg_buf *out, const struct qg_cell *names, size_t n)
{
	static const char delims[] = ";|\t:";
	int err = qg_buf_addstr(out, " (columns found: ");

	for (size_t i = 0; !err && i < n && i < SURVEY_MAX; i++)
		err = qg_buf_addf(out, "%s'%.*s'", i ? ", " : "", (int)(names[i].len > 64 ? 64 : names[i].len),
				  names[i].ptr);
	if (!err && n > SURVEY_MAX)
		err = qg_buf_addf(out, ", ... %zu in all", n);
	if (!err && !n)
		err = qg_buf_addstr(out, "none");
	if (!err && n == 1) {
		/* one column whose name holds a likely delimiter: the file is split on another character */
		for (const char *d = delims; *d; d++)
			if (memchr(names[0].ptr, *d, names[0].len)) {
				char one[2] = { *d, 0 };
				err = qg_buf_addf(out, "; is the file split on '%s'? give --delimiter '%s'",
						  *d == '\t' ? "\\t" : one, *d == '\t' ? "tab" : one);
				break;
			}
	}
	if (!err)
		err = qg_buf_addch(out, ')');
	return err;
}

/* Binary-readable values count as "0"/"1" whatever their spelling. */
static void canonical(const char *p, size_t len, int binary, const char **out, size_t *out_len)
{
	double v;
	if (binary && ((len == 4 && !strncasecmp(p, "true", 4)) || (!model_parse_double(&v, p, len) && v == 1))) {
		*out = "1";
		*out_len = 1;
	} else if (binary && ((len == 5 && !strncasecmp(p, "false", 5)) || (!model_parse_double(&v, p, len) && v == 0))) {
		*out = "0";
		*out_len = 1;
	} else {
		*out = p;
		*out_len = len > 64 ? 64 : len;
	}
}

static int note(struct qg_strvec *seen, const char *p, size_t len, int binary)
{
	const char *v;
	size_t vlen;
	char *one;
	int err;

	canonical(p, len, binary, &v, &vlen);
	for (size_t i = 0; i < seen->nr; i++)
		if (strlen(seen->v[i]) == vlen && !memcmp(seen->v[i], v, vlen))
			return 0;
	if (!(one = qg_strndup(v, vlen)))
		return qg_error(QG_ENOMEM, "out of memory");
	err = qg_strvec_push(seen, one);
	free(one);
	return err ? qg_error(QG_ENOMEM, "out of memory") : 0;
}

int model_label_survey(struct qg_buf *out, int *pos_found, struct qg_table *t, long col, const char *const *seeds,
		       const char *bad, size_t bad_len, const char *pos_label)
{
	struct qg_strvec seen = QG_STRVEC_INIT;
	struct qg_record rec;
	int err = 0, numeric = 1, integral = 1, binary = !pos_label;

	for (size_t i = 0; !err && seeds && seeds[i]; i++)
		err = note(&seen, seeds[i], strlen(seeds[i]), binary);
	if (!err)
		err = note(&seen, bad, bad_len, binary);
	while (!err && seen.nr <= SURVEY_MAX && qg_table_next(t, &rec) == 1) {
		const struct qg_cell *c;
		if (col < 0 || (size_t)col >= rec.nr)
			continue;
		c = &rec.cells[col];
		if (c->flags & (QG_CELL_MISSING | QG_CELL_NULL) || memchr(c->ptr, '\0', c->len))
			continue;
		err = note(&seen, c->ptr, c->len, binary);
	}
	if (err)
		goto done;
	*pos_found = 0;
	for (size_t i = 0; i < seen.nr; i++) {
		double v;
		if (pos_label && !strcmp(seen.v[i], pos_label))
			*pos_found = 1;
		if (model_parse_double(&v, seen.v[i], strlen(seen.v[i])))
			numeric = 0;
		else if (v != floor(v))
			integral = 0;
	}
	if (seen.nr > SURVEY_MAX)
		err = qg_buf_addf(out, ": the label column has more than %d distinct values (", SURVEY_MAX);
	else
		err = qg_buf_addf(out, ": the label column has %zu distinct value%s (", seen.nr, seen.nr == 1 ? "" : "s");
	for (size_t i = 0; !err && i < seen.nr && i < SHOWN; i++)
		err = qg_buf_addf(out, "%s'%s'", i ? ", " : "", seen.v[i]);
	if (!err && seen.nr > SHOWN)
		err = qg_buf_addstr(out, ", ...");
	if (err)
		goto done;
	if (pos_label && !*pos_found)
		err = qg_buf_addf(out, "): --pos-label '%s' is none of them", pos_label);
	else if (numeric && (!integral || seen.nr > SURVEY_MAX))
		err = qg_buf_addstr(out, "), numbers that look continuous: is this --task regression?");
	else if (seen.nr > 2)
		err = qg_buf_addstr(out, "): more than two classes need --task multiclass");
	else
		err = qg_buf_addstr(out, "): binary labels are 0/1 or true/false; for string labels give "
					 "--pos-label (the positive class)");
done:
	qg_strvec_clear(&seen);
	return err;
}

int model_regression_label_hint(struct qg_buf *out, const char *p, size_t len)
{
	int alpha = 0; /* a letter that no number has ('1e5' and 'inf' are numbers' spellings) */
	for (size_t i = 0; i < len; i++)
		alpha |= isalpha((unsigned char)p[i]) && p[i] != 'e' && p[i] != 'E';
	if (!alpha || (len == 3 && !strncasecmp(p, "nan", 3)) || (len >= 3 && !strncasecmp(p + (*p == '-' || *p == '+'), "inf", 3)))
		return 0;
	return qg_buf_addstr(out, ": --task regression needs numeric labels (class labels need --task binary or "
				  "multiclass)");
}
