/* input.c -- DATA arguments, formats, --shard and -j pieces for qgate-data
 *
 * See input.h for the contract. The two ideas worth knowing here:
 *
 * Byte ranges of one file. A cut is placed right after the first '\n' at or
 * after the nominal offset (size * k / parts), found with a small pread, so
 * every process computes the same cuts without talking to the others. A cut
 * inside a quoted CSV field would be wrong; --shard places its cuts exactly
 * by replaying the reader's quoting from the file's start (struct rec_scan:
 * a quote opens a field only at a cell's start, so a bare a"b does not flip
 * anything), counting '\n' for physical line numbers on the way -- an SSE2
 * pass at memory speed that looks at quotes one by one only in blocks that
 * hold one. A cut inside quotes moves to the end of that record. Within one process
 * (-j) no pre-scan is needed: the first piece starts at a known-good place,
 * and a piece that starts right and ends without an error ends outside
 * quotes, so the next cut was good too; any failure reruns the file whole.
 *
 * Threads: the core's pool (include/qgate/pool.h) hands pieces out in file
 * order; each worker has a stable index so callers can keep per-worker
 * scratch. --shard I/N is parsed and divided by include/qgate/shard.h.
 *
 * Why one long file: planning (specs to files to pieces), running pieces on
 * threads and the sources share the plan's private state (spare readers,
 * the piece table). The hashing of the inputs, which only needs the file
 * list, is in input_hash.c.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include "qgate/cpu.h"
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#include "qgate/result.h"
#include "qgate/pool.h"
#include "qgate/shard.h"
#include "qgate/stream.h"
#include "input.h"
#include "schema.h"

/* What a folder or an s3:// prefix given as DATA contributes: the tables
 * this gate reads (each also .gz/.zst). */
static const char *const table_exts[] = { ".csv", ".tsv", ".jsonl", ".ndjson", NULL };

#define PIECE_MIN ((long long)8 << 20) /* don't cut -j pieces smaller than this */

void data_input_opts_init(struct qg_data_input_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 1;
}

void data_input_from_schema(struct qg_data_input_opts *o, const struct qg_schema *S)
{
	if (!o->delimiter && S->delimiter)
		o->default_delimiter = S->delimiter;
	if (S->no_header) {
		o->headerless = 1;
		o->columns = S->field_names;
		o->nr_columns = S->nr_fields;
	}
}

static int parse_delimiter(char *out, const char *s)
{
	if (!strcmp(s, "tab") || !strcmp(s, "\\t") || !strcmp(s, "\t")) {
		*out = '\t';
		return 0;
	}
	if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r' || (unsigned char)s[0] >= 0x80)
		return qg_error(QG_EUSAGE, "--delimiter: expected one ASCII character or 'tab' (not a quote or a line break), found '%s'", s);
	*out = s[0];
	return 0;
}

static int parse_format(enum qg_table_format *out, const char *s)
{
	if (!s || !strcmp(s, "auto"))
		*out = QG_FORMAT_AUTO;
	else if (!strcmp(s, "csv"))
		*out = QG_FORMAT_CSV;
	else if (!strcmp(s, "tsv"))
		*out = QG_FORMAT_TSV;
	else if (!strcmp(s, "jsonl") || !strcmp(s, "ndjson"))
		*out = QG_FORMAT_JSONL;
	else
		return qg_error(QG_EUSAGE, "--input-format: expected auto, csv, tsv, jsonl or ndjson, found '%s'", s);
	return 0;
}

int data_spec_is_remote(const char *spec)
{
	return !strncmp(spec, "https://", 8) || !strncmp(spec, "http://", 7) || !strncmp(spec, "s3://", 5);
}

static int is_compressed(const char *spec)
{
	size_t n = strlen(spec);
	return (n > 3 && !strcmp(spec + n - 3, ".gz")) || (n > 4 && !strcmp(spec + n - 4, ".zst"));
}

/* ------------------------------------------------------------ byte scans */

/* Offset just after the first '\n' at or after `from`, or `size`. */
static int next_line_start(long long *out, int fd, long long from, long long size, const char *name)
{
	char buf[65536];

	if (from <= 0) {
		*out = 0;
		return 0;
	}
	from--; /* a cut landing right after a newline stays there */
	while (from < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), from);
		char *nl;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qg_error(QG_EINPUT, "'%s': cannot read: %s", name, strerror(errno));
		}
		if (n == 0)
			break;
		nl = memchr(buf, '\n', (size_t)n);
		if (nl) {
			*out = from + (nl - buf) + 1;
			return 0;
		}
		from += n;
	}
	*out = size;
	return 0;
}

