/* junit.h -- the JUnit report written as it is produced
 *
 * report.h's qg_junit_write() renders the whole report into a buffer; this
 * form writes the same bytes into a sink (result.h) that hands them to the
 * report's file a chunk at a time, so a check standing for many cases
 * (qgate-test's tests.passed: a <testcase> a test) costs a chunk of memory,
 * not the report.
 */
#ifndef QGATE_JUNIT_H
#define QGATE_JUNIT_H

#include <stddef.h>

#include "qgate/result.h"

/* qg_junit_write()'s bytes into out, flushed at the end. 0, QG_ENOMEM, or
 * the sink's flush error. */
int qg_junit_write_sink(struct qg_sink *out, const struct qg_result *const *results, size_t nr);

#endif
