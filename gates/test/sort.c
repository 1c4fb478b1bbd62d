/* sort.c -- ordering qgate-test's compact lines, a run at a time when they are many
 *
 * The plain passes and skips of a run (test.h's compact list) are listed in
 * the result sorted by id, so that a sharded run merged and an unsharded
 * run write the same bytes. A list that fits is sorted in place, 8 bytes a
 * line (test_compact_sort(), test_compact_walk_sorted()); a big one is
 * spilled as it grows, a sorted run at a time, into temp files
 * (lib/report/spool.c) and merged at the end, so that memory holds a run,
 * not the list.
 */
#include "qgate/common.h"

#include <stdint.h>

#include "qgate/result.h"

#include "test.h"

/* Sorting: each line keyed by its prefix's rank (the prefixes sorted once)
 * and the offset of its name, 8 bytes a line; a line's start is found back
 * from its name (the lines are NUL-terminated in place while sorted). */
struct sort_key {
	uint32_t rank, name;
};

static _Thread_local const char *sort_base;
static _Thread_local const struct qg_strmap *sort_prefixes;

static int cmp_prefix(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	size_t la = sort_prefixes->lens[a], lb = sort_prefixes->lens[b];
	int d = memcmp(sort_prefixes->keys[a], sort_prefixes->keys[b], la < lb ? la : lb);

	return d ? d : (la > lb) - (la < lb);
}

static const char *line_of(const char *name)
{
	while (name > sort_base && name[-1])
		name--;
	return name;
}

static int cmp_key(const void *pa, const void *pb)
{
	const struct sort_key *ka = pa, *kb = pb;
	const unsigned char *a, *b;

	if (ka->rank != kb->rank)
		return ka->rank < kb->rank ? -1 : 1;
	/* names end at a tab (never inside one: escaped) */
	a = (const unsigned char *)sort_base + ka->name, b = (const unsigned char *)sort_base + kb->name;
	while (*a == *b && *a != '\t')
		a++, b++;
	if (*a != *b)
		return *a == '\t' ? -1 : *b == '\t' ? 1 : *a < *b ? -1 : 1;
	return strcmp(line_of(sort_base + ka->name), line_of(sort_base + kb->name));
}

/* qsort(key, n, cmp_key) in effect: the keys bucketed by rank (< nranks)
 * first, a counting sort, then each bucket sorted by cmp_key -- a few
 * compares a line (a class holds a handful of cases) instead of log2 n.
 * The same order: cmp_key() is total (keys that compare equal are the
 * same bytes). sort_base is set by the caller. */
static void sort_keys(struct sort_key *key, size_t n, size_t nranks)
{
	size_t *end = nranks < SIZE_MAX ? calloc(nranks + 1, sizeof(*end)) : NULL;
	struct sort_key *tmp = n < SIZE_MAX / sizeof(*tmp) ? malloc(n * sizeof(*tmp)) : NULL;

	for (size_t i = 0; end && tmp && i < n; i++) {
		if (key[i].rank >= nranks) { /* cannot happen: sort the plain way */
			free(tmp);
			tmp = NULL;
			break;
		}
		end[key[i].rank + 1]++;
	}
	if (!end || !tmp) { /* no memory for the buckets: the plain way */
		free(end);
		free(tmp);
		qsort(key, n, sizeof(*key), cmp_key);
		return;
	}
	for (size_t r = 0; r < nranks; r++)
		end[r + 1] += end[r];
	/* end[r] is where bucket r starts; after the scatter, where it ends */
	for (size_t i = 0; i < n; i++)
		tmp[end[key[i].rank]++] = key[i];
	for (size_t r = 0, from = 0; r < nranks; from = end[r++])
		if (end[r] - from > 1)
			qsort(tmp + from, end[r] - from, sizeof(*tmp), cmp_key);
	memcpy(key, tmp, n * sizeof(*key));
	free(end);
	free(tmp);
}

