/* table.h -- record readers for CSV (RFC 4180), TSV and JSONL/NDJSON
 *
 * Invariants: records come out in order with the physical line (1-based) on
 * which each starts and its data row number (1-based, header excluded). Cells
 * point into the reader's buffer and are valid until the next
 * qg_table_next(). Quoted CSV cells are unescaped ("" -> "). For JSONL, the
 * columns are the caller's (qg_table_set_columns) or the first object's keys;
 * strings are unescaped, numbers/true/false keep their text, null is
 * QG_CELL_NULL, a key absent from a row is QG_CELL_MISSING, nested
 * objects/arrays keep their JSON text. Memory is bounded: a record longer
 * than max_record is an error naming the line, never an allocation of
 * whatever size. Errors name the source, line and column.
 *
 * Dialect decisions (lib/io/table_csv.c and table_jsonl.c; table.c opens a
 * table and serves this API):
 * - CSV: RFC 4180 quoting, CRLF or LF line ends, a UTF-8 BOM at the start of
 *   the input is dropped (columns count from after it). A quote inside an
 *   unquoted field is kept as text (a"b -> a"b); text after a closing quote
 *   is appended to the cell ("a"b -> ab), as Python's csv module does. A lone
 *   CR (not before LF) is data. An unterminated quote at the end of the input
 *   is QG_EPARSE at the opening quote. TSV: tab, no quoting at all.
 * - Blank lines (only whitespace in JSONL, empty or a lone CR in CSV/TSV)
 *   are skipped in every format; they still count as physical lines.
 * - Cells: rec->cells has at least max(nr, number of columns) entries;
 *   entries past nr of a short CSV row are QG_CELL_MISSING (text ""). A
 *   missing cell's column is where it was expected (end of the CSV record,
 *   the '}' of a JSONL object). Invalid UTF-8 and NUL bytes pass through.
 * - Every cell's text is followed by at least QG_TABLE_PAD readable bytes
 *   (their values are unspecified), so a checker may load whole words that
 *   run past a cell's end and mask off the excess.
 * - rec->text is the record's raw bytes as read (CSV/TSV: without the
 *   '\n'; JSONL: the line): every cell's text is made of these bytes, except
 *   that JSONL strings are unescaped (a line without a backslash has none).
 * - JSONL: a key that repeats in one object: the last value wins. null is
 *   QG_CELL_NULL with text "". A lone UTF-16 surrogate in \uXXXX comes out as
 *   its 3-byte (WTF-8) form, i.e. invalid UTF-8 that a validator reports.
 *   Nested values are fully checked JSON (depth <= 1024). A malformed line
 *   is QG_EPARSE "'f':LINE:COL: expected ..., found ..." for that line only:
 *   the next qg_table_next() goes on with the following line (a row number
 *   is not used up). Every other error (unterminated quote, record longer
 *   than max_record, more than 262144 cells, read failure) is sticky: the
 *   same code and message on every later call.
 * - Format AUTO: the extension (.csv .tsv .tab .jsonl .ndjson, under .gz or
 *   .zst); without one, '{' first means JSONL, a first line with tabs and no
 *   commas TSV, else CSV.
 */
#ifndef QGATE_TABLE_H
#define QGATE_TABLE_H

#include <stddef.h>

struct qg_stream;

enum qg_table_format { QG_FORMAT_AUTO = 0, QG_FORMAT_CSV, QG_FORMAT_TSV, QG_FORMAT_JSONL };

enum qg_cell_flags {
	QG_CELL_QUOTED = 1 << 0,  /* CSV: was quoted; JSONL: was a string */
	QG_CELL_NULL = 1 << 1,    /* JSONL null */
	QG_CELL_MISSING = 1 << 2, /* JSONL key absent; CSV: row shorter than header */
	QG_CELL_NUMBER = 1 << 3,  /* JSONL number literal */
	QG_CELL_BOOL = 1 << 4,    /* JSONL true/false */
	QG_CELL_NESTED = 1 << 5,  /* JSONL object or array (raw text) */
};

struct qg_cell {
	const char *ptr;
	unsigned len;   /* bytes (a record is at most max_record < 4 GiB) */
	unsigned flags;
	/* the cell's column: qg_record_cell_column() */
};

