/* infer_sniff.h -- the dialect of a CSV file from its head (qgate-data infer) */
#ifndef QGATE_DATA_INFER_SNIFF_H
#define QGATE_DATA_INFER_SNIFF_H

#include "qgate/file.h"

struct data_sniff {
	char delim;
	int header;      /* 1 yes, 0 no */
	int records;     /* complete records looked at */
};

/* Read the head of spec (64 KiB, at most 100 records, decompressed) and
 * decide its delimiter (delim when not 0) and header row (header_opt
 * "yes"/"no" overrides, else sniffed). A local file is stamped first: it is
 * read again by infer, which checks the stamp at the end. */
int data_sniff_file(struct data_sniff *out, const char *spec, char delim, const char *header_opt,
		    struct qg_file_stamp *stamp);
/* A URL or a regular file can be read twice; a FIFO or a device cannot. */
int data_sniffable(const char *spec);
/* "tab", or the delimiter quoted ("';'") in tmp (at least 4 bytes). */
const char *data_delim_name(char d, char *tmp);

#endif