/* A key for each line of rs->compact (its class prefix's rank among the
 * sorted prefixes, and where its name starts), each line cut at its
 * newline, sorted (cmp_key's order, sort_base set to the list); *key is
 * malloc'ed (at least one entry), *nr_keys the lines. */
static int sorted_keys(struct test_results *rs, struct sort_key **key, size_t *nr_keys)
{
	size_t nr = rs->nr_compact, np = rs->prefixes.nr, k = 0;
	uint32_t *order, *rank;
	char *buf = rs->compact;
	int err = 0;

	*key = NULL;
	*nr_keys = 0;
	if (rs->compact_len >= UINT32_MAX || np >= UINT32_MAX)
		return qg_error(QG_ETOOBIG, "more than 4 GiB of test names");
	order = malloc((np + 1) * sizeof(*order));
	rank = malloc((np + 1) * sizeof(*rank));
	*key = malloc((nr ? nr : 1) * sizeof(**key));
	if (!order || !rank || !*key) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < np; i++)
		order[i] = (uint32_t)i;
	sort_prefixes = &rs->prefixes;
	qsort(order, np, sizeof(*order), cmp_prefix);
	for (size_t i = 0; i < np; i++)
		rank[order[i]] = (uint32_t)i;
	for (size_t i = 0; i < rs->compact_len && k < nr; i++) {
		const char *t1 = strchr(buf + i, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		char *e = NULL;
		unsigned long idx = t2 ? strtoul(t2 + 1, &e, 10) : np;

		if (idx >= np || *e != '\t') {
			err = qg_error(QG_ERROR, "internal: a malformed compact test line");
			goto done;
		}
		(*key)[k].rank = rank[idx];
		(*key)[k++].name = (uint32_t)(e + 1 - buf);
		i += strcspn(buf + i, "\n");
		buf[i] = '\0';
	}
done:
	free(order);
	free(rank);
	if (err) {
		free(*key);
		*key = NULL;
		return err;
	}
	*nr_keys = k;
	sort_base = buf;
	sort_keys(*key, k, np);
	return 0;
}

int test_compact_sort(struct test_results *rs)
{
	size_t nr = rs->nr_compact, k = 0, n = 0;
	struct sort_key *key = NULL;
	char *out = NULL, *buf = rs->compact;
	int err = 0;

	if (nr < 2)
		return 0;
	if ((err = sorted_keys(rs, &key, &k)) < 0)
		goto done;
	if (!(out = malloc(rs->compact_len + 1))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < k; i++) {
		const char *line = line_of(buf + key[i].name);
		size_t l = strlen(line);

		memcpy(out + n, line, l);
		n += l;
		out[n++] = '\n';
	}
	out[n] = '\0';
	free(buf);
	rs->compact = out;
	rs->compact_len = n;
	rs->compact_alloc = n + 1;
done:
	if (err) /* the lines again as they were */
		for (size_t i = 0; i < rs->compact_len; i++)
			if (!buf[i])
				buf[i] = '\n';
	free(key);
	return err;
}

/* ---- runs: a big list sorted a run at a time into temp files ----
 *
 * Sorting needs every line, and a report of six million tests has 200 MB
 * of them. Once the lines in memory pass run_bytes, the passes and skips
 * among them are sorted (by prefix, name, then the whole line, the order of
 * test_compact_sort()) and written to a spool of their own, a run; the
 * failures stay. At the end test_compact_walk_sorted() merges the runs (a
 * heap of their first lines), so the list costs a run and a piece a run. A
 * run names prefixes by the index its list gave them; a run moved into
 * another list (test_results_move()) carries a map to that list's. */
/* A line taken apart for ordering: prefix (the list's string), name up to
 * its tab, the head ("<o>\t<ms>\t") and what follows the prefix index. */
struct line_key {
	const char *line, *prefix, *name, *rest;
	size_t len, prefix_len, head_len;
	uint32_t idx; /* the list's prefix index */
};

