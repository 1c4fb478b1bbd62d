/* file.c -- atomic report files, temp-file cleanup on signals, path checks
 *
 * A report is written the way git writes a lockfile: a temp file created
 * with mkostemp() next to the target, written, fsynced, renamed over the
 * target, and the folder fsynced, so readers see the old report or the new
 * one, never a part. While a temp file exists its name sits in a fixed-size
 * registry of slots that a signal handler can read without locks or
 * allocation; SIGINT/TERM/HUP/QUIT unlink every registered file and then
 * re-raise the signal with its default action, so the exit status still
 * says "killed by SIGTERM". Registry updates block those signals and hold a
 * mutex, so the handler never sees a half-written slot.
 *
 * Only a regular file is ever renamed over: character devices and FIFOs
 * are written through, a symlink is followed to its regular-file target,
 * anything else is refused (classify_target()).
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/file.h"

#define QG_TMP_SLOTS 32

struct tmp_slot {
	volatile sig_atomic_t used;
	char path[PATH_MAX];
};

static struct tmp_slot tmp_slots[QG_TMP_SLOTS];
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;
static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < QG_ARRAY_SIZE(cleanup_signals); i++)
		sigaddset(&set, cleanup_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static int tmp_register(const char *path)
{
	sigset_t old;
	int slot = -1;

	if (strlen(path) >= PATH_MAX)
		return qg_error(QG_EIO, "'%s': path too long", path);
	block_signals(&old);
	pthread_mutex_lock(&tmp_lock);
	for (int i = 0; i < QG_TMP_SLOTS; i++) {
		if (!tmp_slots[i].used) {
			memcpy(tmp_slots[i].path, path, strlen(path) + 1);
			tmp_slots[i].used = 1;
			slot = i;
			break;
		}
	}
	pthread_mutex_unlock(&tmp_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (slot < 0)
		return qg_error(QG_EIO, "'%s': too many temp files open at once", path);
	return slot;
}

static void tmp_unregister(int slot)
{
	sigset_t old;

	if (slot < 0 || slot >= QG_TMP_SLOTS)
		return;
	block_signals(&old);
	pthread_mutex_lock(&tmp_lock);
	tmp_slots[slot].used = 0;
	tmp_slots[slot].path[0] = '\0';
	pthread_mutex_unlock(&tmp_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Async-signal-safe: unlink, sigaction, sigprocmask and raise only. */
static void cleanup_handler(int sig)
{
	int saved = errno;
	struct sigaction sa;
	sigset_t set;

	for (int i = 0; i < QG_TMP_SLOTS; i++)
		if (tmp_slots[i].used)
			unlink(tmp_slots[i].path);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	errno = saved;
}

static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void install(void)
{
	for (size_t i = 0; i < QG_ARRAY_SIZE(cleanup_signals); i++) {
		struct sigaction sa, old;

		/* a signal the parent ignored (nohup) stays ignored */
		if (sigaction(cleanup_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = cleanup_handler;
		sigemptyset(&sa.sa_mask);
		for (size_t j = 0; j < QG_ARRAY_SIZE(cleanup_signals); j++)
			sigaddset(&sa.sa_mask, cleanup_signals[j]);
		sigaction(cleanup_signals[i], &sa, NULL);
	}
}

void qg_file_install_signal_cleanup(void)
{
	pthread_once(&install_once, install);
}

/* ------------------------------------------------------------ atomic file */

struct qg_file_atomic {
	int fd;
	int slot;
	int direct; /* a character device or FIFO: written through, no temp file */
	char *tmp;
	char *path;
};

static mode_t umask_value;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;

/* umask() can only be read by setting it: do it once and put it back. */
static void read_umask(void)
{
	umask_value = umask(022);
	umask(umask_value);
}

/* mkostemp() creates 0600; reports get what open(..., 0666) would give. */
static mode_t file_mode(void)
{
	pthread_once(&umask_once, read_umask);
	return 0666 & ~umask_value;
}

/* What is at the report path decides how it is written: nothing or a
 * regular file is replaced atomically; a symlink is followed and its
 * regular-file target replaced (the link stays a link); a character device
 * or FIFO (/dev/stdout, /dev/null, a pipe) is written through, never renamed
 * over; anything else (folder, socket, block device, dangling link) is
 * refused with QG_EUSAGE. *resolved gets the realpath() of a followed link. */
static int classify_target(const char *path, char **resolved, int *direct)
{
	struct stat st;

	*resolved = NULL;
	*direct = 0;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return qg_error(QG_EIO, "'%s': cannot inspect the output path: %s", path, strerror(errno));
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) < 0)
			return qg_error(QG_EUSAGE, "'%s': output path is a symlink to a missing or unreachable file (%s), expected a regular file",
					path, strerror(errno));
		if (S_ISREG(st.st_mode)) {
			*resolved = realpath(path, NULL);
			if (!*resolved)
				return qg_error(QG_EIO, "'%s': cannot resolve the symlink: %s", path, strerror(errno));
			return 0;
		}
	}
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		*direct = 1;
		return 0;
	}
	return qg_error(QG_EUSAGE, "'%s': output path is %s, expected a regular file, a character device or a FIFO",
			path, S_ISDIR(st.st_mode) ? "a folder" : S_ISSOCK(st.st_mode) ? "a socket" :
			S_ISBLK(st.st_mode) ? "a block device" : "not a regular file");
}

