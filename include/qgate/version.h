/* version.h -- the qgate version
 *
 * The one place the version is written: the Makefile reads QG_VERSION from
 * this line (for QG_VERSION_STR, qgate.pc and the installed man pages), so
 * a release changes only this file.
 */
#ifndef QGATE_VERSION_H
#define QGATE_VERSION_H
#define QG_VERSION "0.1.0"
#endif
