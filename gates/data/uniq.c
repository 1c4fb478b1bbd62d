/* uniq.c -- key sets for unique/primaryKey at any size (see uniq.h)
 *
 * Reading appends; checking sorts. Appending a key and its line costs the
 * same at 1 M and at 1 G keys (no table to probe, nothing to rehash). A
 * full buffer becomes one run, bucketed by the key's top byte and packed
 * (10-byte entries, see data_uniq_p10): kept in memory while the set's
 * share of --unique-memory allows, else written to a temporary file. A
 * finished piece's sets are absorbed into the run's (data_uniq_absorb), so
 * ten thousand files hold no more sets than one. After the read
 * data_uniq_check() takes each of the 256 partitions in turn: the
 * partition's keys from every run and every buffer (1.5 MB at 50 M keys),
 * a counting pass and a scatter on the next bits, insertion sorts, one scan
 * for equal keys, and only for the repeated keys a second look at the runs
 * for their lines. Time is linear in the keys, memory is the cap plus one
 * partition.
 *
 * Intervals make the usual integer key column (1, 2, 3, ... possibly with
 * gaps) nearly free: a sorted input only ever extends the last interval or
 * appends one, O(1) through `hint`. Opening an interval in the middle costs
 * a memmove, allowed while there are few intervals (MID_MAX); joining two
 * intervals far from the end would too, so there the left one is only
 * extended (intervals stay disjoint, merely adjacent). Keys that fit no
 * interval become entries. An entry whose value an interval later covers is
 * a duplicate found by the check (its first line then is unknown).
 *
 * Why one long file: the pool (memory cap, spill files), sets, intervals,
 * absorbing, the partitioned check and the foreign-key anti-join all walk
 * the same partitions and runs (in memory or spilled). The next seam is the
 * anti-join (uniq_fk.c), which needs only run_read() and bucket().
 *
 * Why one file of this length: the run format (packed 10/12/16-byte entries), spilling,
 * absorbing finished pieces and the partition check all read and write the same entry
 * layout; splitting them would put that layout's encoding in a header for four readers.
 */
#include "qgate/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "qgate/hash.h"
#include "uniq.h"

#define MID_MAX 4096
#define END_MAX ((size_t)1 << 20)
#define FIRST_ENTRIES 1024
/* A buffer holds at most 2^18 entries (4 MiB, 8 with its bucketing copy),
 * however large the cap: past that it spills. Measured on 5 M string ids
 * (bench_unique.sh): a 256 MiB buffer took 6 s, 4-16 MiB ones 2 s -- first
 * touches of fresh memory (page faults) cost more than writing the run to
 * the page cache and reading it back once. The cap still bounds the sum
 * over every set (fields x pieces read at once). */
#define MAX_ENTRIES ((size_t)1 << 18)
#define NPART 256

/* A run's entry, packed: 10 or 12 bytes instead of 16. The key's top byte
 * is the partition (implied by where the entry is), the piece is the run's
 * (one for all its entries), and the line is an offset from the run's
 * first: w holds the key's low 56 bits above the offset's low 8 bits, hi
 * the rest of the offset -- 16 bits (P10: a run of 2^18 keys spanning less
 * than 2^24 lines, the usual case) or 32 (P12: any line, 40 bits): three
 * eighths (P10) or a quarter (P12) less memory kept and spill written. On
 * a VM whose fresh pages cost more than the copy into them (the host backs
 * them on first touch), the bytes are the time. */
struct data_uniq_p12 {
	uint64_t w;
	uint32_t hi;
} __attribute__((packed));
struct data_uniq_p10 {
	uint64_t w;
	uint16_t hi;
} __attribute__((packed));
_Static_assert(sizeof(struct data_uniq_p12) == 12, "packed entries are 12 bytes");
_Static_assert(sizeof(struct data_uniq_p10) == 10, "packed entries are 10 bytes");

enum { RUN_WIDE, RUN_P12, RUN_P10 };

/* The packed formats as one: the key of partition `part`, the offset. */
#define PENT_PUT(d, k, off)                                   \
	do {                                                  \
		__typeof__(d) d_ = (d);                       \
		uint64_t o_ = (off);                          \
		d_->w = ((k) << 8) | (o_ & 0xff);             \
		d_->hi = (__typeof__(d_->hi))(o_ >> 8);       \
	} while (0)
#define PENT_KEY(x, part) (((uint64_t)(part) << 56) | ((x)->w >> 8))
#define PENT_OFF(x) (((uint64_t)(x)->hi << 8) | ((x)->w & 0xff))

struct data_uniq_run {
	long long off;          /* in the spill file; -1: the set's buffer */
	void *mem;              /* or kept in memory (charged to its set) */
	size_t cum[NPART + 1];  /* entries before partition b */
	uint64_t base;          /* packed: DATA_UNIQ_POS(piece, first line) --
				 * an entry's pos is base + its offset */
	int fmt;                /* RUN_P10, RUN_P12, or RUN_WIDE (data_uniq_ent:
				 * the buffer held keys of several pieces) */
};

static inline size_t fmt_esz(int fmt)
{
	return fmt == RUN_P10 ? sizeof(struct data_uniq_p10) :
	       fmt == RUN_P12 ? sizeof(struct data_uniq_p12) : sizeof(struct data_uniq_ent);
}

static inline size_t run_esz(const struct data_uniq_run *r)
{
	return fmt_esz(r->fmt);
}

/* ---------------------------------------------------------------- pool */