static int line_key(struct line_key *k, const struct test_results *rs, const struct test_run *run, const char *line,
		    size_t len)
{
	const char *end = line + len, *t1, *t2, *p;
	unsigned long long v = 0;

	if (len < 4 || !(t1 = memchr(line + 2, '\t', len - 2)) || !(t2 = memchr(t1 + 1, '\t', (size_t)(end - t1 - 1))))
		return qg_error(QG_ERROR, "internal: a malformed compact test line");
	for (p = t1 + 1; p < t2 && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long long)(*p - '0');
	if (p != t2 || p == t1 + 1 || (run && run->map ? v >= run->nmap : v >= rs->prefixes.nr))
		return qg_error(QG_ERROR, "internal: a malformed compact test line");
	k->idx = run && run->map ? run->map[v] : (uint32_t)v;
	if (k->idx >= rs->prefixes.nr)
		return qg_error(QG_ERROR, "internal: a malformed compact test line");
	k->line = line;
	k->len = len;
	k->head_len = (size_t)(t1 + 1 - line);
	k->prefix = rs->prefixes.keys[k->idx];
	k->prefix_len = rs->prefixes.lens[k->idx];
	k->name = t2 + 1;
	k->rest = t2 + 1;
	return 0;
}

/* cmp_key()'s order: prefix, name (up to its tab), then the whole line,
 * the prefix index left out (lines of one prefix carry the same index in
 * one list; a run's own index may differ). */
static int line_cmp(const struct line_key *a, const struct line_key *b)
{
	const unsigned char *x, *y, *xe, *ye;
	size_t n;
	int d;

	if (a->idx != b->idx) {
		n = a->prefix_len < b->prefix_len ? a->prefix_len : b->prefix_len;
		d = memcmp(a->prefix, b->prefix, n);
		if (d)
			return d;
		return a->prefix_len < b->prefix_len ? -1 : 1;
	}
	x = (const unsigned char *)a->name, y = (const unsigned char *)b->name;
	xe = (const unsigned char *)a->line + a->len, ye = (const unsigned char *)b->line + b->len;
	while (x < xe && y < ye && *x == *y && *x != '\t')
		x++, y++;
	if (x < xe && y < ye && *x != *y)
		return *x == '\t' ? -1 : *y == '\t' ? 1 : *x < *y ? -1 : 1;
	if ((x < xe) != (y < ye))
		return x < xe ? 1 : -1;
	/* the same id: the heads (outcome, ms; each ends at a tab, so the
	 * first difference is inside the shorter), then the rest */
	n = a->head_len < b->head_len ? a->head_len : b->head_len;
	if ((d = memcmp(a->line, b->line, n)))
		return d;
	n = (size_t)(xe - (const unsigned char *)a->rest) < (size_t)(ye - (const unsigned char *)b->rest)
		    ? (size_t)(xe - (const unsigned char *)a->rest)
		    : (size_t)(ye - (const unsigned char *)b->rest);
	if ((d = memcmp(a->rest, b->rest, n)))
		return d;
	return (xe - (const unsigned char *)a->rest > ye - (const unsigned char *)b->rest) -
	       (xe - (const unsigned char *)a->rest < ye - (const unsigned char *)b->rest);
}

/* The passes and skips in memory (every line with `all`), sorted, into a
 * new run; the failures stay, moved up. Sorted as test_compact_sort()
 * does, 8 bytes a line (cmp_key()), the prefixes ranked among those the
 * run uses only. */
