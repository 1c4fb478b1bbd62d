/* run.c -- placeholder until its owner lands `qgate run` (exit 3) */
#include "qgate/common.h"

#include "front.h"

int front_cmd_run(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "qgate: error: 'qgate run' is not built yet\n");
	return 3;
}