int data_uniq_pool_init(struct data_uniq_pool *pool, long long cap)
{
	memset(pool, 0, sizeof(*pool));
	atomic_init(&pool->bytes, 0);
	atomic_init(&pool->end, 0);
	atomic_init(&pool->failed, 0);
	pool->cap = cap;
	pool->fd = -1;
	if (pthread_mutex_init(&pool->lock, NULL))
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

void data_uniq_pool_release(struct data_uniq_pool *pool)
{
	if (!pool)
		return;
	if (pool->fd >= 0)
		close(pool->fd);
	pool->fd = -1;
	pthread_mutex_destroy(&pool->lock);
}

static void pool_fail(struct data_uniq_pool *pool, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pool_fail(struct data_uniq_pool *pool, int code, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&pool->lock);
	if (!atomic_load(&pool->failed)) {
		va_start(ap, fmt);
		vsnprintf(pool->err, sizeof(pool->err), fmt, ap);
		va_end(ap);
		pool->err_code = code;
		atomic_store(&pool->failed, 1);
	}
	pthread_mutex_unlock(&pool->lock);
}

int data_uniq_pool_error(struct data_uniq_pool *pool)
{
	if (!atomic_load(&pool->failed))
		return 0;
	return qg_error(pool->err_code, "%s", pool->err);
}

long long data_uniq_pool_spilled(struct data_uniq_pool *pool)
{
	return atomic_load(&pool->end);
}

static const char *tmpdir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

/* The spill file, created on first use and unlinked at once: nothing is
 * left behind whichever way the process ends. */
static int pool_file(struct data_uniq_pool *pool)
{
	int fd;

	pthread_mutex_lock(&pool->lock);
	if (pool->fd < 0) {
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/qgate-keys-XXXXXX", tmpdir());

		if (n < 0 || (size_t)n >= sizeof(path)) {
			pthread_mutex_unlock(&pool->lock);
			pool_fail(pool, QG_EIO, "'%s': temporary folder name too long for the unique check's spill file",
				  tmpdir());
			return -1;
		}
		pool->fd = mkstemp(path);
		if (pool->fd < 0) {
			int e = errno;
			pthread_mutex_unlock(&pool->lock);
			pool_fail(pool, QG_EIO, "'%s': cannot create the unique check's spill file: %s (set TMPDIR)", path,
				  strerror(e));
			return -1;
		}
		unlink(path);
	}
	fd = pool->fd;
	pthread_mutex_unlock(&pool->lock);
	return fd;
}

static int pool_write(struct data_uniq_pool *pool, const void *buf, size_t len, long long *off)
{
	int fd = pool_file(pool);
	const char *p = buf;
	long long at;

	if (fd < 0)
		return -1;
	at = *off = atomic_fetch_add(&pool->end, (long long)len);
	while (len) {
		ssize_t w = pwrite(fd, p, len, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pool_fail(pool, QG_EIO, "'%s': cannot write the unique check's spill file: %s", tmpdir(),
				  w < 0 ? strerror(errno) : "short write");
			return -1;
		}
		p += w;
		at += w;
		len -= (size_t)w;
	}
	return 0;
}

static int pool_read(struct data_uniq_pool *pool, void *buf, size_t len, long long at)
{
	char *p = buf;

	while (len) {
		ssize_t r = pread(pool->fd, p, len, (off_t)at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			pool_fail(pool, QG_EIO, "'%s': cannot read the unique check's spill file: %s", tmpdir(),
				  r < 0 ? strerror(errno) : "file ends early");
			return -1;
		}
		p += r;
		at += r;
		len -= (size_t)r;
	}
	return 0;
}

/* ---------------------------------------------------------------- sets */

void data_uniq_init(struct qg_uniq *u, int ints, struct data_uniq_pool *pool, size_t piece, long long share)
{
	memset(u, 0, sizeof(*u));
	u->ints = ints;
	u->pool = pool;
	u->piece = piece;
	u->share = share > 0 ? share : pool ? pool->cap : 0;
}

void data_uniq_release(struct qg_uniq *u)
{
	if (!u)
		return;
	free(u->iv);
	free(u->e);
	free(u->tmp);
	for (size_t i = 0; i < u->nr_runs; i++)
		free(u->runs[i].mem);
	free(u->runs);
	if (u->pool && u->charged)
		atomic_fetch_sub(&u->pool->bytes, u->charged);
	u->iv = NULL;
	u->e = NULL;
	u->tmp = NULL;
	u->runs = NULL;
	u->nr_iv = u->alloc_iv = u->nr = u->alloc = u->nr_runs = 0;
	u->charged = 0;
	u->hint = 0;
	u->fnext = u->flim = 0;
}

/* A finished piece's set keeps only what it holds: interval and entry
 * buffers cut to their length (ten thousand small files otherwise keep
 * ten thousand mostly empty 1,024-entry buffers until the check). */
void data_uniq_shrink(struct qg_uniq *u)
{
	if (u->alloc_iv > u->nr_iv) {
		long long (*iv)[2] = u->nr_iv ? realloc(u->iv, u->nr_iv * 16) : NULL;

		if (iv || !u->nr_iv) {
			if (!u->nr_iv)
				free(u->iv);
			if (u->pool)
				atomic_fetch_sub(&u->pool->bytes, (long long)((u->alloc_iv - u->nr_iv) * 16));
			u->charged -= (long long)((u->alloc_iv - u->nr_iv) * 16);
			u->iv = iv;
			u->alloc_iv = u->nr_iv;
			if (u->hint >= u->nr_iv)
				u->hint = 0;
		}
	}
	if (u->alloc > u->nr) {
		size_t n = u->nr, freed = u->alloc - n;
		struct data_uniq_ent *e, *t;

		if (!n) {
			free(u->e);
			free(u->tmp);
			u->e = u->tmp = NULL;
		} else {
			/* shrinking realloc keeps the block when it cannot move it */
			if ((e = realloc(u->e, n * sizeof(*e))))
				u->e = e;
			if (u->tmp && (t = realloc(u->tmp, n * sizeof(*t))))
				u->tmp = t;
		}
		u->alloc = n;
		if (u->pool)
			atomic_fetch_sub(&u->pool->bytes, (long long)(freed * sizeof(*u->e)) * 2);
		u->charged -= (long long)(freed * sizeof(*u->e)) * 2;
	}
}

/* 0, or -1 when the set's share or the pool's cap would be exceeded. */
static int charge(struct qg_uniq *u, long long bytes, int force)
{
	if (u->pool && !force) {
		if (u->charged + bytes > u->share)
			return -1;
		if (atomic_fetch_add(&u->pool->bytes, bytes) + bytes > u->pool->cap) {
			atomic_fetch_sub(&u->pool->bytes, bytes);
			return -1;
		}
	} else if (u->pool) {
		atomic_fetch_add(&u->pool->bytes, bytes);
	}
	u->charged += bytes;
	return 0;
}

static void uncharge(struct qg_uniq *u, long long bytes)
{
	if (u->pool)
		atomic_fetch_sub(&u->pool->bytes, bytes);
	u->charged -= bytes;
}

static void no_memory(struct qg_uniq *u, size_t bytes)
{
	u->failed = 1;
	if (u->pool)
		pool_fail(u->pool, QG_ENOMEM,
			  "out of memory: the system refused %zu bytes for the unique/primaryKey key set "
			  "(--unique-memory %lld MiB is more than this process may allocate; lower it)",
			  bytes, u->pool->cap >> 20);
}

/* Partition b of an entry: its key's top byte. */
static inline unsigned part_of(uint64_t k)
{
	return (unsigned)(k >> 56);
}

/* u's entries bucketed by partition (a counting pass, then one scatter
 * into u->tmp, which becomes u->e); cum[b] is the first entry of partition
 * b, cum[NPART] == nr. Out of place: 256 sequential write streams, where an
 * in-place permutation would miss the cache on every swap. */
static void bucket(struct qg_uniq *u, size_t *cum)
{
	size_t cnt[NPART] = { 0 }, next[NPART];
	const struct data_uniq_ent *e = u->e;
	struct data_uniq_ent *t = u->tmp;
	size_t n = u->nr;

	for (size_t i = 0; i < n; i++)
		cnt[part_of(e[i].k)]++;
	cum[0] = 0;
	for (unsigned b = 0; b < NPART; b++) {
		cum[b + 1] = cum[b] + cnt[b];
		next[b] = cum[b];
	}
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		t[next[part_of(e[i].k)]++] = e[i];
	u->tmp = u->e;
	u->e = t;
}

/* How u's entries become a run: cum[b] the first entry of partition b,
 * and the format -- packed when they are all of one piece (10 bytes when
 * their lines span less than 2^24), else as they are; *base: the packed
 * entries' first pos. */
static int bucket_plan(const struct qg_uniq *u, size_t *cum, uint64_t *base)
{
	size_t cnt[NPART] = { 0 };
	const struct data_uniq_ent *e = u->e;
	const size_t n = u->nr;
	uint64_t lo = e[0].pos, hi = e[0].pos;

	for (size_t i = 0; i < n; i++) {
		cnt[part_of(e[i].k)]++;
		lo = e[i].pos < lo ? e[i].pos : lo;
		hi = e[i].pos > hi ? e[i].pos : hi;
	}
	cum[0] = 0;
	for (unsigned b = 0; b < NPART; b++)
		cum[b + 1] = cum[b] + cnt[b];
	*base = lo;
	/* one piece: lo and hi share it, and every pos between them is lo
	 * plus a line offset */
	if ((lo >> DATA_UNIQ_LINE_BITS) == (hi >> DATA_UNIQ_LINE_BITS))
		return hi - lo < ((uint64_t)1 << 24) ? RUN_P10 : RUN_P12;
	*base = 0;
	return RUN_WIDE;
}

/* u's entries bucketed into out as bucket_plan() said; u->e is unchanged
 * (it goes on as the set's buffer). */
static void bucket_out(const struct qg_uniq *u, void *out, const size_t *cum, int fmt, uint64_t base)
{
	const struct data_uniq_ent *e = u->e;
	const size_t n = u->nr;
	size_t next[NPART];

	memcpy(next, cum, sizeof(next));
	if (fmt == RUN_P10) {
		struct data_uniq_p10 *t = out;

		for (size_t i = 0; i < n; i++)
			PENT_PUT(&t[next[part_of(e[i].k)]++], e[i].k, e[i].pos - base);
	} else if (fmt == RUN_P12) {
		struct data_uniq_p12 *t = out;

		for (size_t i = 0; i < n; i++)
			PENT_PUT(&t[next[part_of(e[i].k)]++], e[i].k, e[i].pos - base);
	} else {
		for (size_t i = 0; i < n; i++)
			((struct data_uniq_ent *)out)[next[part_of(e[i].k)]++] = e[i];
	}
}

/* The buffer as one run in the spill file; the buffer is empty after. */
static int spill(struct qg_uniq *u)
{
	struct data_uniq_run *runs, *r;
	size_t bytes;

	if (!u->nr)
		return 0;
	if (!u->pool) {
		no_memory(u, u->alloc * sizeof(*u->e));
		return -1;
	}
	runs = realloc(u->runs, (u->nr_runs + 1) * sizeof(*runs));
	if (!runs) {
		no_memory(u, (u->nr_runs + 1) * sizeof(*runs));
		return -1;
	}
	u->runs = runs;
	r = &runs[u->nr_runs];
	r->mem = NULL;
	r->off = -1;
	r->fmt = bucket_plan(u, r->cum, &r->base);
	bytes = u->nr * run_esz(r);
	/* within the cap the run is bucketed straight into memory of its
	 * exact size (writing runs to the page cache and reading them back was
	 * 43% of a 10 M-key check: copy_folio_from_iter_atomic). Exact: a
	 * fresh page costs more than the copy into it. Plain pages: 2 MiB
	 * ones (MADV_HUGEPAGE) come from the free blocks this VM hands back
	 * to its host, and a run started a few seconds after the last one
	 * spent 1.0-1.2 s in the kernel at 50 M keys against 0.6-0.7 s with
	 * 4 KiB pages (warm, back to back, they were about even). */
	if (charge(u, (long long)bytes, 0) == 0) {
		void *kept = malloc(bytes);

		if (kept) {
			bucket_out(u, kept, r->cum, r->fmt, r->base);
			r->mem = kept;
			u->nr_runs++;
			u->nr = 0;
			return 0;
		}
		uncharge(u, (long long)bytes);
	}
	bucket_out(u, u->tmp, r->cum, r->fmt, r->base);
	if (pool_write(u->pool, u->tmp, bytes, &r->off) < 0) {
		u->failed = 1;
		return -1;
	}
	u->nr_runs++;
	u->nr = 0;
	return 0;
}

/* n entries of format fmt (of partition p, positions from base) as
 * data_uniq_ent into out; src may be out's last n * fmt_esz(fmt) bytes
 * (entry i is read before it is written, and 16(i + 1) <= 16n - esz(n -
 * i - 1) for esz <= 16). */
static void unpack(struct data_uniq_ent *out, const void *src, size_t n, int fmt, unsigned p, uint64_t base)
{
	if (fmt == RUN_P10) {
		const struct data_uniq_p10 *x = src;

		for (size_t i = 0; i < n; i++) {
			uint64_t k = PENT_KEY(&x[i], p), pos = base + PENT_OFF(&x[i]);

			out[i].k = k;
			out[i].pos = pos;
		}
	} else if (fmt == RUN_P12) {
		const struct data_uniq_p12 *x = src;

		for (size_t i = 0; i < n; i++) {
			uint64_t k = PENT_KEY(&x[i], p), pos = base + PENT_OFF(&x[i]);

			out[i].k = k;
			out[i].pos = pos;
		}
	} else {
		memmove(out, src, n * sizeof(*out));
	}
}

/* Entries [first, first + n) of a run (all of partition p), from memory or
 * the spill file, as entries. */
static int run_read(struct data_uniq_pool *pool, const struct data_uniq_run *run, unsigned p,
		    struct data_uniq_ent *buf, size_t first, size_t n)
{
	const size_t esz = run_esz(run);
	char *at = (char *)buf + n * (sizeof(*buf) - esz);

	if (run->mem) {
		unpack(buf, (const char *)run->mem + first * esz, n, run->fmt, p, run->base);
		return 0;
	}
	if (pool_read(pool, at, n * esz, run->off + (long long)(first * esz)) < 0)
		return -1;
	unpack(buf, at, n, run->fmt, p, run->base);
	return 0;
}

/* Room for one more entry: a larger buffer within the set's share and the
 * pool's cap (charged twice: the bucketing copy is as large), or the buffer
 * spilled. 0, or -1 (the pool failed). */
static int grow(struct qg_uniq *u)
{
	size_t want[2] = { u->alloc ? u->alloc * 2 : FIRST_ENTRIES, u->alloc + u->alloc / 4 };

	for (int t = 0; t < 2; t++)
		if (want[t] > MAX_ENTRIES)
			want[t] = MAX_ENTRIES;

	if (u->pool && atomic_load_explicit(&u->pool->failed, memory_order_relaxed)) {
		u->failed = 1;
		return -1;
	}
	for (int t = 0; t < 2; t++) {
		size_t ns = want[t];
		long long bytes = (long long)((ns - u->alloc) * sizeof(*u->e)) * 2;
		struct data_uniq_ent *e, *tmp;

		if (ns <= u->alloc)
			continue;
		/* the first buffer is always allowed: a set that could not
		 * hold a thousand keys would spill every thousand */
		if (charge(u, bytes, !u->alloc) < 0)
			continue;
		free(u->tmp);
		u->tmp = NULL;
		e = realloc(u->e, ns * sizeof(*e));
		if (e)
			u->e = e;
		tmp = e ? malloc(ns * sizeof(*tmp)) : NULL;
		if (!tmp) {
			/* the old buffer stays (charged) for release */
			uncharge(u, bytes);
			no_memory(u, ns * sizeof(*e));
			return -1;
		}
		u->tmp = tmp;
		u->alloc = ns;
		return 0;
	}
	return spill(u);
}

static int add_entry(struct qg_uniq *u, uint64_t k, long long line)
{
	if (u->nr == u->alloc && grow(u) < 0)
		return -1;
	u->e[u->nr].k = k;
	u->e[u->nr].pos = DATA_UNIQ_POS(u->piece, line);
	u->nr++;
	return 1;
}

int data_uniq_add_hash_slow(struct qg_uniq *u, uint64_t h, long long line)
{
	if (u->failed)
		return -1;
	return add_entry(u, h, line);
}

/* ------------------------------------------------------------ intervals */

/* First interval with hi >= v (nr_iv when none). */
static size_t locate(const struct qg_uniq *u, long long v)
{
	size_t lo = 0, hi = u->nr_iv, h = u->hint;

	/* sorted input: v lands right after the hint interval */
	if (h < u->nr_iv && u->iv[h][1] < v && (h + 1 == u->nr_iv || u->iv[h + 1][1] >= v))
		return h + 1;
	if (h < u->nr_iv && u->iv[h][1] >= v && (h == 0 || u->iv[h - 1][1] < v))
		return h;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->iv[mid][1] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 0, or -1 when the intervals may not grow (the key becomes an entry). */
static int iv_insert(struct qg_uniq *u, size_t i, long long lo, long long hi)
{
	if (u->nr_iv == u->alloc_iv) {
		size_t na = u->alloc_iv ? u->alloc_iv * 2 : 64;
		long long (*iv)[2];

		if (charge(u, (long long)((na - u->alloc_iv) * 16), 0) < 0)
			return -1;
		iv = realloc(u->iv, na * 16);
		if (!iv) {
			uncharge(u, (long long)((na - u->alloc_iv) * 16));
			return -1;
		}
		u->iv = iv;
		u->alloc_iv = na;
	}
	memmove(u->iv + i + 1, u->iv + i, (u->nr_iv - i) * 16);
	u->iv[i][0] = lo;
	u->iv[i][1] = hi;
	u->nr_iv++;
	return 0;
}

/* The state data_uniq_extend() tests: the key right after interval `hint`,
 * below the start of the next one. */
static void uniq_refresh(struct qg_uniq *u)
{
	size_t h = u->hint;

	u->fnext = u->flim = 0;
	if (u->ints && h < u->nr_iv && u->iv[h][1] != INT64_MAX) {
		u->fnext = u->iv[h][1] + 1;
		u->flim = h + 1 == u->nr_iv ? INT64_MAX : u->iv[h + 1][0] - 1;
	}
}

static int uniq_add_int(struct qg_uniq *u, long long v, long long line)
{
	size_t i;
	int left, right;

	if (!u->ints)
		return add_entry(u, qg_hash_fmix64((uint64_t)v), line);
	i = locate(u, v);
	if (i < u->nr_iv && u->iv[i][0] <= v)
		return 0;
	left = i > 0 && v != INT64_MIN && u->iv[i - 1][1] == v - 1;
	right = i < u->nr_iv && v != INT64_MAX && u->iv[i][0] == v + 1;
	if (left && right && u->nr_iv - i <= MID_MAX) {
		u->iv[i - 1][1] = u->iv[i][1];
		memmove(u->iv + i, u->iv + i + 1, (u->nr_iv - i - 1) * 16);
		u->nr_iv--;
		u->hint = i - 1;
	} else if (left) {
		/* joining far from the end would move the tail: the two
		 * intervals stay, adjacent */
		u->iv[i - 1][1] = v;
		u->hint = i - 1;
	} else if (right) {
		u->iv[i][0] = v;
		u->hint = i;
	} else if (((i == u->nr_iv && u->nr_iv < END_MAX) || u->nr_iv < MID_MAX) && iv_insert(u, i, v, v) == 0) {
		u->hint = i;
	} else {
		return add_entry(u, qg_hash_fmix64((uint64_t)v), line);
	}
	return 1;
}

int data_uniq_add_int(struct qg_uniq *u, long long v, long long line)
{
	int r;

	if (u->failed)
		return -1;
	r = uniq_add_int(u, v, line);
	uniq_refresh(u);
	return r;
}

/* ---------------------------------------------------------------- check */

/* fmix64's inverse: integer keys are stored mixed (uniform partitions) and
 * shown as the value again. */
static uint64_t unfmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0x9cb4b2f8129337dbull;
	k ^= k >> 33;
	k *= 0x4f74430c22a54005ull;
	k ^= k >> 33;
	return k;
}

static int iv_cmp(const void *a, const void *b)
{
	const long long *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int in_union(long long (*U)[2], size_t n, long long v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (U[mid][1] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && U[lo][0] <= v;
}

static inline int ent_less(const struct data_uniq_ent *a, const struct data_uniq_ent *b)
{
	return a->k < b->k || (a->k == b->k && a->pos < b->pos);
}

/* One partition's entries from one source: a run (packed or not, in memory
 * or read into the staging buffer) or a set's bucketed buffer. */
struct seg {
	const void *p;
	size_t n;
	int fmt;
	uint64_t base;
};

/* The bucket of an entry within its partition: the `bits` below the top
 * byte (a packed entry holds them at the top of w). */
#define SUB_WIDE(k, bits) ((size_t)(((k) << 8) >> (64 - (bits))))
#define SUB_PACKED(w, bits) ((size_t)((w) >> (64 - (bits))))

/* Insertion sort of keys: linear on the output of a counting pass
 * (buckets of one or two keys). */
static void sort_keys_small(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = a[i];
		size_t j = i;

		while (j > 0 && x < a[j - 1]) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* The keys of partition p sorted into out (m of them, from the segments):
 * a counting pass over the sources (10 or 12 bytes an entry where packed),
 * one scatter of the bare keys by the bits below the top byte, then
 * insertion sorts of the (one or two key) buckets. Keys only: 8 bytes
 * scattered and moved where whole entries were 16 (the check's largest
 * cost at 50 M keys); the lines of the few repeated keys are gathered
 * afterwards (gather_dups). (Two counting passes -- groups by the first
 * bits, then each group in cache -- measured no faster.) cnt: room for
 * 2^20 + 1 counters. */
static void sort_segs(const struct seg *sg, size_t ns, unsigned p, uint64_t *out, size_t m, uint32_t *cnt)
{
	unsigned bits = 4;
	size_t nb;
	uint32_t sum = 0;

	/* at most one key a bucket on average (two measured the same:
	 * fewer counters, more moves in the insertion sorts) */
	while (bits < 20 && ((size_t)1 << bits) < m)
		bits++;
	nb = (size_t)1 << bits;
	memset(cnt, 0, (nb + 1) * sizeof(*cnt));
/* one source's count, then its scatter, for a packed format */
#define COUNT_PACKED(T)                                          \
	do {                                                     \
		const T *x = sg[s].p;                            \
		for (size_t i = 0; i < sg[s].n; i++)             \
			cnt[SUB_PACKED(x[i].w, bits) + 1]++;     \
	} while (0)
#define SCATTER_PACKED(T)                                                           \
	do {                                                                        \
		const T *x = sg[s].p;                                               \
		for (size_t i = 0; i < sg[s].n; i++)                                \
			out[cnt[SUB_PACKED(x[i].w, bits)]++] = PENT_KEY(&x[i], p);  \
	} while (0)
	for (size_t s = 0; s < ns; s++) {
		if (sg[s].fmt == RUN_P10) {
			COUNT_PACKED(struct data_uniq_p10);
		} else if (sg[s].fmt == RUN_P12) {
			COUNT_PACKED(struct data_uniq_p12);
		} else {
			const struct data_uniq_ent *x = sg[s].p;

			for (size_t i = 0; i < sg[s].n; i++)
				cnt[SUB_WIDE(x[i].k, bits) + 1]++;
		}
	}
	for (size_t b = 0; b <= nb; b++) {
		sum += cnt[b];
		cnt[b] = sum;
	}
	for (size_t s = 0; s < ns; s++) {
		if (sg[s].fmt == RUN_P10) {
			SCATTER_PACKED(struct data_uniq_p10);
		} else if (sg[s].fmt == RUN_P12) {
			SCATTER_PACKED(struct data_uniq_p12);
		} else {
			const struct data_uniq_ent *x = sg[s].p;

			for (size_t i = 0; i < sg[s].n; i++)
				out[cnt[SUB_WIDE(x[i].k, bits)]++] = x[i].k;
		}
	}
#undef COUNT_PACKED
#undef SCATTER_PACKED
	sort_keys_small(out, m);
}

static int key_in(const uint64_t *k, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo] == x;
}

static int ent_cmp(const void *x, const void *y)
{
	const struct data_uniq_ent *a = x, *b = y;

	return ent_less(a, b) ? -1 : ent_less(b, a);
}

/* Every entry of the segments whose key is one of dk (nd, sorted), with
 * its position, into *out (grown as needed; *cap its room), sorted by
 * (k, pos). Returns how many, or -1 (out of memory). */
static long long gather_dups(const struct seg *sg, size_t ns, unsigned p, const uint64_t *dk, size_t nd,
			     struct data_uniq_ent **out, size_t *cap)
{
	size_t n = 0;

#define GATHER(k_, pos_)                                                              \
	do {                                                                          \
		uint64_t k0 = (k_);                                                   \
		if (key_in(dk, nd, k0)) {                                             \
			if (n == *cap) {                                              \
				size_t nc = *cap ? *cap * 2 : 256;                    \
				struct data_uniq_ent *o = realloc(*out, nc * sizeof(*o)); \
				if (!o)                                               \
					return -1;                                    \
				*out = o;                                             \
				*cap = nc;                                            \
			}                                                             \
			(*out)[n].k = k0;                                             \
			(*out)[n].pos = (pos_);                                       \
			n++;                                                          \
		}                                                                     \
	} while (0)
	for (size_t s = 0; s < ns; s++) {
		if (sg[s].fmt == RUN_P10) {
			const struct data_uniq_p10 *x = sg[s].p;

			for (size_t i = 0; i < sg[s].n; i++)
				GATHER(PENT_KEY(&x[i], p), sg[s].base + PENT_OFF(&x[i]));
		} else if (sg[s].fmt == RUN_P12) {
			const struct data_uniq_p12 *x = sg[s].p;

			for (size_t i = 0; i < sg[s].n; i++)
				GATHER(PENT_KEY(&x[i], p), sg[s].base + PENT_OFF(&x[i]));
		} else {
			const struct data_uniq_ent *x = sg[s].p;

			for (size_t i = 0; i < sg[s].n; i++)
				GATHER(x[i].k, x[i].pos);
		}
	}
#undef GATHER
	qsort(*out, n, sizeof(**out), ent_cmp);
	return (long long)n;
}

/* The smallest values (at most max, ascending) that two intervals of the
 * sets hold: repeats whose lines the intervals do not keep. */
size_t data_uniq_overlaps(struct qg_uniq *const *sets, size_t n, long long *vals, size_t max)
{
	long long (*U)[2];
	size_t niv = 0, k = 0, nv = 0;
	long long top = 0;

	for (size_t s = 0; s < n; s++)
		niv += sets[s]->nr_iv;
	if (niv < 2 || !max || !(U = malloc(niv * 16)))
		return 0;
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < sets[s]->nr_iv; i++, k++) {
			U[k][0] = sets[s]->iv[i][0];
			U[k][1] = sets[s]->iv[i][1];
		}
	qsort(U, niv, 16, iv_cmp);
	for (size_t i = 0; i < niv && nv < max; i++) {
		if (i && U[i][0] <= top) {
			long long hi = U[i][1] < top ? U[i][1] : top;

			for (long long x = U[i][0]; nv < max; x++) {
				if (!nv || vals[nv - 1] < x)
					vals[nv++] = x;
				if (x == hi)
					break;
			}
		}
		if (!i || U[i][1] > top)
			top = U[i][1];
	}
	free(U);
	return nv;
}

int data_uniq_check(struct data_uniq_pool *pool, struct qg_uniq *const *sets, size_t n, data_uniq_dup_fn fn,
		    void *ctx, long long *dups, long long *iv_dups)
{
	long long (*U)[2] = NULL;
	size_t nu = 0, niv = 0, cap = 0;
	uint32_t *cnt = NULL;
	struct data_uniq_ent *a = NULL, *b = NULL, *dl = NULL;
	size_t dcap = 0;
	struct seg *sg = NULL;
	size_t (*mem)[NPART + 1] = NULL, nact = 0;
	struct qg_uniq **act = NULL;
	long long d = 0;
	unsigned __int128 len = 0;
	int ints = 0, ret = 0;

	*dups = 0;
	*iv_dups = 0;
	if (pool && (ret = data_uniq_pool_error(pool)) < 0)
		goto done;
	for (size_t s = 0; s < n; s++) {
		ints |= sets[s]->ints;
		niv += sets[s]->nr_iv;
	}
	/* intervals: the overlaps are repeats between sets */
	if (niv) {
		size_t k = 0;

		U = malloc(niv * 16);
		if (!U) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t s = 0; s < n; s++)
			for (size_t i = 0; i < sets[s]->nr_iv; i++, k++) {
				U[k][0] = sets[s]->iv[i][0];
				U[k][1] = sets[s]->iv[i][1];
				len += (unsigned __int128)((uint64_t)U[k][1] - (uint64_t)U[k][0]) + 1;
			}
		qsort(U, niv, 16, iv_cmp);
		for (size_t i = 0; i < niv; i++) {
			if (nu && U[i][0] <= U[nu - 1][1]) {
				if (U[i][1] > U[nu - 1][1])
					U[nu - 1][1] = U[i][1];
				continue;
			}
			U[nu][0] = U[i][0];
			U[nu][1] = U[i][1];
			nu++;
		}
		for (size_t i = 0; i < nu; i++)
			len -= (unsigned __int128)((uint64_t)U[i][1] - (uint64_t)U[i][0]) + 1;
		*iv_dups = (long long)len;
	}
	/* the buffers, bucketed like the runs; only sets holding entries
	 * (ten thousand files of sequential ids hold intervals only) */
	act = calloc(n ? n : 1, sizeof(*act));
	if (!act) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t s = 0; s < n; s++)
		if (sets[s]->nr || sets[s]->nr_runs)
			act[nact++] = sets[s];
	mem = calloc(nact ? nact : 1, sizeof(*mem));
	if (!mem) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t s = 0; s < nact; s++)
		bucket(act[s], mem[s]);
	for (unsigned p = 0; p < NPART; p++) {
		size_t m = 0, at = 0, nsg = 0, nd;
		uint64_t *kb, *dk;
		long long ng;

		for (size_t s = 0; s < nact; s++) {
			m += mem[s][p + 1] - mem[s][p];
			for (size_t r = 0; r < act[s]->nr_runs; r++)
				m += act[s]->runs[r].cum[p + 1] - act[s]->runs[r].cum[p];
		}
		/* one entry repeats nothing -- unless an interval holds its
		 * value */
		if (!m || (m < 2 && !(ints && nu)))
			continue;
		if (m > UINT32_MAX) {
			ret = qg_error(QG_ENOMEM, "out of memory: a partition of the unique check holds %zu keys", m);
			goto done;
		}
		if (!cnt && !(cnt = malloc((((size_t)1 << 20) + 1) * sizeof(*cnt)))) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		if (!sg) {
			size_t nseg = nact;

			for (size_t s = 0; s < nact; s++)
				nseg += act[s]->nr_runs;
			if (!(sg = malloc(nseg * sizeof(*sg)))) {
				ret = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
		}
		if (m > cap) {
			struct data_uniq_ent *na = realloc(a, m * sizeof(*a)), *nb2;

			if (na)
				a = na;
			nb2 = na ? realloc(b, m * sizeof(*b)) : NULL;
			if (!na || !nb2) {
				ret = qg_error(QG_ENOMEM, "out of memory: a partition of the unique check holds %zu keys", m);
				goto done;
			}
			b = nb2;
			cap = m;
		}
		/* the sources in data order, the runs (older) before the
		 * buffer: the scatter is stable, so equal keys arrive in line
		 * order and the insertion sorts stay linear. Runs in memory are
		 * read where they are, spilled ones staged in a. */
		for (size_t s = 0; s < nact; s++) {
			const struct qg_uniq *u = act[s];
			size_t k;

			for (size_t r = 0; r < u->nr_runs; r++) {
				const struct data_uniq_run *run = &u->runs[r];
				const size_t esz = run_esz(run);

				k = run->cum[p + 1] - run->cum[p];
				if (!k)
					continue;
				sg[nsg].n = k;
				sg[nsg].fmt = run->fmt;
				sg[nsg].base = run->base;
				if (run->mem) {
					sg[nsg].p = (const char *)run->mem + run->cum[p] * esz;
				} else {
					if (pool_read(pool, (char *)a + at, k * esz, run->off + (long long)(run->cum[p] * esz)) <
					    0) {
						ret = data_uniq_pool_error(pool);
						goto done;
					}
					sg[nsg].p = (const char *)a + at;
					at += k * esz;
				}
				nsg++;
			}
			k = mem[s][p + 1] - mem[s][p];
			if (k) {
				sg[nsg].p = u->e + mem[s][p];
				sg[nsg].n = k;
				sg[nsg].fmt = RUN_WIDE;
				sg[nsg].base = 0;
				nsg++;
			}
		}
		/* the keys sorted (in b's first half); the repeated ones, and
		 * integers an interval holds, listed once each in its second */
		kb = (uint64_t *)b;
		dk = kb + m;
		nd = 0;
		sort_segs(sg, nsg, p, kb, m, cnt);
		for (size_t i = 0; i < m;) {
			size_t j = i + 1;

			while (j < m && kb[j] == kb[i])
				j++;
			if (j - i > 1 || (ints && nu && in_union(U, nu, (long long)unfmix64(kb[i]))))
				dk[nd++] = kb[i];
			i = j;
		}
		if (!nd)
			continue;
		/* their entries, with lines, from the sources again */
		if ((ng = gather_dups(sg, nsg, p, dk, nd, &dl, &dcap)) < 0) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < (size_t)ng;) {
			size_t j = i + 1;
			long long v = 0;
			int inu = 0;

			while (j < (size_t)ng && dl[j].k == dl[i].k)
				j++;
			if (ints) {
				v = (long long)unfmix64(dl[i].k);
				inu = nu && in_union(U, nu, v);
			}
			for (size_t x = inu ? i : i + 1; x < j; x++) {
				d++;
				if (fn)
					fn(ctx, dl[x].pos, inu ? UINT64_MAX : dl[i].pos, ints, v);
			}
			i = j;
		}
	}
	*dups = d;