struct qg_record {
	struct qg_cell *cells;
	size_t nr;          /* cells in this row (CSV may differ from the header) */
	long long line;     /* physical line where the record starts */
	long long row;      /* data row, 1-based */
	size_t extra_keys;  /* JSONL: keys not among the columns */
	const char *text;   /* the record's raw bytes (see above) */
	size_t text_len;
	/* the cells' columns when they are not cells[i].ptr - text + 1 (NULL
	 * then); read them with qg_record_cell_column() */
	const long long *columns;
};

/* The 1-based byte column of cell i's start in its own physical line (for
 * quoted cells and JSON values: the opening quote; a missing cell: where it
 * was expected). Computed from the record when it can be: cheap, but meant
 * for the places that report a cell, not for every cell. */
long long qg_record_cell_column(const struct qg_record *rec, size_t i);

#define QG_TABLE_PAD 64 /* readable bytes after the text of every cell */

struct qg_table_opts {
	enum qg_table_format format; /* AUTO: from the source's extension */
	char delimiter;              /* 0: ',' for CSV, '\t' for TSV */
	int no_header;               /* CSV: the first line is data */
	size_t max_record;           /* bytes; 0 = 64 MiB */
	size_t block_size;           /* first buffer size and largest read of a
					memory source; 0 = 1 MiB. Tests use tiny
					values to put records across refills. */
};

struct qg_table;

/* Takes ownership of the stream (freed by qg_table_free, also on failure).
 * Reads the header (CSV) or nothing yet (JSONL). */
int qg_table_open(struct qg_table **out, struct qg_stream *s, const struct qg_table_opts *o);
/* Read another stream with t's buffers: qg_table_free(t) then
 * qg_table_open() without their allocations (a reader re-opened on the
 * next of many small files allocates and zeroes nothing). Takes ownership
 * of s and frees the stream t was reading. On failure t holds the error's
 * state: free it (or reopen it again). */
int qg_table_reopen(struct qg_table *t, struct qg_stream *s, const struct qg_table_opts *o);
/* The same reader over bytes in memory (fuzzers, tests, data already
 * loaded). `data` must stay valid until qg_table_free(); it is copied through
 * the reader's buffer in pieces of at most block_size bytes, so memory
 * input exercises exactly the code a stream does. `name` is for messages. */
int qg_table_open_memory(struct qg_table **out, const void *data, size_t len, const char *name,
			 const struct qg_table_opts *o);
/* Format from a file name's extension (.gz/.zst stripped), AUTO if unknown. */
enum qg_table_format qg_table_format_of(const char *name);
/* The format in use (never AUTO after a successful open). */
enum qg_table_format qg_table_format(const struct qg_table *t);
/* Column names (CSV header, JSONL columns). Valid for the table's lifetime. */
size_t qg_table_columns(const struct qg_table *t, const struct qg_cell **names);
/* JSONL: set the columns cells are reported in (copies the names); also
 * CSV/TSV opened with no_header (names only: cells stay positional).
 * QG_EUSAGE after the first qg_table_next() or for a CSV with a header.
 * JSONL without it: the first object's keys, known right after open. */
int qg_table_set_columns(struct qg_table *t, const char *const *names, size_t nr);
/* 1 with a record, 0 at the end, negative QG_E* on malformed input. */
int qg_table_next(struct qg_table *t, struct qg_record *rec);
/* The fast path: the next records, up to a few hundred at once (CSV/TSV;
 * JSONL gives one at a time). Returns the count (> 0) with *recs pointing
 * at them, 0 at the end, negative QG_E* as qg_table_next(). The records and
 * their cells are valid until the next call of either function. Mixing the
 * two calls is fine: records come out once each, in order. */
int qg_table_next_batch(struct qg_table *t, const struct qg_record **recs);
/* 1 when every record of the last qg_table_next_batch() had exactly as many
 * cells as there are columns, so that record r's cells are recs[0].cells +
 * r * columns (one array for the batch), none of them QG_CELL_NULL or
 * QG_CELL_MISSING (only CSV batches are regular); 0 when that is not known. */
int qg_table_batch_regular(const struct qg_table *t);
/* The physical line count seen so far (for the header line of CSV it is 1). */
long long qg_table_line(const struct qg_table *t);
const char *qg_table_name(const struct qg_table *t);
void qg_table_free(struct qg_table *t);

#endif
