/* banned.h -- functions qgate code must not call
 *
 * Included last by every qgate source file (through qgate/common.h). Each banned
 * name expands to an undeclared identifier, so a use fails to compile with a
 * message that names the replacement.
 */
#ifndef QGATE_BANNED_H
#define QGATE_BANNED_H

#define QG_BANNED(func) sorry_##func##_is_banned_use_qg_buf_or_a_bounded_variant

#undef strcpy
#define strcpy(x, y) QG_BANNED(strcpy)
#undef strcat
#define strcat(x, y) QG_BANNED(strcat)
#undef sprintf
#define sprintf(...) QG_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) QG_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) QG_BANNED(strtok)
#undef gmtime
#define gmtime(x) QG_BANNED(gmtime)
#undef localtime
#define localtime(x) QG_BANNED(localtime)
#undef gets
#define gets(x) QG_BANNED(gets)

#endif
