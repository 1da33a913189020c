// SPDX-License-Identifier: MIT
#include <check.h>
#include <pthread.h>
#include <string.h>

#include <glib.h>

#include "gate_backend.h"
#include "tree_helpers.h"
#include "mdev.h"
#include "mdev_private.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool closed, busy;
	int in_probe, in_remove, probes, removes, max_parallel, error, requests;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void wait_gate(int *inside)
{
	(*inside)++;
	if (*inside > g.max_parallel && inside == &g.in_probe)
		g.max_parallel = *inside;
	pthread_cond_broadcast(&g.cond);
	while (g.closed)
		pthread_cond_wait(&g.cond, &g.lock);
	(*inside)--;
}

static int gate_probe(struct mdevfs_device *dev)
{
	int ret;

	pthread_mutex_lock(&g.lock);
	wait_gate(&g.in_probe);
	g.probes++;
	ret = g.error;
	if (!ret && g.busy)
		mdevfs_device_get_user(dev);
	pthread_mutex_unlock(&g.lock);
	return ret;
}

static void gate_request(struct mdevfs_device *dev, unsigned int count)
{
	(void)dev, (void)count;
	pthread_mutex_lock(&g.lock);
	g.requests++;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
}

static void gate_remove(struct mdevfs_device *dev)
{
	(void)dev;
	pthread_mutex_lock(&g.lock);
	wait_gate(&g.in_remove);
	g.removes++;
	pthread_mutex_unlock(&g.lock);
}

static const struct mdevfs_backend gate_backend = {
	.abi = MDEVFS_BACKEND_ABI,
	.struct_size = sizeof(struct mdevfs_backend),
	.name = "gate",
	.probe = gate_probe,
	.remove = gate_remove,
	.request = gate_request,
};

struct mdevfs_parent *gate_parent_new(int n, unsigned int max)
{
	g_autofree char *name = g_strdup_printf("gate%d", n);
	g_autofree char *path = g_strdup_printf("devices/virtual/gate/%s", name);
	struct mdevfs_parent *p = mdev_parent_new(name, path);
	struct mdevfs_type *t;

	p->subsys_name = g_strdup("gate");
	p->driver_name = g_strdup("gate");
	p->type_prefix = g_strdup("gate");
	p->backend = &gate_backend;
	p->core_counts = true;
	p->max_instances = max;
	p->initialized = true;
	t = mdev_type_new(p, "a");
	t->name = g_strdup("a");
	t->device_api = g_strdup("vfio-pci");
	return p;
}

void gate_reset(void)
{
	pthread_mutex_lock(&g.lock);
	g.closed = false;
	g.in_probe = g.in_remove = g.probes = g.removes = g.max_parallel = 0;
	g.error = 0;
	g.busy = false;
	g.requests = 0;
	pthread_mutex_unlock(&g.lock);
}

void gate_close(void)
{
	pthread_mutex_lock(&g.lock);
	g.closed = true;
	pthread_mutex_unlock(&g.lock);
}

void gate_open(void)
{
	pthread_mutex_lock(&g.lock);
	g.closed = false;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
}

static void wait_count(const int *what, int count)
{
	pthread_mutex_lock(&g.lock);
	while (*what < count)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
}

void gate_wait_in_probe(int count) { wait_count(&g.in_probe, count); }
void gate_wait_in_remove(int count) { wait_count(&g.in_remove, count); }
void gate_wait_requests(int count) { wait_count(&g.requests, count); }

void gate_set_busy(bool busy)
{
	pthread_mutex_lock(&g.lock);
	g.busy = busy;
	pthread_mutex_unlock(&g.lock);
}

void gate_set_probe_error(int err)
{
	pthread_mutex_lock(&g.lock);
	g.error = err;
	pthread_mutex_unlock(&g.lock);
}

static int get(const int *what)
{
	int v;

	pthread_mutex_lock(&g.lock);
	v = *what;
	pthread_mutex_unlock(&g.lock);
	return v;
}

int gate_probes(void) { return get(&g.probes); }
int gate_removes(void) { return get(&g.removes); }
int gate_requests(void) { return get(&g.requests); }
int gate_max_parallel(void) { return get(&g.max_parallel); }

struct mdevfs_parent *gate0;
static GPtrArray *samples;

void gate_setup(void)
{
	samples = tree_setup(NULL);
	gate_reset();
	gate0 = gate_parent_new(0, 8);
	ck_assert_int_eq(mdev_parent_add(gate0), 0);
	ck_assert_int_eq(mdev_register_parent(gate0), 0);
}

void gate_teardown(void)
{
	gate_open();
	mdev_unregister_parent(gate0);
	mdev_parent_del(gate0);
	mdev_parent_put(gate0);
	tree_teardown(samples);
}

bool gate_dev_has(const char *uuid, const char *entry)
{
	g_autofree char *p = g_strdup_printf(GATE "/%s%s%s", uuid,
					     *entry ? "/" : "", entry);
	return tree_exists(p);
}

static void *op_done(struct gate_op *op)
{
	__atomic_store_n(&op->done, true, __ATOMIC_RELEASE);
	return NULL;
}

void *gate_create_main(void *arg)
{
	struct gate_op *op = arg;

	op->ret = tree_create(mdevfs_parent_name(op->parent), "gate-a", op->uuid);
	return op_done(op);
}

void *gate_remove_main(void *arg)
{
	struct gate_op *op = arg;

	op->ret = tree_remove_for(op->uuid, &op->store);
	return op_done(op);
}

void *gate_unregister_main(void *arg)
{
	struct gate_op *op = arg;

	mdev_unregister_parent(op->parent);
	return op_done(op);
}

struct gate_op *gate_op_start(void *(*fn)(void *), struct mdevfs_parent *parent,
			      const char *uuid)
{
	struct gate_op *op = g_new0(struct gate_op, 1);

	op->parent = parent;
	if (uuid)
		g_strlcpy(op->uuid, uuid, sizeof(op->uuid));
	ck_assert_int_eq(pthread_create(&op->thread, NULL, fn, op), 0);
	return op;
}

bool gate_op_done(struct gate_op *op)
{
	return __atomic_load_n(&op->done, __ATOMIC_ACQUIRE);
}

int gate_op_finish(struct gate_op *op)
{
	int ret;

	pthread_join(op->thread, NULL);
	ret = op->ret;
	g_free(op);
	return ret;
}
