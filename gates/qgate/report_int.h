/* report_int.h -- what report.c gathers from the results and its writers share
 *
 * report.c reads the folder (results.c), decides the verdict and collects
 * what each section shows (pointers into the loaded documents, borrowed for
 * the life of the set); report_html.c, report_svg.c and report_md.c only
 * render it. Every list a page shows is capped (the caps below) and says how
 * many more there are, so 10,000 checks still make a page under 1 MB.
 */
#ifndef QGATE_REPORT_INT_H
#define QGATE_REPORT_INT_H

#include "qgate/common.h"

#include "front.h"

struct qg_json;

#define RP_FAIL_SHOWN 100    /* failing checks listed */
#define RP_LOC_SHOWN 3       /* locations per failing check */
#define RP_RESULTS_SHOWN 200 /* gates/steps rows */
#define RP_RULES_SHOWN 50    /* lint rules */
#define RP_SLOW_SHOWN 10     /* slowest tests */
#define RP_FLAKY_SHOWN 50    /* flaky tests */
#define RP_DEPLOY_SHOWN 50   /* deploy history rows */
#define RP_CHART_ROWS 30     /* rows in one chart */
#define RP_TEXT_MAX 400      /* characters of a message shown */

struct rp_check {
	const struct front_result *res;
	const struct qg_json *c;
};

struct rp_rule {
	char *id; /* lint.<tool>.<rule> */
	const char *level;
	double count;
};

struct rp_slow {
	char *name;
	double ms;
	const struct front_result *res;
};

struct rp_vec {
	struct rp_check *v;
	size_t nr, alloc;
};

struct rp_report {
	const char *dir;
	const struct front_results *set;
	const struct front_result **runs; /* every run summary (run.json), in path order */
	size_t runs_nr;
	const char *verdict;            /* "pass", "fail", "error" */
	int exit_code;
	size_t results, checks, failed, errors;
	struct rp_vec failing; /* every fail/error check, in file order */
	struct rp_vec model;   /* metric.* checks of model results */
	struct rp_vec drift;   /* drift.* checks */
	struct rp_vec flaky;   /* tests that passed on a retry */
	struct rp_vec deploy;  /* one per deploy result (c = its first check or NULL) */
	struct rp_rule *rules;
	size_t rules_nr, rules_alloc;
	struct rp_slow slow[RP_SLOW_SHOWN];
	size_t slow_nr;
	char *gh_base; /* "https://github.com/O/R/blob/SHA/" or NULL */
};

/* report.c */
const char *rp_check_id(const struct qg_json *c);
const char *rp_str(const struct qg_json *obj, const char *key);
double rp_num(const struct qg_json *obj, const char *key);                    /* NaN when absent */
const char *rp_result_name(const struct front_result *r, struct qg_buf *tmp); /* "data validate" */
int rp_verdict_rank(const char *status);
/* The GitHub link of file:line into url (empty when no GitHub env or no file). */
int rp_link(struct qg_buf *url, const struct rp_report *rp, const char *file, double line);

/* report_html.c */
int rp_html_escape(struct qg_buf *b, const char *s);
int rp_html_render(struct qg_buf *out, const struct rp_report *rp);
/* report_svg.c: inline SVG charts (titles and text labels beside every mark) */
int rp_svg_model(struct qg_buf *out, const struct rp_report *rp);
int rp_svg_drift_field(struct qg_buf *out, const struct qg_json *check);
int rp_svg_drift_stats(struct qg_buf *out, const struct rp_report *rp);
/* report_md.c */
int rp_md_render(struct qg_buf *out, const struct rp_report *rp);

#endif
