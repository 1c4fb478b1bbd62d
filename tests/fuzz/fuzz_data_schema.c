/* fuzz_data_schema.c -- libFuzzer target for the Table Schema loader
 *
 * The input is a schema document. Whatever it holds, loading either succeeds
 * or fails with QG_EUSAGE (never another code, never a crash) and a message
 * naming the file and a JSON pointer ("'fuzz.json': /..."). A loaded schema
 * is then exercised the way the validator uses it: every field parses a set
 * of sample values (which drives the date patterns, enums, true/false values
 * and number formats the input defined) and matches its compiled pattern.
 */
#include "qgate/common.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "qgate/utf8.h"
#include "data/schema.h"

static const char *const samples[] = {
	"", "0", "-1", "42", "1.5", "1,5", "1e9", "NaN", "-INF", "true", "FALSE", "yes", "2021-02-28",
	"28/02/2021", "2021-02-28T12:00:00Z", "12:30:00", "2021", "a@b.com", "https://x.y/", "x",
	"123e4567-e89b-12d3-a456-426614174000", "\xff\xfe", "9999999999999999999999",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qg_schema s;
	/* the flag only widens what loads: odd sizes take custom keys too */
	int err = data_schema_parse_flags(&s, (const char *)data, size, "fuzz.json",
					  size & 1 ? DATA_SCHEMA_ALLOW_UNKNOWN : 0);

	if (err) {
		if (err != QG_EUSAGE || strncmp(qg_error_last(), "'fuzz.json'", 11))
			abort();
		return 0;
	}
	for (size_t i = 0; i < s.nr_fields; i++) {
		const struct qg_schema_field *f = &s.fields[i];
		pcre2_match_data *md = f->re ? pcre2_match_data_create_from_pattern((const pcre2_code *)f->re, NULL) : NULL;

		for (size_t k = 0; k < QG_ARRAY_SIZE(samples); k++) {
			long long ik;
			double dk;
			size_t n = strlen(samples[k]);

			(void)data_field_parse(f, samples[k], n, &ik, &dk);
			(void)qg_strmap_has(&f->enum_values, samples[k], n);
			(void)qg_strmap_has(&f->categories, samples[k], n);
			if (md && qg_utf8_check(samples[k], n, NULL) == 0)
				(void)pcre2_match((const pcre2_code *)f->re, (PCRE2_SPTR)samples[k], n, 0, 0, md, NULL);
		}
		pcre2_match_data_free(md);
		if (data_schema_field_index(&s, f->name, f->name_len) != (long)i)
			abort();
	}
	for (size_t i = 0; i < s.nr_primary_key; i++)
		if (s.primary_key[i] >= s.nr_fields)
			abort();
	/* keys and relations name fields that exist */
	for (size_t i = 0; i < s.nr_unique_keys; i++)
		for (size_t k = 0; k < s.unique_keys[i].nr; k++)
			if (s.unique_keys[i].fields[k] >= s.nr_fields)
				abort();
	for (size_t i = 0; i < s.nr_foreign_keys; i++) {
		const struct qg_foreign_key *fk = &s.foreign_keys[i];

		for (size_t k = 0; k < fk->nr; k++)
			if (fk->fields[k] >= s.nr_fields || !fk->ref_fields[k] ||
			    (!fk->resource && (fk->ref_index[k] < 0 || (size_t)fk->ref_index[k] >= s.nr_fields)))
				abort();
	}
	if (!data_type_info_of(s.nr_fields ? s.fields[0].type : QG_TYPE_STRING))
		abort();
	data_schema_release(&s);
	return 0;
}
