/* cmd_pin.c -- placeholder until its owner lands the real command (exit 3) */
#include "qgate/common.h"

#include "qgate/gate.h"

#include "deploy.h"

int dp_cmd_pin(int argc, const char **argv, const struct qg_gate *gate)
{
	(void)argc;
	(void)argv;
	(void)gate;
	return qg_gate_die("qgate-deploy", 3, "this command is not built yet");
}