static int spill(struct test_results *rs, int all)
{
	size_t np = rs->prefixes.nr, n = 0, nu = 0, kept = 0, nr_fail = 0;
	struct sort_key *key = NULL;
	uint32_t *rank = NULL, *used = NULL;
	struct qg_spool *sp = NULL;
	struct test_run *runs;
	char *buf = rs->compact;
	int err = 0;

	if (!rs->compact_len)
		return 0;
	if (rs->compact_len >= UINT32_MAX || np >= UINT32_MAX)
		return qg_error(QG_ETOOBIG, "more than 4 GiB of test names");
	for (size_t i = 0; i < rs->compact_len;) {
		const char *nl = memchr(buf + i, '\n', rs->compact_len - i);

		n += all || buf[i] == 'p' || buf[i] == 's';
		i = nl ? (size_t)(nl - buf) + 1 : rs->compact_len;
	}
	if (!n)
		return 0;
	/* no temp file to be had: the list stays in memory, as it always did */
	if (qg_spool_open(&sp) < 0)
		return all ? QG_EIO : 0;
	key = malloc(n * sizeof(*key));
	rank = malloc((np + 1) * sizeof(*rank));
	used = malloc((np + 1) * sizeof(*used));
	if (!key || !rank || !used) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < np; i++)
		rank[i] = UINT32_MAX;
	n = 0;
	for (size_t i = 0; i < rs->compact_len;) {
		char *nl = memchr(buf + i, '\n', rs->compact_len - i);
		size_t end = nl ? (size_t)(nl - buf) : rs->compact_len;

		if (all || buf[i] == 'p' || buf[i] == 's') {
			const char *t1 = memchr(buf + i, '\t', end - i), *t2 = NULL;
			char *e = NULL;
			unsigned long idx = np;

			if (t1 && t1 + 2 < buf + end && (t1 = memchr(t1 + 1, '\t', (size_t)(buf + end - t1 - 1))))
				t2 = t1;
			if (t2)
				idx = strtoul(t2 + 1, &e, 10);
			if (idx >= np || !e || *e != '\t') {
				err = qg_error(QG_ERROR, "internal: a malformed compact test line");
				break;
			}
			if (rank[idx] == UINT32_MAX) {
				rank[idx] = 0;
				used[nu++] = (uint32_t)idx;
			}
			key[n].rank = (uint32_t)idx; /* the index for now, its rank below */
			key[n++].name = (uint32_t)(e + 1 - buf);
		}
		buf[end] = '\0';
		i = end + 1;
	}
	if (err)
		goto done;
	sort_prefixes = &rs->prefixes;
	qsort(used, nu, sizeof(*used), cmp_prefix);
	for (size_t i = 0; i < nu; i++)
		rank[used[i]] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		key[i].rank = rank[key[i].rank];
	sort_base = buf;
	sort_keys(key, n, nu);
	for (size_t i = 0; !err && i < n; i++) {
		const char *line = line_of(buf + key[i].name);
		size_t len = strlen(line);

		/* the NUL after the line stands in for its newline */
		((char *)line)[len] = '\n';
		err = qg_spool_write(sp, line, len + 1);
		((char *)line)[len] = '\0';
	}
	if (!err && !(runs = realloc(rs->runs, (rs->nr_runs + 1) * sizeof(*runs))))
		err = qg_error(QG_ENOMEM, "out of memory");
	if (err)
		goto done;
	rs->runs = runs;
	rs->runs[rs->nr_runs].spool = sp;
	rs->runs[rs->nr_runs].map = NULL;
	rs->runs[rs->nr_runs].nmap = 0;
	rs->runs[rs->nr_runs].lines = n;
	rs->runs[rs->nr_runs++].failures = all;
	sp = NULL;
	rs->nr_spilled += n;
done:
	/* the lines left (failures; all of them on an error), newlines back */
	for (size_t i = 0; i < rs->compact_len;) {
		size_t len = strlen(buf + i);
		int stays = err || (!all && buf[i] != 'p' && buf[i] != 's');

		if (stays) {
			if (kept != i)
				memmove(buf + kept, buf + i, len);
			buf[kept + len] = '\n';
			kept += len + 1;
			nr_fail++;
		}
		i += len + 1;
	}
	rs->compact_len = kept;
	buf[kept] = '\0';
	rs->nr_compact = nr_fail;
	qg_spool_free(sp);
	free(key);
	free(rank);
	free(used);
	return err;
}