done:
	for (size_t s = 0; s < n; s++)
		data_uniq_release(sets[s]);
	free(U);
	free(act);
	free(mem);
	free(cnt);
	free(sg);
	free(a);
	free(b);
	free(dl);
	return ret;
}

/* ------------------------------------------------------------- absorb */

/* dst's intervals become a list the check unions (data_uniq_check sorts
 * every set's intervals and counts the overlaps as repeats), no longer
 * kept sorted or disjoint: appending costs O(src), and an interval that
 * continues the last one (sequential ids across files) extends it. */
static int absorb_intervals(struct qg_uniq *dst, struct qg_uniq *src)
{
	if (dst->nr_iv + src->nr_iv > dst->alloc_iv) {
		size_t na = dst->alloc_iv ? dst->alloc_iv : 64;
		long long (*iv)[2];

		while (na < dst->nr_iv + src->nr_iv)
			na *= 2;
		charge(dst, (long long)((na - dst->alloc_iv) * 16), 1);
		iv = realloc(dst->iv, na * 16);
		if (!iv) {
			uncharge(dst, (long long)((na - dst->alloc_iv) * 16));
			no_memory(dst, na * 16);
			return -1;
		}
		dst->iv = iv;
		dst->alloc_iv = na;
	}
	for (size_t j = 0; j < src->nr_iv; j++) {
		long long *last = dst->nr_iv ? dst->iv[dst->nr_iv - 1] : NULL;

		if (last && last[1] != INT64_MAX && last[1] + 1 == src->iv[j][0]) {
			last[1] = src->iv[j][1];
		} else {
			dst->iv[dst->nr_iv][0] = src->iv[j][0];
			dst->iv[dst->nr_iv][1] = src->iv[j][1];
			dst->nr_iv++;
		}
	}
	dst->hint = 0;
	dst->fnext = dst->flim = 0;
	return 0;
}

