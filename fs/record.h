/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_RECORD_H
#define MDEVFS_RECORD_H

/* `mdevfs record [-o FILE] [SYSFS_ROOT]`: writes a configuration profile
 * of SYSFS_ROOT/class/mdev_bus (default /sys) that `mdevfs -c FILE`
 * serves.  Returns the exit status. */
int record_main(int argc, char **argv);

#endif /* MDEVFS_RECORD_H */
