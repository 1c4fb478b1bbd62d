/* table_int.h -- what the table reader's files share (lib/io/table*.c)
 *
 * The reader is one object (struct qg_table) in three files, as curl's
 * lib/vtls/ splits its backends from the core: table.c opens a table,
 * owns the buffer, the cells and the column names and serves the public
 * API (include/qgate/table.h); table_csv.c splits CSV and TSV (with its
 * common-record loop, the template table_simple.h); table_jsonl.c parses
 * JSONL. Nothing here is public: these names are for those files alone.
 *
 * Invariants (table.c's opening comment says why):
 * - buf holds alloc bytes plus TABLE_PAD zeroed bytes after len; a record
 *   is contiguous in it and cells point into it (or into scratch);
 * - recs[bi..bn) are records split ahead and not handed out yet;
 * - err != 0 is sticky: every later call returns it with errmsg;
 * - the vector paths (struct csv_vec) are chosen once per table from
 *   qg_cpu_level() (include/qgate/cpu.h).
 */
#ifndef QGATE_IO_TABLE_INT_H
#define QGATE_IO_TABLE_INT_H

#include "qgate/cpu.h"
#include "qgate/stream.h"
#include "qgate/strmap.h"
#include "qgate/table.h"

#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#define TABLE_PAD QG_TABLE_PAD                 /* readable bytes past the data */
#define TABLE_DEFAULT_BLOCK ((size_t)1 << 20)  /* first buffer size and read size */
#define TABLE_DEFAULT_MAX ((size_t)64 << 20)   /* max_record when 0 */
#define TABLE_MAX_CELLS ((size_t)1 << 18)      /* cells in one record, columns */
#define BATCH_RECORDS 256                      /* records split ahead at most */
#define BATCH_BYTES ((size_t)32 << 10)         /* bytes split ahead (then stop) */
#define BATCH_CELLS ((size_t)16 << 10)         /* cells split ahead (then stop) */
#define JSON_MAX_DEPTH 1024                    /* nesting inside one value */

enum { NEED_MORE = -1000, BLANK = -1001 }; /* internal; below every QG_E* code */

/* The text of missing and null cells: "" followed by readable bytes, so that
 * every cell's text has QG_TABLE_PAD readable bytes after it (table.h). */
extern const char qg_tbl_empty_text[QG_TABLE_PAD];

/* Bit k of d, n, q: p[k] is the delimiter, '\n', '"' (q only when quoting). */
struct csv_vec {
#if QG_SIMD_SSE2
	__m128i d, n, q;
#endif
	int quoting;
	int sse2;   /* csv_block_v() and csv_simple() (QG_CPU_SSE2) */
	int avx2;   /* the CPU has AVX2 (and BMI1/2): csv_simple_avx2() */
	int simple; /* the common records' loop first (table_simple.h) */
	char dc;    /* the delimiter */
};

struct qg_table {
	struct qg_stream *s;     /* NULL for a memory source */
	const char *mem;         /* memory source */
	size_t mem_len, mem_off;
	char *name;

	enum qg_table_format fmt;
	char delim;
	int quoting;             /* CSV: 1, TSV: 0 */
	int no_header;
	size_t max_record;
	size_t block;

	char *buf;               /* alloc + TABLE_PAD bytes */
	size_t alloc, pos, len;
	int eof;
	char *scratch;           /* alloc bytes, reset per record */
	size_t scratch_len;

	long long nl;            /* newlines consumed before pos */
	int partial;             /* the last line had no newline and was consumed */
	long long row;
	int started;             /* qg_table_next() called */

	/* CSV: records split ahead (cells of recs[k] start at cells[first[k]]),
	 * and the block masks left over after the last of them */
	struct csv_vec vec;
	struct qg_record *recs;
	size_t *first;           /* records split the general way: their first cell */
	size_t *gen;             /* and which records those are */
	int regular;             /* the last batch: qg_table_batch_regular() */
	size_t bi, bn;
	size_t sbase;
	uint64_t sd, sn, sq;
	int svalid;

	struct qg_cell *cells;
	size_t cells_alloc;
	long long *colpos;       /* the cells' columns where records need them */
	size_t colpos_alloc;

	struct qg_cell *cols;    /* names; each ptr malloc'd, NUL-terminated */
	size_t ncols, cols_alloc;
	int cols_fixed;          /* JSONL: columns known, new keys are extra */
	unsigned char *plain;    /* JSONL: name i is written the same in JSON */
	size_t plain_alloc;
	struct qg_strmap names;  /* JSONL: distinct names (include/qgate/strmap.h) */
	long *name_col;          /* per distinct name: its first column */
	size_t name_col_alloc;

	int err;                 /* sticky error: code, message */
	char errmsg[512];
};

/* ------------------------------------------------------------------ */
/* table.c: errors, buffer, cells, column names */

/* A QG_EPARSE-style error "'name':line[:col]: msg" (qg_error); returns code. */
int qg_tbl_fail(struct qg_table *t, int code, long long line, long long col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Make an error sticky: later calls return it again. Returns code. */
int qg_tbl_stick(struct qg_table *t, int code);
/* Keep the bytes from pos on (the record being parsed), move them to the
 * front and fill the rest of the buffer. 0 or an error (sticky). */
int qg_tbl_fill(struct qg_table *t);
/* Room for nr cells (and their columns). 0 or an error. */
int qg_tbl_cells_grow(struct qg_table *t, size_t nr);
void qg_tbl_cols_clear(struct qg_table *t);
/* Append a column name (copied); 0 or an error. */
int qg_tbl_cols_add(struct qg_table *t, const char *p, size_t n);
/* Rebuild the name index; 0 or QG_ENOMEM. */
int qg_tbl_cols_index(struct qg_table *t);
/* Index of a key among the columns, or -1. */
long qg_tbl_cols_find(const struct qg_table *t, const char *p, size_t n);

/* ------------------------------------------------------------------ */
/* table_csv.c */

/* The loops to use for delimiter d (qg_cpu_level() and QG_SIMD). */
void qg_tbl_csv_init(struct csv_vec *v, char d, int quoting);
/* Split the next batch (at most max records), refilling as needed: the
 * count, 0 at the end or an error (sticky). */
int qg_tbl_csv_split(struct qg_table *t, size_t max);

/* ------------------------------------------------------------------ */
/* table_jsonl.c */

/* After the buffer's first fill: the first good object names the columns
 * (nothing consumed but blank lines). 0 or an error. */
int qg_tbl_jsonl_peek(struct qg_table *t);
/* The next record (1), 0 at the end, or an error (a malformed line is an
 * error for that line only: the next call goes on). */
int qg_tbl_jsonl_next(struct qg_table *t, struct qg_record *rec);
/* As many records as the buffer holds into t->recs: the count, 0 or an error. */
int qg_tbl_jsonl_batch(struct qg_table *t);

#endif
