/* input_hash.c -- the inputs' digests for subject.artifacts (qgate-data)
 *
 * data_hasher_start() hashes every local input file of a plan with SHA-256
 * on a thread of its own while the pieces are read, and
 * data_hasher_finish() records them as the result's artifacts, with each
 * file's stamp so a file rewritten during the run fails it. A byte-range
 * shard of one file does not read the whole file: it records a sample
 * instead (metrics.input_sample: the size, the first and the last 64 KiB),
 * which `qgate merge` compares between shards.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/sha256.h"
#include "input.h"

static int is_local_regular(const char *spec, long long *bytes)
{
	struct stat st;

	if (!strcmp(spec, "-") || data_spec_is_remote(spec) || stat(spec, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	*bytes = (long long)st.st_size;
	return 1;
}

/* SHA-256 of "<size>\n", the first 64 KiB and the last 64 KiB of a file
 * (the whole file when it is smaller): cheap to read in every shard. */
#define SAMPLE_EDGE ((long long)64 << 10)
static int sample_of(char out[65], const char *path, long long size)
{
	struct qg_sha256 *sh = NULL;
	char head[32], *buf = malloc((size_t)SAMPLE_EDGE);
	long long at[2] = { 0, size > 2 * SAMPLE_EDGE ? size - SAMPLE_EDGE : SAMPLE_EDGE };
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (!buf || fd < 0 || qg_sha256_new(&sh) < 0) {
		err = -1;
		goto done;
	}
	snprintf(head, sizeof(head), "%lld\n", size);
	err = qg_sha256_update(sh, head, strlen(head));
	for (int k = 0; k < 2 && !err && at[k] < size; k++) {
		long long want = size - at[k] < SAMPLE_EDGE ? size - at[k] : SAMPLE_EDGE;
		ssize_t n = pread(fd, buf, (size_t)want, (off_t)at[k]);

		err = n != (ssize_t)want ? -1 : qg_sha256_update(sh, buf, (size_t)n);
	}
	if (!err)
		err = qg_sha256_final(sh, out);
done:
	qg_sha256_free(sh);
	if (fd >= 0)
		close(fd);
	free(buf);
	if (err)
		out[0] = '\0'; /* no sample: the merge compares sizes only */
	return err;
}

static void *hasher_main(void *arg)
{
	struct qg_data_hasher *h = arg;

	for (size_t i = 0; i < h->paths.nr; i++) {
		long long bytes = -1;

		h->sha[i][0] = 0;
		h->bytes[i] = -1;
		if (!is_local_regular(h->paths.v[i], &bytes))
			continue;
		h->bytes[i] = bytes;
		if (h->sample && i == 0)
			sample_of(h->sample_hex, h->paths.v[i], bytes);
		if (h->hash && qg_sha256_file_stamp(h->sha[i], &h->bytes[i], h->paths.v[i], &h->stamp[i]) < 0) {
			h->err[i] = qg_error_code() ? qg_error_code() : QG_EIO;
			/* the error slot is per thread: keep the reason (permission denied...) */
			if (!h->errmsg && qg_error_last()[0])
				h->errmsg = qg_strdup(qg_error_last());
		}
	}
	return NULL;
}

int data_hasher_start(struct qg_data_hasher *h, const struct qg_data_plan *p, int hash)
{
	size_t n = p->nr_files;
	int ok = 1;

	memset(h, 0, sizeof(*h));
	qg_strvec_init(&h->paths);
	/* --shard of one file reads a byte range: hashing the whole file would
	 * read all of it in every shard, so the digest is not computed (the
	 * artifact keeps its bytes, sha256 ""); a whole file per shard is hashed */
	if (p->shard_count > 1 && p->nr_inputs == 1 && n == 1 && p->files[0].splittable) {
		h->sample = hash;
		hash = 0;
	}
	h->hash = hash;
	for (size_t i = 0; i < n && ok; i++)
		ok = qg_strvec_push(&h->paths, p->files[i].spec) == 0;
	h->sha = calloc(n + 1, sizeof(*h->sha));
	h->bytes = calloc(n + 1, sizeof(*h->bytes));
	h->stamp = calloc(n + 1, sizeof(*h->stamp));
	h->err = calloc(n + 1, sizeof(*h->err));
	if (!ok || !h->sha || !h->bytes || !h->stamp || !h->err) {
		data_hasher_finish(h, NULL);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	if (hash && pthread_create(&h->thread, NULL, hasher_main, h) == 0) {
		h->started = 1;
	} else {
		hasher_main(h);
	}
	return 0;
}

int data_hasher_finish(struct qg_data_hasher *h, struct qg_result *r)
{
	int err = 0;

	if (h->started)
		pthread_join(h->thread, NULL);
	h->started = 0;
	for (size_t i = 0; r && i < h->paths.nr && !err; i++) {
		struct qg_subject *s = &r->subject;
		struct qg_artifact *a;

		if (h->err[i]) {
			err = h->errmsg ? qg_error(h->err[i], "%s", h->errmsg)
					: qg_error(h->err[i], "'%s': cannot hash the input", h->paths.v[i]);
			break;
		}
		if (QG_ALLOC_GROW(s->artifacts, s->nr_artifacts + 1, s->alloc_artifacts)) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		a = &s->artifacts[s->nr_artifacts];
		memset(a, 0, sizeof(*a));
		if (!(a->path = qg_strdup(h->paths.v[i]))) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		memcpy(a->sha256, h->sha[i], sizeof(a->sha256));
		a->bytes = h->bytes[i];
		a->stamp = h->stamp[i]; /* qg_result_check_artifacts: not rewritten since */
		s->nr_artifacts++;
		if (i == 0 && h->sample_hex[0]) {
			struct qg_json *o = qg_json_add_object(r->metrics, "input_sample");

			if (!o || !qg_json_add_string(o, "path", h->paths.v[0]) ||
			    !qg_json_add_number(o, "bytes", (double)h->bytes[0]) ||
			    !qg_json_add_string(o, "sha256", h->sample_hex))
				err = qg_error(QG_ENOMEM, "out of memory");
		}
	}
	qg_strvec_clear(&h->paths);
	free(h->sha);
	free(h->bytes);
	free(h->stamp);
	free(h->err);
	free(h->errmsg);
	h->errmsg = NULL;
	h->sha = NULL;
	h->bytes = NULL;
	h->stamp = NULL;
	h->err = NULL;
	return err;
}
