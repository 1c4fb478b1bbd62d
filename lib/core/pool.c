/* pool.c -- numbered tasks on a few threads (include/qgate/pool.h)
 *
 * No queue and no condition variables: the tasks are known up front, so an
 * atomic counter hands out the next number and a worker stops when the
 * numbers run out. Threads are started per run (a run is a whole command's
 * work: reading gigabytes, running test files), so their start-up cost does
 * not matter and nothing lives between runs.
 */
#include "qgate/common.h"

#include <pthread.h>
#include <stdatomic.h>

#include "qgate/pool.h"

struct pool {
	size_t nr;
	qg_pool_fn fn;
	void *ctx;
	atomic_size_t next;
};

struct pool_worker {
	struct pool *pool;
	int worker;
};

static void *worker_main(void *arg)
{
	struct pool_worker *w = arg;
	struct pool *pl = w->pool;

	for (;;) {
		size_t i = atomic_fetch_add(&pl->next, 1);

		if (i >= pl->nr)
			break;
		pl->fn(pl->ctx, i, w->worker);
	}
	return NULL;
}

int qg_pool_run(size_t nr, int jobs, qg_pool_fn fn, void *ctx)
{
	struct pool pl;
	struct pool_worker one, *ws = &one;
	pthread_t *th = NULL;
	int started = 0;

	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > nr)
		jobs = nr ? (int)nr : 1;
	pl.nr = nr;
	pl.fn = fn;
	pl.ctx = ctx;
	atomic_init(&pl.next, 0);
	if (jobs > 1) {
		ws = calloc((size_t)jobs, sizeof(*ws));
		th = calloc((size_t)jobs, sizeof(*th));
		if (!ws || !th) {
			/* no memory for threads: all of it on this one */
			free(ws);
			free(th);
			ws = &one;
			th = NULL;
			jobs = 1;
		}
	}
	for (int w = 0; w < jobs; w++) {
		ws[w].pool = &pl;
		ws[w].worker = w;
	}
	/* the calling thread is worker 0 */
	for (int w = 1; w < jobs; w++) {
		if (pthread_create(&th[w], NULL, worker_main, &ws[w]))
			break;
		started = w;
	}
	worker_main(&ws[0]);
	for (int w = 1; w <= started; w++)
		pthread_join(th[w], NULL);
	if (ws != &one)
		free(ws);
	free(th);
	return started + 1;
}
