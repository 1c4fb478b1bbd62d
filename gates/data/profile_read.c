/* profile_read.c -- DATA read into a profile: the engine's reading side
 *
 * Reading goes through input.h: every piece (a file, or a byte range of one
 * under -j/--shard) gets its own struct qg_profile on its worker thread, and
 * the pieces are merged in piece order. Pieces that are whole files are final
 * as soon as they return, so they are merged eagerly (in order) and freed:
 * memory stays at about jobs x fields x 45 KiB however many files there are.
 * Records are read in batches and profiled a column at a time
 * (data_profile_add_batch); the inputs' SHA-256 runs on a helper thread.
 * `profile` and `drift` (cmd_profile.c, cmd_drift.c) both read through here.
 */
#include "qgate/common.h"

#include <math.h>
#include <pthread.h>

#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/stream.h"
#include "qgate/table.h"
#include "data.h"
#include "drift.h"
#include "input.h"
#include "profile.h"
#include "schema.h"

/* ---- reading DATA into a profile ------------------------------------------------- */

struct prun {
	struct qg_data_plan *plan;
	struct qg_profile *pieces;    /* one per piece */
	char *final;                  /* piece finished and will not be rerun */
	size_t next;                  /* first piece not merged into `out` yet */
	struct qg_profile *out;
	const struct qg_schema *schema;
	struct qg_profile *base;
	const struct qg_drift_opts *dopts;
	const char *const *jsonl_columns; /* baseline/schema names for JSONL */
	size_t nr_jsonl_columns;
	pthread_mutex_t lock;
	int merge_err;
	int direct;                   /* one thread: every piece is read straight
					 into `out`, in order (no per-file merge) */
};

static void prun_reset(void *ctx, struct qg_data_plan *p, size_t piece)
{
	struct prun *pr = ctx;
	data_profile_release(&pr->pieces[piece]);
}

/* Merge every finished piece at the front of the queue (caller holds lock). */
static int prun_drain(struct prun *pr)
{
	while (pr->next < pr->plan->nr_pieces && pr->final[pr->next]) {
		size_t i = pr->next++;
		int err = pr->plan->pieces[i].dropped ? 0 : data_profile_merge(pr->out, &pr->pieces[i]);
		data_profile_release(&pr->pieces[i]);
		if (err)
			return err;
	}
	return 0;
}

static int prun_piece(void *ctx, struct qg_data_plan *p, size_t piece, int worker)
{
	struct prun *pr = ctx;
	struct qg_profile *prof = &pr->pieces[piece];
	struct qg_data_source src;
	const struct qg_record *recs;
	long *map = NULL;
	const char *const *names;
	size_t nr_names;
	int err, jsonl = p->files[p->pieces[piece].file].format == QG_FORMAT_JSONL;

	(void)worker;
	if (pr->direct) {
		/* one state across every file: a file's sketches are the whole
		 * run's, not a merge of thousands of small ones (issue 12: the
		 * merges were the time, and each top-k merge adds error) */
		prof = pr->out;
	} else {
		data_profile_release(prof);
		prof->schema = pr->schema;
		if (pr->base && (err = data_drift_prepare(prof, pr->base, pr->dopts)) < 0)
			return err;
	}
	err = data_source_open(&src, p, piece, jsonl ? pr->jsonl_columns : NULL,
				  jsonl ? pr->nr_jsonl_columns : 0);
	if (err < 0)
		return err;
	/* CSV cells come in the file's order: its header names them (also for
	 * headerless pieces of a cut file); JSONL cells in the columns set */
	if (!jsonl && !src.header.nr && p->pieces[piece].offset > 0 &&
	    (err = data_read_columns(p, p->pieces[piece].file, &src.header)) < 0)
		goto done;
	if (!jsonl && src.header.nr) {
		names = src.header.v;
		nr_names = src.header.nr;
	} else {
		names = src.columns;
		nr_names = src.nr_columns;
	}
	map = malloc((nr_names ? nr_names : 1) * sizeof(*map));
	if (!map) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = data_profile_bind(prof, names, nr_names, map)) < 0)
		goto done;
	while ((err = qg_table_next_batch(src.table, &recs)) > 0)
		if ((err = (qg_table_batch_regular(src.table) ? data_profile_add_regular_batch
							      : data_profile_add_batch)(prof, recs, (size_t)err, map,
										     nr_names)) < 0)
			break;
	if (err < 0)
		goto done;
	/* fields this piece does not have (another file's columns, a baseline
	 * field): every row of the piece is a null for them */
	for (size_t i = 0; i < prof->nr_fields; i++) {
		struct qg_prof_field *f = &prof->fields[i];
		if (f->count + f->nulls < prof->rows)
			f->nulls = prof->rows - f->count;
	}
	if (!pr->direct)
		err = data_profile_flush(prof);
