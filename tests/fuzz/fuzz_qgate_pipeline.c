/* fuzz_qgate_pipeline.c -- libFuzzer target for the pipeline loader of `qgate run`
 *
 * (Named fuzz_qgate_* so the Makefile links the front's objects: gate_of_test
 * takes the second word of the name.) The input is a qgate.json. Loading
 * either succeeds or fails with QG_EUSAGE (or QG_ENOMEM) naming "fuzz.json",
 * never a crash. A loaded stage keeps the loader's promises: unique safe
 * names, [a-z]+ gates, needs resolved inside the stage, and an order in which
 * every step comes after all it needs. The step names and paths globs are
 * then matched against each other (the glob matcher on hostile patterns).
 */
#include "qgate/common.h"

#include "qgate/run_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_stage s;
	const char *stages[] = { NULL, "ci", "pre-push" };

	for (size_t k = 0; k < QG_ARRAY_SIZE(stages); k++) {
		int err = run_pipeline_parse(&s, (const char *)data, size, "fuzz.json", stages[k]);
		size_t *pos;

		if (err) {
			if (err != QG_ENOMEM &&
			    (err != QG_EUSAGE || !strstr(qg_error_last(), "fuzz.json")))
				abort();
			if (s.nr || s.steps)
				abort(); /* nothing is left behind on failure */
			continue;
		}
		pos = calloc(s.nr + 1, sizeof(*pos));
		if (!pos)
			abort();
		for (size_t i = 0; i < s.nr; i++) {
			if (s.order[i] >= s.nr)
				abort();
			pos[s.order[i]] = i;
		}
		for (size_t i = 0; i < s.nr; i++) {
			const struct run_step *st = &s.steps[i];

			if (!st->name || !*st->name || st->name[0] == '.' ||
			    strchr(st->name, '/') || !st->gate ||
			    strspn(st->gate, "abcdefghijklmnopqrstuvwxyz") != strlen(st->gate))
				abort();
			if (run_stage_find(&s, st->name) != (long)i)
				abort(); /* names are unique */
			for (size_t n = 0; n < st->needs.nr; n++)
				if (st->need_idx[n] >= s.nr || pos[st->need_idx[n]] >= pos[i])
					abort(); /* a need comes first */
			for (size_t p = 0; p < st->paths.nr; p++)
				for (size_t j = 0; j < s.nr; j++)
					(void)run_glob_match(st->paths.v[p], s.steps[j].name);
		}
		free(pos);
		run_stage_release(&s);
	}
	qg_error_clear();
	return 0;
}