int data_uniq_absorb(struct qg_uniq *dst, struct qg_uniq *src)
{
	int ret = 0;

	if (dst->failed || src->failed) {
		dst->failed = 1;
		ret = -1;
		goto done;
	}
	if (src->nr_iv && (ret = absorb_intervals(dst, src)) < 0)
		goto done;
	if (src->nr_runs) {
		/* the runs are read before the buffer: dst's buffered keys
		 * (older) go out first so the order stays the data's */
		struct data_uniq_run *runs;

		if ((ret = spill(dst)) < 0)
			goto done;
		runs = realloc(dst->runs, (dst->nr_runs + src->nr_runs) * sizeof(*runs));
		if (!runs) {
			no_memory(dst, (dst->nr_runs + src->nr_runs) * sizeof(*runs));
			ret = -1;
			goto done;
		}
		memcpy(runs + dst->nr_runs, src->runs, src->nr_runs * sizeof(*runs));
		/* runs kept in memory move with their charge */
		for (size_t i = 0; i < src->nr_runs; i++)
			if (src->runs[i].mem) {
				long long b = (long long)(src->runs[i].cum[NPART] * run_esz(&src->runs[i]));

				src->charged -= b;
				dst->charged += b;
			}
		dst->runs = runs;
		dst->nr_runs += src->nr_runs;
		src->nr_runs = 0;
	}
	for (size_t k = 0; k < src->nr; k++) {
		if (dst->nr == dst->alloc && grow(dst) < 0) {
			ret = -1;
			goto done;
		}
		dst->e[dst->nr++] = src->e[k];
	}
done:
	data_uniq_release(src);
	return ret;
}

