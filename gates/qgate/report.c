/* report.c -- placeholder until its owner lands `qgate report` (exit 3) */
#include "qgate/common.h"

#include "front.h"

int front_cmd_report(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "qgate: error: 'qgate report' is not built yet\n");
	return 3;
}