int test_results_maybe_spill(struct test_results *rs)
{
	size_t at = rs->run_bytes ? rs->run_bytes : TEST_RUN_BYTES;
	int err;

	if (rs->compact_len < (rs->spill_next > at ? rs->spill_next : at))
		return 0;
	err = spill(rs, 0);
	/* what stays (failures, a report where everything broke) goes to a
	 * run of its own once it is half a run's worth */
	if (!err && rs->compact_len >= at / 2)
		err = spill(rs, 1);
	rs->spill_next = rs->compact_len + at;
	return err;
}

int test_results_walk_failure_runs(struct test_results *rs, int (*each)(void *ctx, const char *line, size_t len),
				   void *ctx)
{
	struct qg_buf piece = QG_BUF_INIT(QG_CAP_REPORT), line = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t kept = 0;
	int err = 0, got = 0;

	for (size_t r = 0; r < rs->nr_runs; r++) {
		struct test_run *run = &rs->runs[r];

		if (!run->failures || err) {
			rs->runs[kept++] = *run;
			continue;
		}
		/* each line with the list's prefix numbers (a run moved in from
		 * another list has its own) */
		err = qg_spool_rewind(run->spool);
		while (!err && (got = qg_spool_next(run->spool, &piece)) > 0) {
			for (const char *p = piece.buf, *end = piece.buf + piece.len; !err && p < end;) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
				struct line_key k;

				qg_buf_reset(&line);
				err = line_key(&k, rs, run, p, len);
				if (!err)
					err = qg_buf_add(&line, k.line, k.head_len);
				if (!err)
					err = qg_buf_addf(&line, "%u\t", k.idx);
				if (!err)
					err = qg_buf_add(&line, k.rest, (size_t)(k.line + k.len - k.rest));
				if (!err)
					err = each(ctx, line.buf, line.len);
				p += len + (nl ? 1 : 0);
			}
			qg_buf_reset(&piece);
		}
		if (!err && got < 0)
			err = got;
		if (err) {
			rs->runs[kept++] = *run;
			continue;
		}
		rs->nr_spilled -= run->lines;
		qg_spool_free(run->spool);
		free(run->map);
	}
	rs->nr_runs = kept;
	qg_buf_release(&piece);
	qg_buf_release(&line);
	return err;
}

int test_results_has_failure_runs(const struct test_results *rs)
{
	for (size_t i = 0; i < rs->nr_runs; i++)
		if (rs->runs[i].failures)
			return 1;
	return 0;
}

/* One run being merged: its current line and the piece it sits in. */
struct run_head {
	struct test_run *run;
	struct qg_buf piece;
	const char *p, *end;
	struct line_key key;
};

/* The run's next line into h->key: 1, 0 at its end, or an error. */
static int head_next(const struct test_results *rs, struct run_head *h)
{
	const char *nl;
	size_t len;
	int more;

	while (h->p >= h->end) {
		qg_buf_reset(&h->piece);
		if ((more = qg_spool_next(h->run->spool, &h->piece)) <= 0)
			return more;
		h->p = h->piece.buf;
		h->end = h->piece.buf + h->piece.len;
	}
	nl = memchr(h->p, '\n', (size_t)(h->end - h->p));
	len = nl ? (size_t)(nl - h->p) : (size_t)(h->end - h->p);
	if (line_key(&h->key, rs, h->run, h->p, len) < 0)
		return QG_ERROR;
	h->p += len + (nl ? 1 : 0);
	return 1;
}

static void heap_down(struct run_head **heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct run_head *t;

		if (l < n && line_cmp(&heap[l]->key, &heap[m]->key) < 0)
			m = l;
		if (r < n && line_cmp(&heap[r]->key, &heap[m]->key) < 0)
			m = r;
		if (m == i)
			return;
		t = heap[i], heap[i] = heap[m], heap[m] = t;
		i = m;
	}
}