/* ------------------------------------------------------------ anti-join */

#define AJ_CHUNK 65536 /* entries read at a time from a run */

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and drop repeats: the referenced keys of a partition as a set. */
static size_t sort_unique(uint64_t *k, size_t n)
{
	size_t m = 0;

	if (n < 2)
		return n;
	qsort(k, n, sizeof(*k), u64_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || k[m - 1] != k[i])
			k[m++] = k[i];
	return m;
}

static int in_sorted(const uint64_t *k, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo] == x;
}

/* Partition p of set u (its runs, then its buffer, cum: the buffer's
 * bucketing), AJ_CHUNK entries at a time into buf, each chunk to fn. */
typedef int (*aj_chunk_fn)(void *ctx, const struct data_uniq_ent *e, size_t n);
static int each_chunk(struct data_uniq_pool *pool, const struct qg_uniq *u, const size_t *cum, unsigned p,
		      struct data_uniq_ent *buf, aj_chunk_fn fn, void *ctx)
{
	for (size_t r = 0; r < u->nr_runs; r++) {
		const struct data_uniq_run *run = &u->runs[r];

		for (size_t at = run->cum[p]; at < run->cum[p + 1];) {
			size_t k = run->cum[p + 1] - at < AJ_CHUNK ? run->cum[p + 1] - at : AJ_CHUNK;

			if (run_read(pool, run, p, buf, at, k) < 0)
				return data_uniq_pool_error(pool);
			if (fn(ctx, buf, k) < 0)
				return QG_ENOMEM;
			at += k;
		}
	}
	if (cum[p + 1] > cum[p] && fn(ctx, u->e + cum[p], cum[p + 1] - cum[p]) < 0)
		return QG_ENOMEM;
	return 0;
}

