// junit_consumers.cjs -- read JUnit files back with real consumers from npm
//
// Usage: node junit_consumers.cjs NPM_DIR MERGED.xml FILE.xml...
// For each FILE prints one line per consumer,
//   FILE junit2json tests=N failures=N errors=N skipped=N
//   FILE junit2json-cases tests=N failures=N errors=N skipped=N
//   FILE test-results-parser tests=N failures=N errors=N skipped=N
//   FILE test-results-parser-cases tests=N failures=N errors=N skipped=N
// (the first of each pair from the suite's attributes as the consumer reads
// them, the second counted from the testcases the consumer parsed), then
// merges every FILE with junit-report-merger into MERGED.xml and prints
//   MERGED junit-report-merger tests=N failures=N errors=N skipped=N
// from the merged root's attributes. Exit 0, or 1 with a message on stderr.
'use strict';
const fs = require('fs');
const path = require('path');

const [npmDir, merged, ...files] = process.argv.slice(2);
const { pathToFileURL } = require('url');
const where = (name) => require.resolve(name, { paths: [npmDir] });
const line = (file, who, c) =>
	console.log(`${file} ${who} tests=${c.tests} failures=${c.failures} errors=${c.errors} skipped=${c.skipped}`);
const num = (v) => (v === undefined || v === null ? 0 : Number(v));
const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

async function main() {
	const { parse } = await import(pathToFileURL(where('junit2json')).href); // ESM only
	const trp = require(where('test-results-parser'));
	const { mergeFiles } = require(where('junit-report-merger'));

	for (const file of files) {
		// junit2json: attributes and testcases of every <testsuite>
		const doc = await parse(fs.readFileSync(file, 'utf8'));
		const attrs = { tests: 0, failures: 0, errors: 0, skipped: 0 };
		const cases = { tests: 0, failures: 0, errors: 0, skipped: 0 };
		for (const s of list(doc.testsuite)) {
			attrs.tests += num(s.tests);
			attrs.failures += num(s.failures);
			attrs.errors += num(s.errors);
			attrs.skipped += num(s.skipped);
			for (const tc of list(s.testcase)) {
				cases.tests++;
				if (tc.failure) cases.failures++;
				else if (tc.error) cases.errors++;
				else if (tc.skipped) cases.skipped++;
			}
		}
		line(file, 'junit2json', attrs);
		line(file, 'junit2json-cases', cases);

		// test-results-parser: its totals (total excludes skipped) and case statuses
		const r = trp.parse({ type: 'junit', files: [file] });
		line(file, 'test-results-parser', {
			tests: r.total + r.skipped, failures: r.failed, errors: r.errors, skipped: r.skipped,
		});
		const c = { tests: 0, failures: 0, errors: 0, skipped: 0 };
		for (const s of r.suites) {
			for (const tc of s.cases) {
				c.tests++;
				if (tc.status === 'FAIL') c.failures++; // <failure> and <error> alike
				else if (tc.status === 'SKIP') c.skipped++;
			}
		}
		line(file, 'test-results-parser-cases', c);
	}

	// junit-report-merger: one report out of all, totals on the root
	await mergeFiles(merged, files);
	const m = await parse(fs.readFileSync(merged, 'utf8'));
	line('MERGED', 'junit-report-merger', {
		tests: num(m.tests), failures: num(m.failures), errors: num(m.errors), skipped: num(m.skipped),
	});
}

main().catch((e) => {
	console.error(`junit_consumers: ${e && e.stack ? e.stack : e}`);
	process.exit(1);
});
