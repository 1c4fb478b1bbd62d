/* git_int.h -- libgit2's function table, shared by lib/proc/git*.c only
 *
 * libgit2 is dlopen'ed once (pthread_once in git.c) and its functions are
 * resolved into qg_lg; the headers are included for types and constants
 * only. qg_libgit2() loads on first use and says whether it worked; every
 * other field is valid only after it returned 1. Nothing outside
 * lib/proc/git*.c includes this file, so git_repository and friends never
 * leave lib/proc/.
 */
#ifndef QGATE_GIT_INT_H
#define QGATE_GIT_INT_H

#include <git2.h>

struct qg_libgit2 {
	int loaded;
	char version[32];
	int (*init)(void);
	int (*opts)(int option, ...);
	int (*version_fn)(int *major, int *minor, int *rev);
	int (*repository_open_ext)(git_repository **out, const char *path, unsigned int flags,
				   const char *ceiling_dirs);
	void (*repository_free)(git_repository *repo);
	int (*repository_is_bare)(const git_repository *repo);
	int (*reference_name_to_id)(git_oid *out, git_repository *repo, const char *name);
	const char *(*reference_name)(const git_reference *ref);
	void (*reference_free)(git_reference *ref);
	char *(*oid_tostr)(char *out, size_t n, const git_oid *id);
	int (*status_list_new)(git_status_list **out, git_repository *repo, const git_status_options *opts);
	size_t (*status_list_entrycount)(git_status_list *list);
	void (*status_list_free)(git_status_list *list);
	/* the repository as data (git_repo.c, git_diff.c) */
	const git_error *(*error_last)(void);
	const char *(*repository_workdir)(const git_repository *repo);
	int (*reference_lookup)(git_reference **out, git_repository *repo, const char *name);
	const char *(*reference_symbolic_target)(const git_reference *ref);
	int (*repository_index)(git_index **out, git_repository *repo);
	int (*index_read)(git_index *index, int force);
	size_t (*index_entrycount)(const git_index *index);
	const git_index_entry *(*index_get_byindex)(git_index *index, size_t n);
	void (*index_free)(git_index *index);
	int (*oid_fromstrn)(git_oid *out, const char *str, size_t length);
	int (*blob_lookup)(git_blob **blob, git_repository *repo, const git_oid *id);
	const void *(*blob_rawcontent)(const git_blob *blob);
	git_object_size_t (*blob_rawsize)(const git_blob *blob);
	void (*blob_free)(git_blob *blob);
	int (*ignore_path_is_ignored)(int *ignored, git_repository *repo, const char *path);
	int (*revparse_single)(git_object **out, git_repository *repo, const char *spec);
	int (*object_peel)(git_object **peeled, const git_object *object, git_object_t target_type);
	const git_oid *(*object_id)(const git_object *obj);
	void (*object_free)(git_object *object);
	int (*merge_base)(git_oid *out, git_repository *repo, const git_oid *one, const git_oid *two);
	int (*commit_lookup)(git_commit **commit, git_repository *repo, const git_oid *id);
	int (*commit_tree)(git_tree **tree_out, const git_commit *commit);
	void (*commit_free)(git_commit *commit);
	unsigned int (*commit_parentcount)(const git_commit *commit);
	const git_oid *(*commit_parent_id)(const git_commit *commit, unsigned int n);
	git_time_t (*commit_time)(const git_commit *commit);
	int (*repository_is_shallow)(git_repository *repo);
	void (*tree_free)(git_tree *tree);
	int (*diff_options_init)(git_diff_options *opts, unsigned int version);
	int (*diff_find_options_init)(git_diff_find_options *opts, unsigned int version);
	int (*diff_tree_to_tree)(git_diff **diff, git_repository *repo, git_tree *old_tree, git_tree *new_tree,
				 const git_diff_options *opts);
	int (*diff_tree_to_index)(git_diff **diff, git_repository *repo, git_tree *old_tree, git_index *index,
				  const git_diff_options *opts);
	int (*diff_tree_to_workdir_with_index)(git_diff **diff, git_repository *repo, git_tree *old_tree,
					       const git_diff_options *opts);
	int (*diff_find_similar)(git_diff *diff, const git_diff_find_options *options);
	size_t (*diff_num_deltas)(const git_diff *diff);
	void (*diff_free)(git_diff *diff);
	int (*patch_from_diff)(git_patch **out, git_diff *diff, size_t idx);
	const git_diff_delta *(*patch_get_delta)(const git_patch *patch);
	size_t (*patch_num_hunks)(const git_patch *patch);
	int (*patch_get_hunk)(const git_diff_hunk **out, size_t *lines_in_hunk, git_patch *patch, size_t hunk_idx);
	int (*patch_get_line_in_hunk)(const git_diff_line **out, git_patch *patch, size_t hunk_idx,
				      size_t line_of_hunk);
	void (*patch_free)(git_patch *patch);
	/* committing files (qg_git_commit_paths, git_repo.c) */
	int (*index_new)(git_index **out);
	int (*index_read_tree)(git_index *index, const git_tree *tree);
	int (*index_add)(git_index *index, const git_index_entry *source_entry);
	int (*index_add_bypath)(git_index *index, const char *path);
	int (*index_write)(git_index *index);
	int (*index_write_tree_to)(git_oid *out, git_index *index, git_repository *repo);
	int (*blob_create_from_workdir)(git_oid *id, git_repository *repo, const char *relative_path);
	int (*tree_lookup)(git_tree **out, git_repository *repo, const git_oid *id);
	int (*tree_entry_bypath)(git_tree_entry **out, const git_tree *root, const char *path);
	git_filemode_t (*tree_entry_filemode)(const git_tree_entry *entry);
	void (*tree_entry_free)(git_tree_entry *entry);
	const git_oid *(*commit_tree_id)(const git_commit *commit);
	int (*signature_default)(git_signature **out, git_repository *repo);
	int (*signature_now)(git_signature **out, const char *name, const char *email);
	void (*signature_free)(git_signature *sig);
	int (*commit_create)(git_oid *id, git_repository *repo, const char *update_ref, const git_signature *author,
			     const git_signature *committer, const char *message_encoding, const char *message,
			     const git_tree *tree, size_t parent_count, const git_commit *parents[]);
	/* the hooks folder (qg_git_hooks_dir, git_repo.c) */
	const char *(*repository_commondir)(const git_repository *repo);
	const char *(*repository_path)(const git_repository *repo);
	int (*repository_config_snapshot)(git_config **out, git_repository *repo);
	int (*config_get_string)(const char **out, const git_config *cfg, const char *name);
	void (*config_free)(git_config *cfg);
	/* the object database, attached at open (qg_git_open_repository) */
	int (*odb_open)(git_odb **out, const char *objects_dir);
	void (*odb_free)(git_odb *db);
	int (*repository_set_odb)(git_repository *repo, git_odb *odb);
};

