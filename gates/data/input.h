/* input.h -- DATA arguments, formats, --shard and -j for every qgate-data subcommand
 *
 * validate, infer, profile and drift read their inputs the same way:
 *
 *   1. the option table includes QG_DATA_INPUT_OPTIONS(&in) (--input-format,
 *      --delimiter, --shard I/N, -j/--jobs N, --max-record BYTES);
 *   2. data_plan_build() expands the DATA arguments (qg_stream_expand:
 *      paths, "-", directories, globs, .gz/.zst, https://, s3://), picks each
 *      file's format, keeps this shard's part, and cuts the work into pieces;
 *   3. data_plan_run() runs a callback once per piece on -j threads; the
 *      callback opens its piece with data_source_open() and reads records;
 *   4. the caller merges its per-piece state IN PIECE ORDER (piece order is
 *      file order, then byte order), skipping pieces marked `dropped`, and adds
 *      data_plan_line_base() to every record's line to get physical lines.
 *
 * Invariants:
 * - A piece is a whole file, or a byte range [offset, offset+len) of one local,
 *   uncompressed, regular file that starts right after a '\n' (or at 0). Only
 *   the piece at offset 0 of a CSV/TSV file holds the header; the others are
 *   opened headerless and get the header's names from the plan (file->columns).
 * - --shard I/N: with several files, file k (0-based, after expansion) belongs
 *   to shard (k mod N) + 1, whole. With one local uncompressed file, the file
 *   is cut into N byte ranges at record boundaries: each nominal cut
 *   (qg_shard_range) moves to the first record start at or after it, found by
 *   replaying the reader's quoting from the file's start (a '\n' inside a
 *   quoted CSV cell is not a boundary; TSV/JSONL: every '\n' is), so the
 *   shards' records are the unsharded run's, each in exactly one shard, and
 *   the walk also counts the physical lines before the range. That walk reads
 *   the bytes before the range (no parsing: newline counts, quotes handled
 *   one by one only in 16-byte blocks that hold one) but never hashes them:
 *   the artifact of a sharded file has no sha256 (data_hasher_start).
 *   Compressed, stdin and remote inputs
 *   are never cut: one shard gets the whole file, others get nothing.
 * - -j N: pieces are spread over N threads. When there are fewer files than
 *   threads, large local uncompressed files are also cut into byte ranges;
 *   those cuts are checked after the run without any pre-scan: a piece that
 *   started correctly and ended without error proves the next boundary was not
 *   inside quotes. If any piece of a cut file fails, the file's pieces are
 *   merged back into its first piece, the others are marked `dropped`, the
 *   caller's reset callback is called for each, and the first piece is run
 *   again whole on one thread -- so -j never changes the result, only the time.
 * - Memory: no piece holds more than one reader (max_record bytes at most);
 *   a closed piece's reader is kept by the plan and re-opened on the next
 *   piece (qg_table_reopen), so N files cost N opens, not N buffers.
 */
#ifndef QGATE_DATA_INPUT_H
#define QGATE_DATA_INPUT_H

#include <pthread.h>
#include <stddef.h>

#include "qgate/opts.h"
#include "qgate/strvec.h"
#include "qgate/table.h"

/* Filled by option parsing; data_input_opts_init() sets the defaults. */
struct qg_data_input_opts {
	const char *input_format; /* "auto" (or NULL), "csv", "tsv", "jsonl" ("ndjson" = "jsonl") */
	const char *delimiter;    /* one character, or "tab"/"\t"; NULL: the format's default */
	const char *shard;        /* "I/N" with 1 <= I <= N, or NULL */
	long long jobs;           /* threads, >= 1 (default 1) */
	long long max_record;     /* bytes per record, 0 = the reader's default (64 MiB) */
	char default_delimiter;   /* set by the caller (e.g. a schema's dialect) before
				     data_plan_build(); used when --delimiter is absent */
	int chunked;              /* set by the caller (a data package's chunked path): the
				     files are one table, the header in the first only */
	int headerless;           /* set by the caller (a schema's dialect.header false):
				     CSV/TSV files have no header line, every line is a
				     data row (physical line numbers unchanged), and
				     `columns` are their columns; JSONL is unaffected */
	const char *const *columns;
	size_t nr_columns;
};

