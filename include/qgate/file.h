/* file.h -- atomic report files and file helpers
 *
 * Invariants: qg_file_write_atomic() writes to a temp file in the same folder,
 * fsyncs it, renames it over the target and fsyncs the folder, so a reader
 * sees the old file or the new one, never a part. While a temp file exists it
 * is registered; SIGINT, SIGTERM, SIGHUP and SIGQUIT unlink every registered
 * temp file before the process dies (handlers installed by qg_main()).
 */
#ifndef QGATE_FILE_H
#define QGATE_FILE_H

#include <stddef.h>

/* 0, or QG_EIO naming the path. "-" writes to stdout (not atomic).
 * Never renames over anything but a regular file: a character device or FIFO
 * (/dev/stdout, /dev/null) is written through, a symlink to a regular file
 * has its target replaced (the link stays), anything else (folder, socket,
 * block device, dangling link) is QG_EUSAGE. */
int qg_file_write_atomic(const char *path, const void *data, size_t len);
/* Streaming form of the same: open creates and registers the temp file,
 * commit fsyncs, renames and frees, abort unlinks and frees (accepts NULL).
 * Errors name the target path (QG_EIO). */
struct qg_file_atomic;
int qg_file_atomic_open(struct qg_file_atomic **out, const char *path);
int qg_file_atomic_write(struct qg_file_atomic *f, const void *data, size_t len);
int qg_file_atomic_commit(struct qg_file_atomic *f);
void qg_file_atomic_abort(struct qg_file_atomic *f);
/* The same check before anything is written (for option validation, so a
 * refused report path is exit 2 up front): 0 if path ("-", missing, regular
 * file, symlink to one, character device, FIFO) can take a report, else
 * QG_EUSAGE naming it (folder, socket, block device, dangling link). */
int qg_file_check_output(const char *path);
/* Install the cleanup handlers (idempotent). */
void qg_file_install_signal_cleanup(void);
/* mkdir -p; 0 or QG_EIO. */
int qg_file_mkdirs(const char *path, int mode);
/* 1 if path exists as a regular file, 0 if not. */
int qg_file_is_regular(const char *path);
int qg_file_is_dir(const char *path);
/* Reject paths that escape base once joined (absolute paths, "..", symlinks
 * are not followed here): 0 ok, QG_EUSAGE naming the path. */
int qg_path_check_inside(const char *relpath);

/* What a file was when it was read: qg_file_stamp_changed() tells whether
 * it has been replaced or rewritten since (device, inode, size, mtime). */
struct stat;
struct qg_file_stamp {
	int set;
	unsigned long long dev, ino;
	long long size, mtime_sec, mtime_nsec;
};
void qg_file_stamp_set(struct qg_file_stamp *stamp, const struct stat *st);
int qg_file_stamp_equal(const struct qg_file_stamp *a, const struct qg_file_stamp *b);
/* 1 when PATH is no longer the file STAMP describes (or cannot be stat'ed),
 * 0 when it is unchanged or STAMP was never set. */
int qg_file_stamp_changed(const struct qg_file_stamp *stamp, const char *path);

#endif
