/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_SECURITY_H
#define MDEVFS_SECURITY_H

/* Once mounted: drops every capability the daemon no longer uses and, as
 * root, sets no_new_privs.  0, or -1 after saying why (the daemon must
 * then not serve). */
int security_drop_privileges(void);

#endif /* MDEVFS_SECURITY_H */
