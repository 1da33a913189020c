/* SPDX-License-Identifier: MIT */
/*
 * Integration-test harness: the real mdevfs daemon on a temporary
 * mountpoint, driven with ordinary syscalls.  Test programs run inside
 * `unshare -m -n` (see tests/CMakeLists.txt), so a mount can never leak to
 * the host; each test still unmounts what it mounted.
 */
#ifndef MDEVFS_HARNESS_H
#define MDEVFS_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

struct mdevfs {
	char dir[64];   /* the mountpoint */
	char conf[64];  /* the configuration written for it, if any */
	char log[64];   /* the daemon's stderr, shown when it fails */
	pid_t pid;
};

/* Exits unless this process has its own mount and network namespaces;
 * every test program calls it first. */
void harness_require_private_namespaces(void);

/* Starts `mdevfs -f [-c CONF] [ARGS...] DIR` with @conf_text as its
 * configuration (NULL: the built-in samples) and waits until it serves. */
void mdevfs_start(struct mdevfs *m, const char *conf_text,
		  const char *const *args);
/* SIGTERM, then checks a clean exit and that nothing is mounted. */
void mdevfs_stop(struct mdevfs *m);
/* The daemon's exit status after @sig (or after an external unmount when
 * @sig is 0); the mountpoint must be gone. */
int mdevfs_wait(struct mdevfs *m, int sig);
bool is_mounted(const char *dir);

/* Every string these helpers return belongs to the harness and is freed
 * when the daemon is stopped: tests do not free them. */

/* "<mountpoint>/<path>", formatted. */
char *at(struct mdevfs *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* open(O_WRONLY|O_TRUNC) + one write + close: bytes written or -errno. */
ssize_t write_file(const char *path, const void *buf, size_t len);
ssize_t put(const char *path, const char *s);
/* The whole file, or NULL with errno set. */
char *get(const char *path);
long get_long(const char *path);
char *link_of(const char *path);
bool exists(const char *path);
char *ls(const char *path);      /* sorted, space-separated, no . and .. */
unsigned int count(const char *path);
char *uuid_new(void);
char *fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* `mdevfs ctl -m DIR ARGS...` (@args NULL-terminated): its exit status;
 * its output (stdout and stderr) in *@out if not NULL. */
int mdevfs_ctl(struct mdevfs *m, char **out, const char *const *args);

/* Runs @fn in a child as user nobody; returns its exit status. */
int as_nobody(int (*fn)(void *), void *arg);

#endif
