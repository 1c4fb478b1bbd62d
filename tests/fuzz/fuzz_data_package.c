/* fuzz_data_package.c -- libFuzzer target for the Data Package reader (package.c)
 *
 * The input is a datapackage.json descriptor. It is written into a private
 * folder that also holds a few small tables and a schema (a.csv, b.tsv,
 * c.jsonl, s.json, d.json), so resource paths, chunked paths, schemas and
 * dialects by path, hashes, bytes and foreign keys across resources all
 * reach the validator. Whatever the descriptor holds, data_package_validate()
 * either fills the result (every check id names its resource:
 * "resource.<name>.") or fails with one of the library's error codes and a
 * message (never a crash, never another code). URLs cannot reach the
 * network: every proxy and the S3 endpoint point at a closed local port.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "qgate/result.h"
#include "data/data.h"
#include "data/package.h"

static char dir[256];
static char desc[300];

static void put(const char *name, const char *text)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

/* the folder goes when the run ends (a crash leaves it for the report) */
static void cleanup(void)
{
	static const char *const names[] = { "a.csv", "a2.csv", "b.tsv", "c.jsonl", "s.json", "d.json",
					     "datapackage.json" };
	char path[320];

	for (size_t i = 0; i < QG_ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/qgate-fuzz-pkg.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(desc, sizeof(desc), "%s/datapackage.json", dir);
	put("a.csv", "id,name\n1,ann\n2,bob\n");
	put("a2.csv", "3,cy\n4,dee\n");
	put("b.tsv", "id\tscore\n1\t10\n2\t200\n");
	put("c.jsonl", "{\"id\": 1, \"ref\": 2}\n{\"id\": 2, \"ref\": 9}\n");
	put("s.json", "{\"fields\": [{\"name\": \"id\", \"type\": \"integer\"}, {\"name\": \"name\"}], "
		      "\"primaryKey\": \"id\"}");
	put("d.json", "{\"delimiter\": \",\", \"header\": true}");
	/* no URL reaches the network: connections are refused at once */
	setenv("https_proxy", "http://127.0.0.1:9", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1);
	unsetenv("NO_PROXY");
	unsetenv("no_proxy");
	setenv("QG_HTTP_TIMEOUT", "2", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qg_data_opts o;
	struct qg_result r;
	int fd, err;

	fd = open(desc, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
	data_opts_init(&o);
	if (qg_strvec_push(&o.data, desc) < 0)
		abort();
	/* the flags only widen what is read: odd sizes take custom keys */
	o.allow_unknown_keys = size & 1;
	o.no_hash = (size & 2) != 0;
	o.unique_memory = 1;
	if (!data_package_wanted(&o))
		abort();
	if (qg_result_init(&r, "data", "0.1.0") < 0)
		abort();
	err = data_package_validate(&o, &r);
	if (err > 0 || err < QG_ENET)
		abort();
	if (err < 0 && !*qg_error_last())
		abort();
	if (!err)
		for (size_t i = 0; i < r.nr_checks; i++)
			if (strncmp(r.checks[i]->id, "resource.", 9))
				abort();
	qg_result_release(&r);
	data_opts_release(&o);
	return 0;
}