/* /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor N
 * of this process, or -1. Such a path is written through a dup() of N, so
 * `--json /dev/stdout >>log` appends in order and never replaces the log. */
static int own_fd_path(const char *path)
{
	const char *num = NULL;
	char *end;
	long n;

	if (!strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if (!strncmp(path, "/dev/fd/", 8))
		num = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		num = path + 14;
	if (!num || *num < '0' || *num > '9')
		return -1;
	errno = 0;
	n = strtol(num, &end, 10);
	if (errno || *end || n > INT_MAX || fcntl((int)n, F_GETFD) < 0)
		return -1;
	return (int)n;
}

int qg_file_check_output(const char *path)
{
	char *resolved = NULL;
	int direct, err;

	if (!path || !strcmp(path, "-") || own_fd_path(path) >= 0)
		return 0;
	err = classify_target(path, &resolved, &direct);
	free(resolved);
	return err;
}

static int open_direct(struct qg_file_atomic **out, const char *path, int own_fd)
{
	struct qg_file_atomic *f = calloc(1, sizeof(*f));

	if (!f)
		return qg_error(QG_ENOMEM, "out of memory");
	f->slot = -1;
	f->direct = 1;
	f->path = qg_strdup(path);
	if (!f->path) {
		free(f);
		return QG_ENOMEM;
	}
	fflush(stdout); /* /dev/stdout: what stdio holds comes first */
	if (own_fd >= 0)
		f->fd = fcntl(own_fd, F_DUPFD_CLOEXEC, 3);
	else
		f->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (f->fd < 0) {
		int err = qg_error(QG_EIO, "'%s': cannot open: %s", path, strerror(errno));

		free(f->path);
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

int qg_file_atomic_open(struct qg_file_atomic **out, const char *path)
{
	struct qg_file_atomic *f;
	struct qg_buf tmpl = QG_BUF_INIT(QG_CAP_PATH);
	const char *slash;
	char *resolved;
	int direct;
	int err;

	*out = NULL;
	if (!path || !*path)
		return qg_error(QG_EIO, "empty output path");
	if (own_fd_path(path) >= 0)
		return open_direct(out, path, own_fd_path(path));
	err = classify_target(path, &resolved, &direct);
	if (err)
		return err;
	if (direct)
		return open_direct(out, path, -1);
	if (resolved) {
		err = qg_file_atomic_open(out, resolved);
		free(resolved);
		return err;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return qg_error(QG_ENOMEM, "out of memory");
	f->fd = -1;
	f->slot = -1;
	slash = strrchr(path, '/');
	if (slash)
		err = qg_buf_addf(&tmpl, "%.*s.%s.tmpXXXXXX", (int)(slash + 1 - path), path, slash + 1);
	else
		err = qg_buf_addf(&tmpl, ".%s.tmpXXXXXX", path);
	f->path = qg_strdup(path);
	if (err || !f->path) {
		qg_buf_release(&tmpl);
		free(f->path);
		free(f);
		return err ? err : QG_ENOMEM;
	}
	f->tmp = qg_buf_detach(&tmpl, NULL);
	if (!f->tmp) {
		free(f->path);
		free(f);
		return QG_ENOMEM;
	}
	/* register the name before the file exists, so a signal between
	 * creating and registering cannot leave it behind */
	{
		sigset_t old;

		block_signals(&old);
		f->fd = mkostemp(f->tmp, O_CLOEXEC);
		if (f->fd >= 0) {
			err = tmp_register(f->tmp);
			if (err < 0) {
				unlink(f->tmp);
				close(f->fd);
				f->fd = -1;
			} else {
				f->slot = err;
				err = 0;
			}
		} else {
			err = qg_error(QG_EIO, "'%s': cannot create a temp file next to it: %s", path,
				       strerror(errno));
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (err) {
		free(f->tmp);
		free(f->path);
		free(f);
		return err;
	}
	if (fchmod(f->fd, file_mode()) < 0) {
		err = qg_error(QG_EIO, "'%s': cannot set permissions: %s", f->tmp, strerror(errno));
		qg_file_atomic_abort(f);
		return err;
	}
	*out = f;
	return 0;
}

int qg_file_atomic_write(struct qg_file_atomic *f, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(f->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qg_error(QG_EIO, "'%s': cannot write: %s", f->path, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void qg_file_atomic_abort(struct qg_file_atomic *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->slot >= 0) {
		unlink(f->tmp);
		tmp_unregister(f->slot);
	}
	free(f->tmp);
	free(f->path);
	free(f);
}

static void fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? qg_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : qg_strdup(".");
	int fd;

	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd); /* best effort: some filesystems refuse fsync on folders */
		close(fd);
	}
	free(dir);
}

int qg_file_atomic_commit(struct qg_file_atomic *f)
{
	int err = 0;

	if (f->direct) {
		if (close(f->fd) < 0)
			err = qg_error(QG_EIO, "'%s': cannot close: %s", f->path, strerror(errno));
		f->fd = -1;
		qg_file_atomic_abort(f);
		return err;
	}
	if (fsync(f->fd) < 0 && errno != EINVAL)
		err = qg_error(QG_EIO, "'%s': cannot fsync: %s", f->path, strerror(errno));
	if (!err && close(f->fd) < 0)
		err = qg_error(QG_EIO, "'%s': cannot close: %s", f->path, strerror(errno));
	f->fd = -1;
	if (!err && rename(f->tmp, f->path) < 0)
		err = qg_error(QG_EIO, "'%s': cannot rename the temp file into place: %s", f->path,
			       strerror(errno));
	if (err) {
		qg_file_atomic_abort(f);
		return err;
	}
	tmp_unregister(f->slot);
	f->slot = -1;
	fsync_dir_of(f->path);
	qg_file_atomic_abort(f); /* frees; nothing left to unlink */
	return 0;
}

static int write_stdout(const void *data, size_t len)
{
	const char *p = data;

	if (fflush(stdout) == EOF)
		return qg_error(QG_EIO, "'-' (stdout): cannot write: %s", strerror(errno));
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qg_error(QG_EIO, "'-' (stdout): cannot write: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int qg_file_write_atomic(const char *path, const void *data, size_t len)
{
	struct qg_file_atomic *f;
	int err;

	if (path && !strcmp(path, "-"))
		return write_stdout(data, len);
	err = qg_file_atomic_open(&f, path);
	if (err)
		return err;
	err = qg_file_atomic_write(f, data, len);
	if (err) {
		qg_file_atomic_abort(f);
		return err;
	}
	return qg_file_atomic_commit(f);
}

/* ------------------------------------------------------------------ misc */

int qg_file_mkdirs(const char *path, int mode)
{
	char *p = qg_strdup(path);
	int err = 0;

	if (!p)
		return QG_ENOMEM;
	for (char *s = p + 1; ; s++) {
		int end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
			err = qg_error(QG_EIO, "'%s': cannot create folder: %s", p, strerror(errno));
			break;
		}
		if (end)
			break;
		*s = '/';
	}
	if (!err && !qg_file_is_dir(path))
		err = qg_error(QG_EIO, "'%s': exists and is not a folder", path);
	free(p);
	return err;
}

int qg_file_is_regular(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void qg_file_stamp_set(struct qg_file_stamp *stamp, const struct stat *st)
{
	stamp->set = 1;
	stamp->dev = (unsigned long long)st->st_dev;
	stamp->ino = (unsigned long long)st->st_ino;
	stamp->size = (long long)st->st_size;
	stamp->mtime_sec = (long long)st->st_mtim.tv_sec;
	stamp->mtime_nsec = (long long)st->st_mtim.tv_nsec;
}

int qg_file_stamp_equal(const struct qg_file_stamp *a, const struct qg_file_stamp *b)
{
	return a->set == b->set && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

int qg_file_stamp_changed(const struct qg_file_stamp *stamp, const char *path)
{
	struct qg_file_stamp now = {0};
	struct stat st;

	if (!stamp || !stamp->set)
		return 0;
	if (stat(path, &st) < 0)
		return 1;
	qg_file_stamp_set(&now, &st);
	return !qg_file_stamp_equal(stamp, &now);
}

int qg_file_is_dir(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int qg_path_check_inside(const char *relpath)
{
	const char *p = relpath;

	if (!p || !*p)
		return qg_error(QG_EUSAGE, "empty path");
	if (*p == '/')
		return qg_error(QG_EUSAGE, "'%s': absolute path not allowed here, expected a relative path inside the folder", relpath);
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return qg_error(QG_EUSAGE, "'%s': path escapes its folder ('..' component)", relpath);
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}