#define QG_DATA_INPUT_OPTIONS(in) \
	QG_OPT_GROUP_("input options"), \
	QG_OPT_CHOICE_(0, "input-format", &(in)->input_format, "auto|csv|tsv|jsonl|ndjson", \
		       "format of every DATA input (default: from the extension)"), \
	QG_OPT_STRING_(0, "delimiter", &(in)->delimiter, "CHAR", \
		       "CSV field delimiter: one character or 'tab' (default ',')"), \
	QG_OPT_STRING_(0, "shard", &(in)->shard, "I/N", \
		       "process only part I of N: whole files, or byte ranges of one file"), \
	QG_OPT_INT_('j', "jobs", &(in)->jobs, "N", 1, 256, "read with N threads (default 1)"), \
	QG_OPT_INT_(0, "max-record", &(in)->max_record, "BYTES", 1024, 1073741824.0, \
		    "longest record accepted (default 67108864)")

void data_input_opts_init(struct qg_data_input_opts *o);

struct qg_schema;
/* What a Table Schema's dialect says about reading: its delimiter (when
 * --delimiter is absent) and dialect.header false (headerless, the fields'
 * names as the columns). `o` borrows the schema's names: keep the schema
 * until the plan is released. */
void data_input_from_schema(struct qg_data_input_opts *o, const struct qg_schema *S);

struct qg_data_file {
	char *spec;                    /* as expanded: path, "-", URL (owned) */
	enum qg_table_format format;   /* never AUTO after planning */
	long long size;                /* bytes of a local regular file, else -1 */
	int splittable;                /* local, regular, uncompressed */
	struct qg_strvec columns;      /* header / first-object names when the file is cut */
	int headerless;                /* a chunk after the first (columns from the first
					  file), or no header line at all (plan->no_header) */
};

struct qg_data_piece {
	size_t file;            /* index into plan->files */
	long long offset;       /* byte offset in the file (0 for whole files) */
	long long len;          /* bytes, or -1 for "to the end" */
	size_t part, nr_parts;  /* this piece's index among its file's pieces */
	long long line_offset;  /* physical lines before `offset`: known for part 0
				   (0, or from the --shard prefix scan); for later
				   parts computed by data_plan_line_base() */
	/* filled by data_plan_run() */
	long long lines;        /* lines read by the piece (its last record's end) */
	int status;             /* 0, or the callback's negative QG_E* code */
	int dropped;            /* merged into the file's first piece: ignore it */
	char *error;            /* owned message when status < 0 */
};

struct qg_data_plan {
	struct qg_data_file *files;
	size_t nr_files, alloc_files;
	struct qg_data_piece *pieces;
	size_t nr_pieces, alloc_pieces;
	int jobs;
	long long shard_index, shard_count; /* 1/1 when not sharded */
	size_t nr_inputs;        /* files before the shard was taken (all shards) */
	int no_header;           /* CSV/TSV files have no header line at all: their
				    columns are the caller's (input opts' headerless) */
	struct qg_table_opts table_opts;    /* format AUTO, delimiter (--delimiter), max_record */
	char csv_delimiter;                 /* default_delimiter: CSV files only */
	/* readers of closed pieces, re-opened on the next piece (at most one
	 * per thread): many small files allocate no buffer each */
	pthread_mutex_t spare_lock;
	struct qg_table **spare;
	size_t nr_spare, alloc_spare;
};
/* Reader options for one file of the plan (format, delimiter). */
struct qg_table_opts data_plan_table_opts(const struct qg_data_plan *p, size_t file);
/* The names of file `file`'s columns (CSV header, JSONL first object), read
 * from its top with the plan's reader options, appended to out: for pieces
 * that do not start at the top of the file. 0 or a negative QG_E*. */
int data_read_columns(const struct qg_data_plan *p, size_t file, struct qg_strvec *out);

/* Expand `data` (the positional DATA arguments) and plan the pieces of this
 * shard. QG_EUSAGE for a bad --shard/--delimiter/--input-format or no DATA,
 * QG_EINPUT when an input is missing, a pattern matches nothing, or a byte
 * range boundary falls inside quotes. The message names the input. */