/* The CSV reader's quoting, replayed over raw bytes to find record
 * boundaries (lib/io/table_csv.c is the authority; this follows it): a
 * quote opens a quoted field only at the start of a cell (after the
 * delimiter, a '\n', or the start of the data after a BOM); inside, "" is a
 * quote and any other quote closes the field; text after the closing quote
 * and quotes inside unquoted cells are plain text. A '\n' outside quotes
 * ends a record. Without quoting (TSV, JSONL) every '\n' does. */
struct rec_scan {
	int quoting, inq, pend, fs;
	char delim;
	long long nl; /* '\n' bytes walked (physical lines) */
};

static inline void scan_step(struct rec_scan *c, unsigned char ch)
{
	if (c->inq) {
		if (c->pend) {
			c->pend = 0;
			if (ch == '"')
				return; /* "" inside quotes */
			c->inq = 0;
			c->fs = ch == (unsigned char)c->delim || ch == '\n';
			return;
		}
		c->pend = ch == '"';
		return;
	}
	if (ch == '"' && c->fs) {
		c->inq = 1;
		c->fs = 0;
		return;
	}
	c->fs = ch == (unsigned char)c->delim || ch == '\n';
}

/* Walk p[0..n): newlines counted, quote state carried. Blocks without a
 * quote only count newlines (most of any file): memory speed. */
static void scan_walk(struct rec_scan *c, const unsigned char *p, size_t n)
{
	size_t i = 0;
#if QG_SIMD_SSE2
	const __m128i vn = _mm_set1_epi8('\n'), vq = _mm_set1_epi8('"');
	const size_t vend = qg_cpu_level() >= QG_CPU_SSE2 ? n : 0;

	for (; i + 16 <= vend; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq));

		c->nl += __builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)));
		if (!c->quoting)
			continue;
		if (!mq && !c->pend) {
			if (!c->inq)
				c->fs = p[i + 15] == (unsigned char)c->delim || p[i + 15] == '\n';
			continue;
		}
		for (size_t k = 0; k < 16; k++)
			scan_step(c, p[i + k]);
	}
#endif
	for (; i < n; i++) {
		c->nl += p[i] == '\n';
		if (c->quoting)
			scan_step(c, p[i]);
	}
}

/* Walk from byte `from` to the first record boundary at or after `to`
 * (just after a '\n' outside quotes), or to `size`: *cut. `from` must be
 * a boundary or where the state in c was left. */
