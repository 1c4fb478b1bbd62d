/* hook.c -- placeholder until its owner lands `qgate hook` (exit 3) */
#include "qgate/common.h"

#include "front.h"

int front_cmd_hook(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "qgate: error: 'qgate hook' is not built yet\n");
	return 3;
}