struct aj {
	uint64_t *rk;         /* referenced keys of the partition */
	size_t nrk, cap;
	data_uniq_dup_fn fn;
	void *ctx;
	int has_value;
	long long missing;
};

/* Referenced keys appended; a full array is compacted (sorted, repeats
 * dropped) before it grows, so it holds about the distinct keys. */
static int aj_ref(void *ctx, const struct data_uniq_ent *e, size_t n)
{
	struct aj *a = ctx;

	for (size_t i = 0; i < n; i++) {
		if (a->nrk == a->cap) {
			a->nrk = sort_unique(a->rk, a->nrk);
			if (a->nrk == a->cap || a->nrk > a->cap / 2) {
				size_t nc = a->cap ? a->cap * 2 : 4096;
				uint64_t *x = realloc(a->rk, nc * sizeof(*x));

				if (!x)
					return qg_error(QG_ENOMEM, "out of memory: a partition of the foreign key check "
								   "holds %zu distinct referenced keys", a->nrk);
				a->rk = x;
				a->cap = nc;
			}
		}
		a->rk[a->nrk++] = e[i].k;
	}
	return 0;
}

/* Referencing keys streamed against the set: each absent one is missing. */
static int aj_src(void *ctx, const struct data_uniq_ent *e, size_t n)
{
	struct aj *a = ctx;

	for (size_t i = 0; i < n; i++) {
		if (in_sorted(a->rk, a->nrk, e[i].k))
			continue;
		a->missing++;
		if (a->fn)
			a->fn(a->ctx, e[i].pos, UINT64_MAX, a->has_value,
			      a->has_value ? (long long)unfmix64(e[i].k) : 0);
	}
	return 0;
}

