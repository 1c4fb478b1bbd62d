/* pool.h -- run numbered tasks on a few threads
 *
 * Invariants: qg_pool_run() calls fn once for each task 0..nr-1, handed out
 * in increasing order by one atomic counter (so early tasks start first,
 * which keeps readers of one file near each other); `worker` is 0..jobs-1
 * and unique among running calls, so per-worker scratch can be indexed by
 * it; the calling thread is worker 0 and everything has run when it
 * returns. A thread that cannot be started leaves its tasks to the others:
 * the work is done with fewer threads, never skipped. Tasks report their
 * own outcome (the pool keeps no results): the data gate's pieces of files,
 * a test gate's test files.
 */
#ifndef QGATE_POOL_H
#define QGATE_POOL_H

#include <stddef.h>

typedef void (*qg_pool_fn)(void *ctx, size_t task, int worker);

/* Run tasks 0..nr-1 with at most `jobs` threads (values below 1 mean 1, and
 * never more threads than tasks). Returns the number of threads used. */
int qg_pool_run(size_t nr, int jobs, qg_pool_fn fn, void *ctx);

#endif