void test_results_runs_free(struct test_results *rs)
{
	for (size_t i = 0; i < rs->nr_runs; i++) {
		qg_spool_free(rs->runs[i].spool);
		free(rs->runs[i].map);
	}
	free(rs->runs);
	rs->runs = NULL;
	rs->nr_runs = rs->nr_spilled = 0;
}

/* Every run merged in order; a line of a run with its own prefix numbers
 * is handed on with the list's. */
static int walk_runs(struct test_results *rs, int (*each)(void *ctx, const char *line, size_t len), void *ctx)
{
	struct run_head *heads = calloc(rs->nr_runs, sizeof(*heads));
	struct run_head **heap = calloc(rs->nr_runs, sizeof(*heap));
	struct qg_buf line = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t n = 0;
	int err = 0, more;

	if (!heads || !heap) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < rs->nr_runs; i++)
		qg_buf_init(&heads[i].piece, QG_CAP_REPORT);
	for (size_t i = 0; !err && i < rs->nr_runs; i++) {
		heads[i].run = &rs->runs[i];
		if ((err = qg_spool_rewind(rs->runs[i].spool)) < 0)
			break;
		if ((more = head_next(rs, &heads[i])) < 0)
			err = more;
		else if (more)
			heap[n++] = &heads[i];
	}
	for (size_t i = n / 2; !err && i-- > 0;)
		heap_down(heap, n, i);
	while (!err && n) {
		struct run_head *h = heap[0];
		const struct line_key *k = &h->key;

		if (h->run->map) { /* renumbered: "<o>\t<ms>\t<list's index>\t<rest>" */
			qg_buf_reset(&line);
			err = qg_buf_add(&line, k->line, k->head_len);
			if (!err) { /* "%u\t", by hand: once a line of a big list */
				char num[16];
				size_t at = sizeof(num);
				uint32_t v = k->idx;

				num[--at] = '\t';
				do
					num[--at] = (char)('0' + v % 10);
				while ((v /= 10));
				err = qg_buf_add(&line, num + at, sizeof(num) - at);
			}
			if (!err)
				err = qg_buf_add(&line, k->rest, (size_t)(k->line + k->len - k->rest));
			if (!err)
				err = each(ctx, line.buf, line.len);
		} else {
			err = each(ctx, k->line, k->len);
		}
		if (err)
			break;
		if ((more = head_next(rs, h)) < 0)
			err = more;
		else if (!more)
			heap[0] = heap[--n];
		heap_down(heap, n, 0);
	}
done:
	for (size_t i = 0; heads && i < rs->nr_runs; i++)
		qg_buf_release(&heads[i].piece);
	free(heads);
	free(heap);
	qg_buf_release(&line);
	return err;
}

int test_compact_walk_sorted(struct test_results *rs, int (*each)(void *ctx, const char *line, size_t len),
			     void *ctx)
{
	size_t k = 0;
	struct sort_key *key = NULL;
	char *buf = rs->compact;
	int err = 0;

	if (rs->nr_runs) {
		/* what is left in memory becomes a run of its own: the failures
		 * too (nothing reads the list after this walk) */
		err = spill(rs, 1);
		free(rs->compact);
		rs->compact = NULL;
		rs->compact_len = rs->compact_alloc = rs->nr_compact = 0;
		if (!err)
			err = walk_runs(rs, each, ctx);
		test_results_runs_free(rs);
		return err;
	}
	if (!buf || !rs->compact_len)
		return 0;
	if ((err = sorted_keys(rs, &key, &k)) < 0)
		goto done;
	for (size_t i = 0; !err && i < k; i++) {
		const char *line = line_of(buf + key[i].name);

		err = each(ctx, line, strlen(line));
	}
done:
	free(key);
	/* consumed: the lines are NUL-terminated in place, the list is empty */
	free(rs->compact);
	rs->compact = NULL;
	rs->compact_len = rs->compact_alloc = rs->nr_compact = 0;
	return err;
}
