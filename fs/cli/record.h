/* SPDX-License-Identifier: MIT */
/*
 * `mdevfs record`.  record.c walks the tree, reads it and writes the
 * profile; record_infer.c works out what a snapshot does not show (who
 * counts instances and what a type costs, the driver names).
 */
#ifndef MDEVFS_RECORD_H
#define MDEVFS_RECORD_H

#include <stdbool.h>

#include <glib.h>

/* `mdevfs record [-o FILE] [SYSFS_ROOT]`: writes a configuration profile
 * of SYSFS_ROOT/class/mdev_bus (default /sys) that `mdevfs -c FILE`
 * serves.  Returns the exit status. */
int record_main(int argc, char **argv);

/* What is read of a parent and its types, then written as groups. */
struct rec_type {
	char *dir;              /* its directory, PREFIX-NAME */
	const char *sysfs_name; /* NAME, inside dir */
	unsigned long available;
	unsigned long cost;     /* pool units of a device, when the vendor counts */
	GPtrArray *devices;     /* UUIDs of the type's devices */
};

struct rec_parent {
	char *name;
	char *dir;              /* SYSFS_ROOT/class/mdev_bus/NAME */
	char *path;             /* below devices/ */
	char *subsys;
	bool bus;
	char *device_driver;    /* bound to the parent; NULL: none seen */
	char *driver;           /* the mdev driver */
	char *driver_note;      /* why that driver, when it is a guess */
	char *uevent;           /* ';'-joined KEY=VALUEs */
	GPtrArray *types;       /* struct rec_type * */
	unsigned long ndevices;
	bool core_counts;
	unsigned long count;    /* max_instances or pool */
	GString *notes;         /* the comment above [parent NAME] */
};

/* record.c */
/* A line of the comment above the parent's group. */
void rec_note(struct rec_parent *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last component of DIR/NAME's target, or NULL when it is no link. */
char *rec_link_name(const char *dir, const char *name);
/* The entries of @path in readdir order, or NULL with errno set. */
GPtrArray *rec_list_dir(const char *path);

/* record_infer.c, once the types are read */
/* max_instances, or pool and the types' costs; 0 or -errno (reported). */
int rec_count_instances(struct rec_parent *p);
/* device_driver and each type's sysfs_name. */
void rec_device_driver(struct rec_parent *p, const char *uevent_driver);
/* The mdev driver. */
void rec_driver(struct rec_parent *p, const char *root);

#endif /* MDEVFS_RECORD_H */
