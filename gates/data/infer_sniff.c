/* infer_sniff.c -- the dialect of a CSV file from its head
 *
 * qgate-data infer reads the head of every CSV input (64 KiB, at most 100
 * records) before the real read: the delimiter (',', ';', tab, '|': the one
 * giving the same number of fields, more than one, on every record) and
 * whether the first record is a header (a column whose values are all
 * numbers, dates or booleans under a first cell that is not says "header";
 * first cells of their columns' type say "no header"; nothing typed: a
 * header). infer.c decides across inputs and says what it decided.
 */
#include "qgate/common.h"

#include <sys/stat.h>

#include "qgate/stream.h"
#include "infer_sniff.h"
#include "schema.h"

#define SNIFF_BYTES (64u << 10)
#define SNIFF_RECORDS 100

/* Split the head into records on delimiter d (quotes honoured, "" inside
 * quotes is a quote) and return how many complete records there are among
 * the first SNIFF_RECORDS (with `cut`, the last one, cut by the end of the
 * head, is left out; blank lines are skipped). When not NULL, ncells[r]
 * gets record r's cell count and cells[k] the text of column k (k < 64). */
static int sniff_split(const char *b, size_t n, int cut, char d, int *ncells, struct qg_strvec *cells)
{
	size_t i = 0;
	int rec = 0;
	struct qg_buf cur = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_strvec row = QG_STRVEC_INIT;

	while (i < n && rec < SNIFF_RECORDS) {
		int q = 0, fields = 1, err = 0;
		size_t start = i;

		qg_buf_reset(&cur);
		qg_strvec_clear(&row);
		while (i < n) {
			char ch = b[i];

			if (q) {
				if (ch == '"' && i + 1 < n && b[i + 1] == '"') {
					err = qg_buf_addch(&cur, '"');
					i += 2;
					continue;
				}
				if (ch == '"')
					q = 0;
				else
					err = qg_buf_addch(&cur, ch);
			} else if (ch == '"') {
				q = 1;
			} else if (ch == d) {
				fields++;
				if (cells && !err)
					err = qg_strvec_push(&row, cur.buf ? cur.buf : "");
				qg_buf_reset(&cur);
			} else if (ch == '\n') {
				break;
			} else if (ch != '\r') {
				err = qg_buf_addch(&cur, ch);
			}
			if (err)
				break;
			i++;
		}
		if (err || (i >= n && cut))
			break; /* out of memory (treated as nothing more), or the cut record */
		i++;
		if (i - start <= 1 || (i - start == 2 && b[start] == '\r'))
			continue; /* a blank line */
		if (ncells)
			ncells[rec] = fields;
		if (cells) {
			if (qg_strvec_push(&row, cur.buf ? cur.buf : "") < 0)
				break;
			/* the first 64 columns vote on the header */
			for (size_t k = 0; k < row.nr && k < 64; k++)
				if (qg_strvec_push(&cells[k], row.v[k]) < 0)
					break;
		}
		rec++;
	}
	qg_buf_release(&cur);
	qg_strvec_clear(&row);
	return rec;
}

static char sniff_delimiter(const char *b, size_t n, int cut)
{
	static const char cand[] = { ',', '\t', ';', '|' };
	int counts[SNIFF_RECORDS];
	int best = -1, best_score = 0, best_fields = 0;

	for (int c = 0; c < (int)sizeof(cand); c++) {
		int nr = sniff_split(b, n, cut, cand[c], counts, NULL), score = 0;

		if (nr < 1 || counts[0] < 2)
			continue;
		for (int k = 0; k < nr; k++)
			score += counts[k] == counts[0];
		if (score == nr)
			score = 2 * nr + 1; /* every record alike wins */
		if (score > best_score || (score == best_score && counts[0] > best_fields)) {
			best = c;
			best_score = score;
			best_fields = counts[0];
		}
	}
	return best < 0 ? ',' : cand[best];
}

enum { K_NONE, K_INT, K_NUM, K_BOOL, K_DATE };

