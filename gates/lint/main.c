/* main.c -- qgate-lint's entry (placeholder while the gate is built: refuses to judge)
 *
 * Replaced by the gate's real dispatch; until then it exits 3 so no
 * pipeline can mistake it for a pass.
 */
#include "qgate/common.h"

int main(void)
{
	fputs("qgate-lint: error: this gate is not built yet\n", stderr);
	return 3;
}
