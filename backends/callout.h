/* SPDX-License-Identifier: MIT */
/* The callout backend's process runner (callout_run.c). */
#ifndef MDEVFS_CALLOUT_H
#define MDEVFS_CALLOUT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <glib.h>
#include <mdevfs/backend.h>

/* What a callout may print on each of stdout and stderr; the rest is
 * read and dropped, so a chatty script never blocks on a full pipe. */
#define CALLOUT_OUTPUT_MAX ((size_t)64 * 1024)
/* Between SIGTERM and SIGKILL to a callout's process group. */
#define CALLOUT_KILL_GRACE_MS 1000L

struct callout_result {
	int spawn_errno;  /* nonzero: it never ran (the others are unset) */
	bool timed_out;   /* killed at the deadline */
	int exit_code;    /* 0..255, or 128 + signal */
	GString *out, *err;
	bool truncated;   /* more output than CALLOUT_OUTPUT_MAX */
};

/*
 * Runs @argv (argv[0] is the executable's absolute path; no shell) with
 * exactly @envp, its stdin fed @input (NULL: empty), stdout and stderr
 * collected, in a process group of its own, with no other descriptor.
 * Waits for its exit and the end of both outputs for at most @timeout_ms;
 * then the group gets SIGTERM and, CALLOUT_KILL_GRACE_MS later, SIGKILL.
 * Blocks the calling thread; any thread may call it.  Clear @res after.
 */
void callout_run(const char *const *argv, const char *const *envp,
		 const char *input, unsigned long timeout_ms,
		 struct callout_result *res);
void callout_result_clear(struct callout_result *res);

/* A parent's script and what it did (callout_config.c reads the keys). */
struct callout_parent {
	char *path;            /* the executable, absolute */
	char *label;           /* its base name, for the log */
	char *parent_name;
	char **env;            /* PATH and callout_env's KEY=VALUEs */
	unsigned long timeout_ms, cache_ms;
	GPtrArray *types;      /* struct callout_type *, freed with the parent */
	pthread_mutex_t lock;  /* one start, stop or modify at a time */
	atomic_ulong generation; /* bumped by each: cached answers are stale */
	atomic_ulong devices, calls, failures, timeouts;
};

struct callout_type {
	GPtrArray *attrs;      /* attribute names, by index */
	pthread_mutex_t lock;  /* the cached answer of `available` */
	bool cached;
	unsigned int available;
	gint64 cached_at;
	unsigned long cached_gen;
};

/* callout_config.c */
int callout_parent_init(struct mdevfs_parent *parent, struct mdevfs_settings *s);
int callout_type_init(struct mdevfs_type *type, struct mdevfs_settings *s);
void callout_parent_fini(struct mdevfs_parent *parent);

/* callout.c */
void callout_json_warm_up(void);

#endif /* MDEVFS_CALLOUT_H */
