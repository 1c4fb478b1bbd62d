/* version.h -- the qgate version */
#ifndef QGATE_VERSION_H
#define QGATE_VERSION_H
#define QG_VERSION "0.1.0"
#endif
