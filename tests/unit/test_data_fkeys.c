/* test_data_fkeys.c -- foreignKeys into another resource through
 * o->fk_targets (the hook package.c uses): the referenced resource's keys
 * are read once more and this table's keys anti-joined against them; a
 * resource not among the targets is refused (exit 2); a referenced field
 * the target lacks is refused too. Also with a tiny --unique-memory (spill)
 * and -j 2: the same rows.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/result.h"
#include "data/data.h"

static char dir[] = "/tmp/test_data_fkeys.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *PEOPLE = "{\"fields\": [{\"name\": \"pid\", \"type\": \"integer\"}, {\"name\": \"name\"}]}";
static const char *SCORES_INT =
	"{\"fields\": [{\"name\": \"who\", \"type\": \"integer\"}, {\"name\": \"score\", \"type\": \"integer\"}],"
	" \"foreignKeys\": [{\"fields\": \"who\", \"reference\": {\"resource\": \"people\", \"fields\": \"pid\"}}]}";
static const char *SCORES_STR =
	"{\"fields\": [{\"name\": \"who\"}, {\"name\": \"score\", \"type\": \"integer\"}],"
	" \"foreignKeys\": [{\"fields\": [\"who\"], \"reference\": {\"resource\": \"people\", \"fields\": [\"pid\"]}}]}";
static const char *SCORES_BADFIELD =
	"{\"fields\": [{\"name\": \"who\", \"type\": \"integer\"}],"
	" \"foreignKeys\": [{\"fields\": \"who\", \"reference\": {\"resource\": \"people\", \"fields\": \"nope\"}}]}";

/* validate scores.csv with schema text against people; the check's count
 * and its location lines into lines[] (-1 ended); the return code. */
static int run(const char *schema, int with_target, long long mem, int jobs, long long *count, long long *lines)
{
	struct qg_data_opts po, so;
	struct data_fk_target t;
	struct qg_result r;
	char p1[256], p2[256];
	int err;

	snprintf(p1, sizeof(p1), "%s/people.csv", dir);
	snprintf(p2, sizeof(p2), "%s/scores.csv", dir);
	data_opts_init(&po);
	data_opts_init(&so);
	po.schema = "people.schema";
	po.schema_text = PEOPLE;
	po.schema_len = strlen(PEOPLE);
	assert_int_equal(qg_strvec_push(&po.data, p1), 0);
	so.schema = "scores.schema";
	so.schema_text = schema;
	so.schema_len = strlen(schema);
	so.no_hash = 1;
	so.unique_memory = mem;
	so.input.jobs = jobs;
	po.unique_memory = mem;
	po.input.jobs = jobs;
	assert_int_equal(qg_strvec_push(&so.data, p2), 0);
	t.name = "people";
	t.opts = &po;
	if (with_target) {
		so.fk_targets = &t;
		so.nr_fk_targets = 1;
	}
	assert_int_equal(qg_result_init(&r, "data", "test"), 0);
	err = data_validate(&so, &r);
	*count = -1;
	lines[0] = -1;
	for (size_t i = 0; !err && i < r.nr_checks; i++) {
		if (strcmp(r.checks[i]->id, "table.foreign-key"))
			continue;
		*count = r.checks[i]->count;
		for (size_t k = 0; k < r.checks[i]->nr_locations; k++)
			lines[k] = r.checks[i]->locations[k].line, lines[k + 1] = -1;
	}
	qg_result_release(&r);
	data_opts_release(&po);
	data_opts_release(&so);
	return err;
}

static void test_other_resource(void **state)
{
	long long count, lines[16];
	const char *schemas[2] = { SCORES_INT, SCORES_STR };

	(void)state;
	put("people.csv", "pid,name\n1,ann\n2,bob\n3,cy\n");
	put("scores.csv", "who,score\n1,5\n4,6\n2,7\n,8\n03,9\n9,1\n");
	for (int s = 0; s < 2; s++) {
		long long mems[2] = { 256, 1 };

		for (int m = 0; m < 2; m++) {
			assert_int_equal(run(schemas[s], 1, mems[m], m + 1, &count, lines), 0);
			/* 03 is 3 as an integer; as text (string who vs integer pid) it is not "3" */
			assert_int_equal(count, s == 0 ? 2 : 3);
			assert_int_equal(lines[0], 3);
			assert_int_equal(lines[1], s == 0 ? 7 : 6);
		}
	}
	put("scores.csv", "who,score\n1,5\n3,6\n");
	assert_int_equal(run(SCORES_INT, 1, 256, 1, &count, lines), 0);
	assert_int_equal(count, 0);
}

static void test_refused(void **state)
{
	long long count, lines[16];

	(void)state;
	put("people.csv", "pid,name\n1,ann\n");
	put("scores.csv", "who,score\n1,5\n");
	assert_int_equal(run(SCORES_INT, 0, 256, 1, &count, lines), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "/foreignKeys/0/reference/resource"));
	assert_int_equal(run(SCORES_BADFIELD, 1, 256, 1, &count, lines), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "has no field 'nope'"));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/people.csv", dir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/scores.csv", dir);
	unlink(cmd);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_resource),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