static int scan_to_boundary(struct rec_scan *c, int fd, long long from, long long to, long long size,
			    long long *cut, unsigned char *buf, size_t cap, const char *name)
{
	long long off = from;

	while (off < size) {
		size_t want = (size_t)(size - off < (long long)cap ? size - off : (long long)cap);
		ssize_t n = pread(fd, buf, want, off);
		size_t i = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return qg_error(QG_EINPUT, "'%s': cannot read at byte %lld: %s", name, off,
					n < 0 ? strerror(errno) : "file shrank while reading");
		if (off == 0 && n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
			i = 3; /* the reader drops a BOM: the first cell starts after it */
		/* the bytes before `to` in bulk */
		if (off + (long long)i < to) {
			size_t k = (size_t)(to - off < n ? to - off : n);

			scan_walk(c, buf + i, k - i);
			i = k;
		}
		/* then byte by byte to the boundary */
		for (; i < (size_t)n; i++) {
			c->nl += buf[i] == '\n';
			if (c->quoting)
				scan_step(c, buf[i]);
			if (buf[i] == '\n' && !c->inq) {
				*cut = off + (long long)i + 1;
				return 0;
			}
		}
		off += n;
	}
	*cut = size;
	return 0;
}

/* --shard of one file: this shard's byte range [*start, *end), each end
 * the first record boundary at or after the nominal cut (include/qgate/
 * shard.h), and the physical lines before *start. Exact for quoted fields
 * holding newlines: the quote state is carried from the file's start, so
 * every shard computes the same cuts and the records of the shards are
 * the whole run's, each once. */
static int shard_cuts(const struct qg_data_plan *p, const struct qg_data_file *f, int fd, long long nstart,
		      long long nend, long long *start, long long *end, long long *lines)
{
	struct qg_table_opts o = data_plan_table_opts(p, 0);
	struct rec_scan c = { 0 };
	size_t cap = 1 << 20;
	unsigned char *buf;
	int err = 0;

	c.quoting = f->format == QG_FORMAT_CSV;
	c.delim = o.delimiter ? o.delimiter : (f->format == QG_FORMAT_TSV ? '\t' : ',');
	c.fs = 1;
	*start = 0;
	*end = f->size;
	*lines = 0;
	if (!(buf = malloc(cap)))
		return qg_error(QG_ENOMEM, "out of memory");
	/* a cut landing right after a record boundary stays there: the
	 * boundary is searched from the byte before it */
	if (nstart > 0)
		err = scan_to_boundary(&c, fd, 0, nstart - 1, f->size, start, buf, cap, f->spec);
	*lines = c.nl;
	if (!err && nstart > 0 && *start == f->size && c.inq && !c.pend) {
		/* the rest of the file is one unterminated quoted cell: never
		 * an empty pass (the shard where it opens reports the line) */
		err = qg_error(QG_EPARSE, "'%s': a quoted field opened before byte %lld is not closed at the end "
					  "of the file: --shard %lld/%lld has no record to read",
			       f->spec, nstart, p->shard_index, p->shard_count);
	}
	if (!err && *start >= nend)
		*end = *start; /* one record spans this whole part: the shard before has it */
	else if (!err && nend < f->size)
		err = scan_to_boundary(&c, fd, *start, nend - 1, f->size, end, buf, cap, f->spec);
	free(buf);
	return err;
}

/* ------------------------------------------------------------- planning */

static int add_piece(struct qg_data_plan *p, size_t file, long long off, long long len, long long line_offset)
{
	struct qg_data_piece *pc;

	if (QG_ALLOC_GROW(p->pieces, p->nr_pieces + 1, p->alloc_pieces))
		return qg_error(QG_ENOMEM, "out of memory");
	pc = &p->pieces[p->nr_pieces++];
	memset(pc, 0, sizeof(*pc));
	pc->file = file;
	pc->offset = off;
	pc->len = len;
	pc->nr_parts = 1;
	pc->line_offset = line_offset;
	return 0;
}

/* The column names of the file at spec read as format (a CSV header, the
 * first JSONL object's keys). */
static int columns_of(const struct qg_data_plan *p, const char *spec, enum qg_table_format format,
		      struct qg_strvec *out)
{
	struct qg_stream *s = NULL;
	struct qg_table *t = NULL;
	struct qg_table_opts o = p->table_opts;
	const struct qg_cell *names;
	size_t nr;
	int err;

	o.format = format;
	if (!o.delimiter && o.format == QG_FORMAT_CSV)
		o.delimiter = p->csv_delimiter;
	o.no_header = 0;
	if ((err = qg_stream_open(&s, spec, 0)) < 0)
		return err;
	if ((err = qg_table_open(&t, s, &o)) < 0)
		return err;
	nr = qg_table_columns(t, &names);
	for (size_t i = 0; i < nr && !err; i++) {
		char *c = qg_strndup(names[i].ptr, names[i].len);
		err = c ? qg_strvec_push(out, c) : qg_error(QG_ENOMEM, "out of memory");
		free(c);
	}
	qg_table_free(t);
	return err;
}

int data_read_columns(const struct qg_data_plan *p, size_t file, struct qg_strvec *out)
{
	return columns_of(p, p->files[file].spec, p->files[file].format, out);
}

/* Names of the file's columns, once, for the pieces that do not start at
 * the top of the file. */
static int load_columns(struct qg_data_plan *p, struct qg_data_file *f)
{
	return f->columns.nr || f->headerless ? 0 : data_read_columns(p, (size_t)(f - p->files), &f->columns);
}

struct qg_table_opts data_plan_table_opts(const struct qg_data_plan *p, size_t file)
{
	struct qg_table_opts o = p->table_opts;

	o.format = p->files[file].format;
	if (!o.delimiter && o.format == QG_FORMAT_CSV)
		o.delimiter = p->csv_delimiter;
	return o;
}

/* Cut [start, end) of file fi into up to `parts` pieces at line starts. */
static int cut_file(struct qg_data_plan *p, size_t fi, long long start, long long end, long long line_offset,
		    long long parts)
{
	struct qg_data_file *f = &p->files[fi];
	size_t first = p->nr_pieces;
	long long prev = start;
	int fd, err = 0;

	if (parts <= 1) {
		err = add_piece(p, fi, start, start == 0 && end == f->size ? -1 : end - start, line_offset);
		if (!err && start > 0)
			err = load_columns(p, f);
		return err;
	}
	fd = open(f->spec, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", f->spec, strerror(errno));
	for (long long k = 1; k <= parts && !err; k++) {
		long long cut = end;

		if (k < parts) {
			err = next_line_start(&cut, fd, start + (end - start) / parts * k, end, f->spec);
			if (err)
				break;
		}
		if (cut <= prev)
			continue;
		err = add_piece(p, fi, prev, cut - prev, prev == start ? line_offset : -1);
		prev = cut;
	}
	close(fd);
	if (err)
		return err;
	for (size_t i = first; i < p->nr_pieces; i++) {
		p->pieces[i].part = i - first;
		p->pieces[i].nr_parts = p->nr_pieces - first;
	}
	if (p->nr_pieces - first > 1 || start > 0)
		err = load_columns(p, f);
	return err;
}

int data_plan_build(struct qg_data_plan *p, const struct qg_data_input_opts *o, const struct qg_strvec *data)
{
	struct qg_strvec files = QG_STRVEC_INIT;
	struct qg_shard shard = QG_SHARD_ALL;
	enum qg_table_format fmt = QG_FORMAT_AUTO;
	char delim = 0;
	int err;
	long long total = 0;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->spare_lock, NULL);
	p->shard_index = p->shard_count = 1;
	p->jobs = o->jobs > 0 ? (int)o->jobs : 1;
	if ((err = parse_format(&fmt, o->input_format)) < 0)
		return err;
	if (o->delimiter && (err = parse_delimiter(&delim, o->delimiter)) < 0)
		return err;
	p->csv_delimiter = o->default_delimiter;
	if (o->shard && (err = qg_shard_parse(&shard, o->shard)) < 0)
		return err;
	p->shard_index = shard.index;
	p->shard_count = shard.count;
	p->table_opts.format = fmt;
	p->table_opts.delimiter = delim;
	p->table_opts.max_record = (size_t)(o->max_record > 0 ? o->max_record : 0);
	if (!data->nr)
		return qg_error(QG_EUSAGE, "no DATA given (a path, '-', a directory, a glob or a URL)");
	if ((err = qg_stream_expand(&files, data->v, data->nr, table_exts)) < 0)
		goto done;
	p->nr_inputs = files.nr;
	for (size_t i = 0; i < files.nr; i++) {
		struct qg_data_file *f;
		struct stat st;
		const char *spec = files.v[i];

		/* --shard over several files: whole files by index */
		if (p->shard_count > 1 && files.nr > 1 && !qg_shard_has(&shard, i))
			continue;
		if (QG_ALLOC_GROW(p->files, p->nr_files + 1, p->alloc_files)) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		f = &p->files[p->nr_files++];
		memset(f, 0, sizeof(*f));
		qg_strvec_init(&f->columns);
		f->size = -1;
		if (!(f->spec = qg_strdup(spec))) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		f->format = fmt != QG_FORMAT_AUTO ? fmt : qg_table_format_of(spec);
		if (f->format == QG_FORMAT_AUTO && strcmp(spec, "-") && !data_spec_is_remote(spec)) {
			err = qg_error(QG_EUSAGE, "'%s': unknown format (expected a .csv, .tsv, .jsonl or .ndjson "
						   "extension, or --input-format)", spec);
			goto done;
		}
		if (strcmp(spec, "-") && !data_spec_is_remote(spec)) {
			if (stat(spec, &st) < 0) {
				err = qg_error(QG_EINPUT, "'%s': cannot open: %s", spec, strerror(errno));
				goto done;
			}
			if (S_ISREG(st.st_mode)) {
				f->size = (long long)st.st_size;
				f->splittable = !is_compressed(spec);
				total += f->size;
			}
		}
	}

	/* no header line in any CSV/TSV file: the caller's columns */
	if (o->headerless) {
		p->no_header = 1;
		err = 0;
		for (size_t i = 0; i < p->nr_files && !err; i++) {
			if (p->files[i].format == QG_FORMAT_JSONL)
				continue;
			p->files[i].headerless = 1;
			for (size_t k = 0; k < o->nr_columns && !err; k++)
				err = qg_strvec_push(&p->files[i].columns, o->columns[k]);
		}
		if (err < 0)
			goto done;
	}
	/* a chunked table: every later CSV/TSV chunk has the first one's header,
	 * also in a shard of whole chunks that does not hold the first one */
	if (o->chunked && !o->headerless && files.nr > 1) {
		int keeps_first = p->shard_count == 1 || qg_shard_has(&shard, 0);
		size_t from = keeps_first ? 1 : 0;
		enum qg_table_format first = fmt != QG_FORMAT_AUTO ? fmt : qg_table_format_of(files.v[0]);

		if (first != QG_FORMAT_JSONL && from < p->nr_files) {
			if ((err = columns_of(p, files.v[0], first, &p->files[from].columns)) < 0)
				goto done;
			for (size_t i = from; i < p->nr_files && !err; i++) {
				p->files[i].headerless = 1;
				if (i > from)
					err = qg_strvec_pushv(&p->files[i].columns, p->files[from].columns.v);
			}
			if (err < 0)
				goto done;
		}
	}

	/* --shard of a single input */
	if (p->shard_count > 1 && files.nr == 1) {
		struct qg_data_file *f = &p->files[0];
		long long start = 0, end = 0, nl = 0;
		int fd;

		if (!f->splittable || f->size <= 0) {
			/* cannot be cut: the first shard takes it whole */
			if (p->shard_index != 1) {
				free(f->spec);
				qg_strvec_clear(&f->columns);
				p->nr_files = 0;
			} else if ((err = add_piece(p, 0, 0, -1, 0)) < 0) {
				goto done;
			}
			goto jobs_done;
		}
		fd = open(f->spec, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = qg_error(QG_EINPUT, "'%s': cannot open: %s", f->spec, strerror(errno));
			goto done;
		}
		qg_shard_range(&shard, f->size, &start, &end);
		err = shard_cuts(p, f, fd, start, end, &start, &end, &nl);
		close(fd);
		if (err)
			goto done;
		if (end > start) {
			long long parts = p->jobs > 1 ? (end - start) / PIECE_MIN : 1;
			if (parts > p->jobs)
				parts = p->jobs;
			err = cut_file(p, 0, start, end, nl, parts < 1 ? 1 : parts);
		} else if (start > 0) {
			/* this shard's range is empty (a tiny file): nothing to read */
			free(f->spec);
			qg_strvec_clear(&f->columns);
			p->nr_files = 0;
		} else {
			err = add_piece(p, 0, 0, -1, 0);
		}
		if (err)
			goto done;
		goto jobs_done;
	}

	/* -j: whole files, cutting large local files when there are fewer files than threads */
	for (size_t i = 0; i < p->nr_files; i++) {
		struct qg_data_file *f = &p->files[i];
		long long parts = 1;

		if (p->jobs > 1 && p->nr_files < (size_t)p->jobs && f->splittable && f->size >= 2 * PIECE_MIN) {
			/* share the threads between files by size */
			parts = (long long)((double)p->jobs * (double)f->size / (double)(total ? total : 1) + 0.5);
			if (parts > f->size / PIECE_MIN)
				parts = f->size / PIECE_MIN;
			if (parts > p->jobs)
				parts = p->jobs;
		}
		if ((err = cut_file(p, i, 0, f->size >= 0 ? f->size : 0, 0, parts < 1 ? 1 : parts)) < 0)
			goto done;
		if (f->size < 0) /* stream of unknown size: whole */
			p->pieces[p->nr_pieces - 1].len = -1;
	}
jobs_done:
	err = 0;
done:
	qg_strvec_clear(&files);
	if (err)
		data_plan_release(p);
	return err;
}

void data_plan_release(struct qg_data_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr_files; i++) {
		free(p->files[i].spec);
		qg_strvec_clear(&p->files[i].columns);
	}
	for (size_t i = 0; i < p->nr_pieces; i++)
		free(p->pieces[i].error);
	for (size_t i = 0; i < p->nr_spare; i++)
		qg_table_free(p->spare[i]);
	free(p->spare);
	free(p->files);
	free(p->pieces);
	pthread_mutex_destroy(&p->spare_lock);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------- running */

struct run_ctx {
	struct qg_data_plan *p;
	data_piece_fn fn;
	void *ctx;
};

/* Run piece i and keep its outcome: status and message, per piece. */
static void run_piece(struct qg_data_plan *p, data_piece_fn fn, void *ctx, size_t i, int worker)
{
	struct qg_data_piece *pc = &p->pieces[i];
	int ret;

	qg_error_clear();
	ret = fn(ctx, p, i, worker);
	pc->status = ret < 0 ? ret : 0;
	free(pc->error);
	pc->error = NULL;
	if (ret < 0) {
		pc->error = qg_strdup(*qg_error_last() ? qg_error_last() : "failed without a message");
		if (!pc->error)
			pc->status = QG_ENOMEM;
	}
}

static void pool_task(void *arg, size_t i, int worker)
{
	struct run_ctx *rc = arg;

	run_piece(rc->p, rc->fn, rc->ctx, i, worker);
}

/* A cut file with a failed piece: fold its pieces into the first and run
 * that again alone, so a bad cut (quotes) can never change the answer. */
static void rerun_cut_files(struct qg_data_plan *p, data_piece_fn fn, data_reset_fn reset, void *ctx)
{
	for (size_t i = 0; i < p->nr_pieces;) {
		struct qg_data_piece *first = &p->pieces[i];
		size_t n = first->nr_parts, k;
		int failed = 0;

		if (n <= 1 || first->part != 0 || i + n > p->nr_pieces) {
			i++;
			continue;
		}
		for (k = 0; k < n; k++)
			failed |= p->pieces[i + k].status != 0;
		if (failed) {
			struct qg_data_piece *last = &p->pieces[i + n - 1];
			long long end = last->offset + last->len;

			for (k = 0; k < n; k++) {
				if (reset)
					reset(ctx, p, i + k);
				if (k) {
					p->pieces[i + k].dropped = 1;
					p->pieces[i + k].status = 0;
					free(p->pieces[i + k].error);
					p->pieces[i + k].error = NULL;
				}
			}
			first->len = end - first->offset;
			if (first->offset == 0 && end == p->files[first->file].size)
				first->len = -1;
			first->nr_parts = 1;
			run_piece(p, fn, ctx, i, 0);
		}
		i += n;
	}
}

int data_plan_run(struct qg_data_plan *p, data_piece_fn fn, data_reset_fn reset, void *ctx)
{
	struct run_ctx rc = { p, fn, ctx };
	int err = 0;

	/* pieces in file order on -j threads (include/qgate/pool.h) */
	qg_pool_run(p->nr_pieces, p->jobs, pool_task, &rc);
	rerun_cut_files(p, fn, reset, ctx);
	/* no hint about quotes on a piece that still fails: --shard cuts are
	 * exact (shard_cuts) and a -j cut that failed was run again whole */
	return err;
}

const char *data_plan_piece_error(const struct qg_data_plan *p, size_t piece)
{
	const char *e = piece < p->nr_pieces ? p->pieces[piece].error : NULL;
	return e ? e : "";
}

long long data_plan_line_base(const struct qg_data_plan *p, size_t piece)
{
	long long base = 0;
	size_t i = piece;

	/* walk back to the file's first part, summing lines of earlier parts */
	while (i > 0 && p->pieces[i].line_offset < 0) {
		i--;
		if (p->pieces[i].file != p->pieces[piece].file)
			break;
		if (!p->pieces[i].dropped)
			base += p->pieces[i].lines;
	}
	if (p->pieces[i].line_offset >= 0)
		base += p->pieces[i].line_offset;
	return base;
}

/* ------------------------------------------------------------- sources */

/* The reader's first buffer for a piece of known size: the piece's bytes
 * plus one (so the first fill meets the end), in pages, below the reader's
 * 1 MiB default. Ten thousand 10 KB files otherwise allocate and zero
 * 2 MiB each (buffer and scratch): 20 GB of page faults and memset for
 * 100 MB of data. 0 (the default) when the size is unknown or large. */
static size_t piece_block(const struct qg_data_file *f, const struct qg_data_piece *pc)
{
	long long want;
	size_t b = 4096;

	if (!f->splittable || f->size < 0)
		return 0;
	want = (pc->len >= 0 ? pc->len : f->size - pc->offset) + 1;
	if (want <= 0 || want >= ((long long)1 << 20))
		return 0;
	while ((long long)b < want)
		b <<= 1;
	return b;
}

/* A reader for the stream: a closed piece's, re-opened, or a new one. */
static int open_reader(struct qg_data_plan *p, struct qg_table **out, struct qg_stream *s,
		       const struct qg_table_opts *o)
{
	struct qg_table *t = NULL;
	int err;

	pthread_mutex_lock(&p->spare_lock);
	if (p->nr_spare)
		t = p->spare[--p->nr_spare];
	pthread_mutex_unlock(&p->spare_lock);
	if (!t)
		return qg_table_open(out, s, o);
	*out = NULL;
	if ((err = qg_table_reopen(t, s, o)) < 0) {
		qg_table_free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* Keep a closed piece's reader for the next piece (freed when there is no
 * room to keep it). */
static void park_reader(struct qg_data_plan *p, struct qg_table *t)
{
	int kept = 0;

	pthread_mutex_lock(&p->spare_lock);
	if (!QG_ALLOC_GROW(p->spare, p->nr_spare + 1, p->alloc_spare)) {
		p->spare[p->nr_spare++] = t;
		kept = 1;
	}
	pthread_mutex_unlock(&p->spare_lock);
	if (!kept)
		qg_table_free(t);
}

int data_source_open(struct qg_data_source *src, struct qg_data_plan *p, size_t piece,
			const char *const *columns, size_t nr_columns)
{
	struct qg_data_piece *pc = &p->pieces[piece];
	struct qg_data_file *f = &p->files[pc->file];
	struct qg_table_opts o = data_plan_table_opts(p, pc->file);
	struct qg_stream *s = NULL;
	const struct qg_cell *names;
	size_t nr;
	int err;

	memset(src, 0, sizeof(*src));
	qg_strvec_init(&src->owned_columns);
	qg_strvec_init(&src->header);
	src->plan = p;
	src->piece = piece;
	src->name = f->spec;
	src->format = f->format;
	if (pc->offset == 0 && pc->len < 0)
		err = qg_stream_open(&s, f->spec, 0);
	else
		err = qg_stream_open_range(&s, f->spec, pc->offset, pc->len < 0 ? f->size - pc->offset : pc->len);
	if (err < 0)
		return err;
	o.no_header = f->format != QG_FORMAT_JSONL && (pc->offset > 0 || f->headerless);
	o.block_size = piece_block(f, pc);
	qg_strvec_init(&src->header);
	if ((err = open_reader(p, &src->table, s, &o)) < 0)
		return err;
	if (pc->offset > 0 || f->headerless) {
		err = qg_strvec_pushv(&src->header, f->columns.v);
	} else {
		nr = qg_table_columns(src->table, &names);
		for (size_t i = 0; i < nr && err >= 0; i++) {
			char *c = qg_strndup(names[i].ptr, names[i].len);
			err = c ? qg_strvec_push(&src->header, c) : qg_error(QG_ENOMEM, "out of memory");
			free(c);
		}
	}
	if (err < 0)
		goto fail;
	if (f->format == QG_FORMAT_JSONL && columns)
		err = qg_table_set_columns(src->table, columns, nr_columns);
	else if (pc->offset > 0 || f->headerless)
		err = qg_table_set_columns(src->table, f->columns.v, f->columns.nr);
	if (err < 0)
		goto fail;
	nr = qg_table_columns(src->table, &names);
	for (size_t i = 0; i < nr; i++) {
		char *c = qg_strndup(names[i].ptr, names[i].len);
		err = c ? qg_strvec_push(&src->owned_columns, c) : qg_error(QG_ENOMEM, "out of memory");
		free(c);
		if (err < 0)
			goto fail;
	}
	src->columns = src->owned_columns.v;
	src->nr_columns = src->owned_columns.nr;
	return 0;
fail:
	data_source_close(src);
	return err;
}

void data_source_close(struct qg_data_source *src)
{
	if (!src)
		return;
	if (src->table && src->plan) {
		src->plan->pieces[src->piece].lines = qg_table_line(src->table);
		park_reader(src->plan, src->table);
	} else {
		qg_table_free(src->table);
	}
	src->table = NULL;
	qg_strvec_clear(&src->owned_columns);
	qg_strvec_clear(&src->header);
	src->columns = NULL;
	src->nr_columns = 0;
}