int data_uniq_antijoin(struct data_uniq_pool *pool, struct qg_uniq *const *src, size_t ns, struct qg_uniq *const *ref,
		       size_t nr, data_uniq_dup_fn fn, void *ctx, int has_value, long long *missing)
{
	size_t n = ns + nr;
	struct qg_uniq **all = NULL;
	struct data_uniq_ent *buf = NULL;
	size_t (*mem)[NPART + 1] = NULL;
	struct aj a = { .fn = fn, .ctx = ctx, .has_value = has_value };
	int ret = 0;

	*missing = 0;
	if (pool && (ret = data_uniq_pool_error(pool)) < 0)
		goto done;
	all = calloc(n ? n : 1, sizeof(*all));
	mem = calloc(n ? n : 1, sizeof(*mem));
	buf = malloc(AJ_CHUNK * sizeof(*buf));
	if (!all || !mem || !buf) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t s = 0; s < ns; s++)
		all[s] = src[s];
	for (size_t s = 0; s < nr; s++)
		all[ns + s] = ref[s];
	for (size_t s = 0; s < n; s++)
		bucket(all[s], mem[s]);
	/* per partition: the referenced keys as a sorted set (about the
	 * distinct ones: a key many rows reference costs one slot), then the
	 * referencing keys streamed against it in chunks, so a skewed
	 * partition (every row naming one parent) costs no memory */
	for (unsigned p = 0; p < NPART; p++) {
		a.nrk = 0;
		for (size_t s = ns; s < n; s++)
			if ((ret = each_chunk(pool, all[s], mem[s], p, buf, aj_ref, &a)) < 0)
				goto done;
		a.nrk = sort_unique(a.rk, a.nrk);
		for (size_t s = 0; s < ns; s++)
			if ((ret = each_chunk(pool, all[s], mem[s], p, buf, aj_src, &a)) < 0)
				goto done;
	}
	*missing = a.missing;
done:
	for (size_t s = 0; s < ns; s++)
		data_uniq_release(src[s]);
	for (size_t s = 0; s < nr; s++)
		data_uniq_release(ref[s]);
	free(all);
	free(mem);
	free(buf);
	free(a.rk);
	return ret;
}