static int value_kind(const char *s, size_t n)
{
	long long ik;
	double d;

	if (!n)
		return K_NONE;
	if (data_value_int(s, n, 0, &ik) == 0)
		return K_INT;
	if (data_value_number(s, n, '.', 0, &d) == 0)
		return K_NUM;
	if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 5 && !strncasecmp(s, "false", 5)))
		return K_BOOL;
	if (data_value_date(s, n, &ik) == 0)
		return K_DATE;
	return -1; /* text */
}

/* 1 when the first record looks like a header: a typed column (every
 * non-empty value below is a number, boolean or date) whose first cell is
 * not of that type; 0 when typed columns all have a first cell of their
 * type; 1 when nothing is typed (names cannot be told from values). */
static int sniff_header(const char *b, size_t n, int cut, char d)
{
	struct qg_strvec cells[64];
	int nr, yes = 0, no = 0;

	for (int k = 0; k < 64; k++)
		qg_strvec_init(&cells[k]);
	nr = sniff_split(b, n, cut, d, NULL, cells);
	for (int k = 0; nr >= 2 && k < 64 && cells[k].nr >= 2; k++) {
		int kind = K_NONE, first;

		for (size_t i = 1; i < cells[k].nr; i++) {
			int v = value_kind(cells[k].v[i], strlen(cells[k].v[i]));

			if (v == K_NONE)
				continue;
			if (kind == K_NONE || kind == v)
				kind = v;
			else if ((kind == K_INT && v == K_NUM) || (kind == K_NUM && v == K_INT))
				kind = K_NUM;
			else
				kind = -1;
			if (kind < 0)
				break;
		}
		if (kind <= K_NONE)
			continue;
		first = value_kind(cells[k].v[0], strlen(cells[k].v[0]));
		if (first == K_NONE)
			continue;
		if (first == kind || (kind == K_NUM && first == K_INT))
			no++;
		else
			yes++;
	}
	for (int k = 0; k < 64; k++)
		qg_strvec_clear(&cells[k]);
	return yes > 0 || !no;
}

/* Read the head of spec (decompressed) and decide its dialect. A local
 * file is stamped first: it is read again, so it must be the same file at
 * the end (data_infer checks). */
int data_sniff_file(struct data_sniff *out, const char *spec, char delim, const char *header_opt,
		    struct qg_file_stamp *stamp)
{
	struct qg_stream *st;
	struct stat sb;
	char *buf;
	size_t n = 0;
	ssize_t k = 1;
	int err;

	if (!qg_stream_is_url(spec) && stat(spec, &sb) == 0 && S_ISREG(sb.st_mode))
		qg_file_stamp_set(stamp, &sb);
	buf = malloc(SNIFF_BYTES);
	if (!buf)
		return qg_error(QG_ENOMEM, "out of memory");
	if ((err = qg_stream_open(&st, spec, 0)) < 0) {
		free(buf);
		return err;
	}
	while (n < SNIFF_BYTES && (k = qg_stream_read(st, buf + n, SNIFF_BYTES - n)) > 0)
		n += (size_t)k;
	qg_stream_free(st);
	if (k < 0) {
		free(buf);
		return (int)k;
	}
	out->delim = delim ? delim : sniff_delimiter(buf, n, n == SNIFF_BYTES);
	if (header_opt && !strcmp(header_opt, "yes"))
		out->header = 1;
	else if (header_opt && !strcmp(header_opt, "no"))
		out->header = 0;
	else
		out->header = sniff_header(buf, n, n == SNIFF_BYTES, out->delim);
	out->records = sniff_split(buf, n, n == SNIFF_BYTES, out->delim, NULL, NULL);
	free(buf);
	return 0;
}

const char *data_delim_name(char d, char *tmp)
{
	if (d == '\t')
		return "tab";
	tmp[0] = '\'';
	tmp[1] = d;
	tmp[2] = '\'';
	tmp[3] = 0;
	return tmp;
}

/* A URL or a regular file can be read twice; a FIFO or a device cannot. */
int data_sniffable(const char *spec)
{
	struct stat sb;

	return qg_stream_is_url(spec) || (stat(spec, &sb) == 0 && S_ISREG(sb.st_mode));
}