extern struct qg_libgit2 qg_lg;

/* Load libgit2 once; 1 when its table is usable. */
int qg_libgit2(void);

/* git_repository_open_ext() at dir (no search past GIT_CEILING_DIRECTORIES)
 * with its object database opened and attached at once; < 0 as libgit2
 * returns it, *out NULL. Every repository in lib/proc/ is opened here. */
int qg_git_open_repository(git_repository **out, const char *dir);

#include <pthread.h>

/* The opaque handle of qgate/git.h. One recursive lock serialises every
 * libgit2 call on it, so -j workers may share a handle (a git_repository is
 * not meant to be used from several threads at once). */
struct qg_git_repo {
	git_repository *repo;
	git_index *index;    /* loaded on first use, re-read from disk each ls-files */
	char *dir;           /* as given to open, for messages */
	char *workdir;       /* "" for a bare repository */
	char *branch;        /* NULL when detached */
	pthread_mutex_t lock;
};

/* Record libgit2's last message as a qgate error: "what: message". */
int qg_git_fail(int code, const char *what);
/* Load (or re-read when it changed on disk) the index; caller holds the lock. */
int qg_git_load_index(struct qg_git_repo *r);
/* Resolve a 40-hex id or a revision to a commit id; QG_EUSAGE naming it. */
int qg_git_resolve_commit(struct qg_git_repo *r, const char *rev, git_oid *out);

#endif
