/* error.c -- the thread-local last-error slot
 *
 * One slot per thread, as libgit2's git_error_last(). Messages are formatted
 * into a fixed array so that recording an error never allocates (it may be
 * reporting ENOMEM).
 */
#include "qgate/common.h"

#define QG_ERROR_MAX 2048

static _Thread_local char slot_msg[QG_ERROR_MAX];
static _Thread_local int slot_code;

/* Formatted aside first, so an argument may be qg_error_last() itself
 * (re-recording a message under another code). */
int qg_verror(int code, const char *fmt, va_list ap)
{
	char msg[QG_ERROR_MAX];

	if (code >= 0)
		code = QG_ERROR;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	memcpy(slot_msg, msg, strlen(msg) + 1);
	slot_code = code;
	return code;
}

int qg_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = qg_verror(code, fmt, ap);
	va_end(ap);
	return code;
}

int qg_error_wrap(const char *fmt, ...)
{
	char prefix[QG_ERROR_MAX], old[QG_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, slot_msg, sizeof(old));
	{
		/* bounded concatenation; snprintf("%s%s") trips gcc 12's
		 * -Wformat-truncation under -Werror */
		size_t pl = strnlen(prefix, sizeof(slot_msg) - 1);
		size_t ol = strnlen(old, sizeof(old) - 1);

		if (ol > sizeof(slot_msg) - 1 - pl)
			ol = sizeof(slot_msg) - 1 - pl;
		memcpy(slot_msg, prefix, pl);
		memcpy(slot_msg + pl, old, ol);
		slot_msg[pl + ol] = '\0';
	}
	if (slot_code == QG_OK)
		slot_code = QG_ERROR;
	return slot_code;
}

const char *qg_error_last(void)
{
	return slot_msg;
}

int qg_error_code(void)
{
	return slot_code;
}

void qg_error_clear(void)
{
	slot_msg[0] = '\0';
	slot_code = QG_OK;
}

int qg_exit_for_error(int code)
{
	if (code == QG_OK || code > 0)
		return QG_EXIT_PASS;
	if (code == QG_EUSAGE)
		return QG_EXIT_USAGE;
	return QG_EXIT_ERROR;
}
