// SPDX-License-Identifier: MIT
/*
 * The xattr requests, onto the attributes the core keeps per node as
 * kernfs does (src/sysfs_xattr.c).  The kernel's VFS has decided who may
 * before a request comes (trusted.* and changes of security.* need
 * CAP_SYS_ADMIN); what FUSE passes to every daemon alike, the POSIX ACL
 * names too, gets kernfs's answer (EOPNOTSUPP for those).
 */
#include <errno.h>
#include <stdlib.h>

#include <linux/capability.h>

#include "fs.h"
#include "proc.h"

static struct sysfs_node node_of(fuse_ino_t ino)
{
	return handle_of(ino)->node;
}

/* A get's or a list's reply: the errno, the size asked for (@size 0) or
 * the data. */
static void reply_xattr(fuse_req_t req, ssize_t ret, const char *buf,
			size_t size)
{
	if (ret < 0)
		fuse_reply_err(req, (int)-ret);
	else if (!size)
		fuse_reply_xattr(req, (size_t)ret);
	else
		fuse_reply_buf(req, buf, (size_t)ret);
}

void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	char *buf = size ? malloc(size) : NULL;
	ssize_t ret = size && !buf ? -ENOMEM :
		      sysfs_getxattr(node_of(ino), name, buf, size);

	reply_xattr(req, ret, buf, size);
	free(buf);
}

/* simple_xattr_list() leaves trusted.* out unless capable(CAP_SYS_ADMIN);
 * FUSE gives the caller's ids only, /proc the rest.  Asked only of a node
 * that has such names (few have any). */
static bool may_list_trusted(fuse_req_t req, struct sysfs_node node)
{
	return sysfs_listxattr(node, true, NULL, 0) !=
	       sysfs_listxattr(node, false, NULL, 0) &&
	       proc_capable(fuse_req_ctx(req)->pid, CAP_SYS_ADMIN);
}

void fs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct sysfs_node node = node_of(ino);
	char *buf = size ? malloc(size) : NULL;
	ssize_t ret = size && !buf ? -ENOMEM :
		      sysfs_listxattr(node, may_list_trusted(req, node), buf, size);

	reply_xattr(req, ret, buf, size);
	free(buf);
}

void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	fuse_reply_err(req, -sysfs_setxattr(node_of(ino), name, value, size, flags));
}

void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fuse_reply_err(req, -sysfs_removexattr(node_of(ino), name));
}
