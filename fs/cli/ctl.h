/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_CTL_H
#define MDEVFS_CTL_H

/* `mdevfs ctl ...`, the control socket's client. */
int ctl_main(int argc, char **argv);

#endif /* MDEVFS_CTL_H */
