/* path.h -- finding programs: the one PATH walk
 *
 * Invariants: one walk decides where a program name leads, for the front
 * (`qgate <gate>` finds qgate-<gate>) and for child processes (lib/proc/run.c
 * resolves argv[0] in the parent, before fork, and the child only execve()s).
 * The order is: a name holding a '/' is taken as it is (relative to the
 * working folder, never searched); otherwise the folder `beside` when given
 * (the front passes the folder of its own executable, so an installed set
 * stays together whatever PATH says), then each PATH entry from left to
 * right. Only regular files executable by the effective user match. An empty
 * PATH entry (a leading, trailing or doubled ':') means the working folder,
 * as POSIX says and as execvp() did; PATH unset means the system default
 * (confstr(_CS_PATH), "/bin:/usr/bin"), as execvp() did. Nothing here is
 * cached: PATH is read at each call, from this process's environment (a
 * caller that gives a child another PATH looks up with that one itself).
 * A result found through a relative PATH entry (".", "bin") is relative to
 * the caller's working folder: a caller whose child changes folder before
 * execve() must make it absolute first.
 */
#ifndef QGATE_PATH_H
#define QGATE_PATH_H

#include "qgate/buf.h"
#include "qgate/strvec.h"

/* Find the program `name`. 0 with its path in `out` (a name with a '/' is
 * copied unchecked: execve() reports what is wrong with it). QG_ENOTFOUND,
 * with a message naming it, when no folder holds it; errno is then EACCES if
 * a file of that name was found but is not an executable regular file, and
 * ENOENT otherwise (what execvp() would have set). QG_ENOTFOUND for an empty
 * name; QG_ENOMEM or QG_ETOOBIG when `out` cannot hold the path. `beside`
 * may be NULL or "" (no extra folder). `out` is reset first. */
int qg_path_find(struct qg_buf *out, const char *name, const char *beside);

/* Every program whose name starts with `prefix` in `beside` and on PATH,
 * in the same order of folders: pushes the part after the prefix once each
 * (the first folder holding a name wins, as for qg_path_find), sorted. Names
 * that are only the prefix are skipped. Unreadable folders are skipped.
 * 0, or QG_ENOMEM. */
int qg_path_list(struct qg_strvec *out, const char *prefix, const char *beside);

/* The folder holding the running executable (/proc/self/exe), in `out`.
 * 0, or QG_ENOTFOUND when it cannot be told (no /proc); `out` is reset. */
int qg_path_self_dir(struct qg_buf *out);

#endif
