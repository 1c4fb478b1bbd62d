/* merge.c -- placeholder until its owner lands `qgate merge` (exit 3) */
#include "qgate/common.h"

#include "front.h"

int front_cmd_merge(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "qgate: error: 'qgate merge' is not built yet\n");
	return 3;
}
