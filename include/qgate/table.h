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
	size_t len;
	unsigned flags;
	long long column; /* 1-based byte column of the cell start in its line */
};

struct qg_record {
	struct qg_cell *cells;
	size_t nr;          /* cells in this row (CSV may differ from the header) */
	long long line;     /* physical line where the record starts */
	long long row;      /* data row, 1-based */
	size_t extra_keys;  /* JSONL: keys not among the columns */
};

struct qg_table_opts {
	enum qg_table_format format; /* AUTO: from the source's extension */
	char delimiter;              /* 0: ',' for CSV, '\t' for TSV */
	int no_header;               /* CSV: the first line is data */
	size_t max_record;           /* bytes; 0 = 64 MiB */
};

struct qg_table;

/* Takes ownership of the stream (freed by qg_table_free, also on failure).
 * Reads the header (CSV) or nothing yet (JSONL). */
int qg_table_open(struct qg_table **out, struct qg_stream *s, const struct qg_table_opts *o);
enum qg_table_format qg_table_format_of(const char *name);
/* Column names (CSV header, JSONL columns). Valid for the table's lifetime. */
size_t qg_table_columns(const struct qg_table *t, const struct qg_cell **names);
/* JSONL: set the columns cells are reported in (copies the names). */
int qg_table_set_columns(struct qg_table *t, const char *const *names, size_t nr);
/* 1 with a record, 0 at the end, negative QG_E* on malformed input. */
int qg_table_next(struct qg_table *t, struct qg_record *rec);
/* The physical line count seen so far (for the header line of CSV it is 1). */
long long qg_table_line(const struct qg_table *t);
const char *qg_table_name(const struct qg_table *t);
void qg_table_free(struct qg_table *t);

#endif