done:
	data_source_close(&src);
	free(map);
	if (!err && !pr->direct && p->pieces[piece].nr_parts <= 1) {
		/* a whole file is never run again: merge it as soon as it is next */
		pthread_mutex_lock(&pr->lock);
		pr->final[piece] = 1;
		if (!pr->merge_err)
			pr->merge_err = prun_drain(pr);
		if (pr->merge_err)
			err = qg_error(QG_ENOMEM, "merging profiles: out of memory");
		pthread_mutex_unlock(&pr->lock);
	}
	return err < 0 ? err : 0;
}

int data_profile_read(struct qg_profile *out, const struct qg_data_input_opts *in, const struct qg_strvec *data,
		    const struct qg_schema *schema, struct qg_profile *base, const struct qg_drift_opts *dopts,
		    struct qg_result *r, long long *bytes, unsigned flags)
{
	struct qg_data_plan plan;
	struct qg_data_hasher hasher;
	int hashing = 0;
	struct qg_data_input_opts io = *in;
	struct prun pr;
	const char **names = NULL;
	int err;

	memset(&plan, 0, sizeof(plan));
	memset(&pr, 0, sizeof(pr));
	*bytes = 0;
	out->schema = schema;
	if (schema)
		data_input_from_schema(&io, schema); /* dialect: delimiter, header false */
	if ((err = data_plan_build(&plan, &io, data)) < 0)
		return err;
	if (base && (err = data_drift_prepare(out, base, dopts)) < 0)
		goto done;
	/* JSONL cells are reported in the columns we ask for: the baseline's or
	 * the schema's fields; without either, the first object's keys */
	if (base || schema) {
		size_t n = base ? base->nr_fields : schema->nr_fields;
		names = calloc(n + 1, sizeof(*names));
		if (!names) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < n; i++)
			names[i] = base ? base->fields[i].name : schema->fields[i].name;
		pr.jsonl_columns = names;
		pr.nr_jsonl_columns = n;
	}
	pr.plan = &plan;
	pr.out = out;
	pr.schema = schema;
	pr.base = base;
	pr.dopts = dopts;
	/* one thread reads the pieces one after another, in order, each a
	 * whole file or the shard's one range (cut_file cuts only for -j) */
	pr.direct = plan.jobs <= 1;
	for (size_t i = 0; i < plan.nr_pieces; i++)
		if (plan.pieces[i].nr_parts > 1)
			pr.direct = 0;
	pr.pieces = calloc(plan.nr_pieces + 1, sizeof(*pr.pieces));
	pr.final = calloc(plan.nr_pieces + 1, 1);
	if (!pr.pieces || !pr.final) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < plan.nr_pieces; i++)
		data_profile_init(&pr.pieces[i]);
	pthread_mutex_init(&pr.lock, NULL);
	for (size_t i = 0; i < plan.nr_files; i++) {
		if ((err = qg_strvec_push(&out->sources, plan.files[i].spec)) < 0)
			goto done_lock;
		if (plan.files[i].size > 0)
			*bytes += plan.files[i].size;
	}
	/* the artifacts' SHA-256 on a helper thread, overlapping the reading
	 * (it costs about a third of profiling on one core) */
	if (r) {
		hashing = 1;
		if ((err = data_hasher_start(&hasher, &plan, !(flags & QG_PROFILE_NO_HASH))) < 0)
			goto done_lock;
	}
	err = data_plan_run(&plan, prun_piece, prun_reset, &pr);
	if (hashing) {
		int herr = data_hasher_finish(&hasher, r);
		hashing = 0;
		if (!(err < 0))
			err = herr;
	}
	if (err < 0)
		goto done_lock;
	for (size_t i = 0; i < plan.nr_pieces; i++)
		if (plan.pieces[i].status && !plan.pieces[i].dropped) {
			err = qg_error(plan.pieces[i].status, "%s", data_plan_piece_error(&plan, i));
			goto done_lock;
		}
	/* the rest (pieces of cut files) in order */
	if (pr.direct) {
		err = data_profile_flush(out);
	} else {
		for (size_t i = pr.next; i < plan.nr_pieces; i++)
			pr.final[i] = 1;
		err = prun_drain(&pr);
	}
	if (!err && plan.shard_count > 1)
		*bytes = -1; /* a shard reads part of the bytes: no rate */
done_lock:
	if (hashing)
		data_hasher_finish(&hasher, NULL);
	pthread_mutex_destroy(&pr.lock);
done:
	if (pr.pieces)
		for (size_t i = 0; i < plan.nr_pieces; i++)
			data_profile_release(&pr.pieces[i]);
	free(pr.pieces);
	free(pr.final);
	free(names);
	data_plan_release(&plan);
	return err;
}