int data_plan_build(struct qg_data_plan *out, const struct qg_data_input_opts *o,
		       const struct qg_strvec *data);
void data_plan_release(struct qg_data_plan *p);

/* Called once per piece, possibly on several threads at once (each call gets
 * a different piece; `worker` is 0..jobs-1 and unique among running calls, so
 * per-worker scratch such as PCRE2 match data can be indexed by it). Return 0,
 * or a negative QG_E* code after qg_error() (the message is kept per piece).
 * The callback must set plan->pieces[i].lines through data_source_close().
 * `reset` (may be NULL) is called before a piece is run again or dropped. */
typedef int (*data_piece_fn)(void *ctx, struct qg_data_plan *p, size_t piece, int worker);
typedef void (*data_reset_fn)(void *ctx, struct qg_data_plan *p, size_t piece);

/* Run every piece. Returns 0 when all ran (inspect pieces[i].status and
 * data_plan_piece_error() for failures), QG_ENOMEM or a thread error. */
int data_plan_run(struct qg_data_plan *p, data_piece_fn fn, data_reset_fn reset, void *ctx);
/* The error message a failed piece recorded ("" when none). Borrowed. */
const char *data_plan_piece_error(const struct qg_data_plan *p, size_t piece);

/* Physical line number base for a piece: add it to struct qg_record.line.
 * Valid after data_plan_run() (it sums the lines of earlier parts). */
long long data_plan_line_base(const struct qg_data_plan *p, size_t piece);

/* An open piece. */
struct qg_data_source {
	struct qg_table *table;
	const char *name;               /* the file's spec, for locations (borrowed) */
	enum qg_table_format format;
	const char *const *columns;     /* names cells are reported in: the header,
					   the columns passed to open (JSONL), or the
					   file's header for headerless pieces */
	size_t nr_columns;
	struct qg_strvec owned_columns; /* backing store of columns */
	struct qg_strvec header;        /* names as the file has them (CSV header,
					   JSONL first object's keys), before any
					   columns were set */
	struct qg_data_plan *plan;
	size_t piece;
};

/* Open piece `piece` for reading. For JSONL, `columns` (may be NULL) sets the
 * columns cells are reported in (e.g. the schema's fields); NULL keeps the
 * file's (first object's keys; for later parts of a cut file, the keys of the
 * file's first object). For CSV/TSV `columns` is ignored: names come from the
 * header. The caller reads with qg_table_next(src->table, &rec). */
int data_source_open(struct qg_data_source *out, struct qg_data_plan *p, size_t piece,
			const char *const *columns, size_t nr_columns);
/* Record the piece's line count and free the reader. Accepts a zeroed source. */
void data_source_close(struct qg_data_source *src);

/* Artifacts for the result's subject, hashed on a helper thread while the
 * pieces are read (SHA-256 of a 1 GB file costs about as much as reading
 * it; overlapping hides it when a second core is free). start() snapshots
 * the plan's files; finish() joins and adds one artifact per file (local
 * regular files with sha256 and bytes, others with sha256 "" and bytes -1;
 * with hash == 0 local files get bytes only). */
struct qg_data_hasher {
	struct qg_strvec paths;
	char (*sha)[65];
	long long *bytes;
	struct qg_file_stamp *stamp; /* each file as hashed: re-checked after the run */
	int *err;
	char *errmsg;            /* the hashing thread's message for the first failure */
	int hash, started;
	/* a byte-range shard hashes no whole file: it records SHA-256 of the
	 * size, the first and the last 64 KiB instead (metrics.input_sample),
	 * so `qgate merge` can tell the shards read the same file */
	int sample;
	char sample_hex[65];
	pthread_t thread;
};
/* 1 for an https://, http:// or s3:// DATA argument (input.c) */
int data_spec_is_remote(const char *spec);
/* input_hash.c */
int data_hasher_start(struct qg_data_hasher *h, const struct qg_data_plan *p, int hash);
struct qg_result;
int data_hasher_finish(struct qg_data_hasher *h, struct qg_result *r);

#endif
