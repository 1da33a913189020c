// SPDX-License-Identifier: MIT
/*
 * The seeds' races at once, through the mount, for a bounded time:
 *  - processes and C threads, and shell loops, creating and removing over
 *    a small shared pool of UUIDs on every parent;
 *  - two writers creating one UUID on two parents at once: exactly one
 *    wins, the other gets EEXIST;
 *  - a remove racing its own create on a slow vendor: EAGAIN or success,
 *    never a half device;
 *  - a parent unregistered and registered again and again meanwhile;
 *  - a vendor failing a quarter of its probes with EIO.
 * Afterwards the tree must be consistent, not merely alive: no UUID twice,
 * every listed device complete and nothing dangling, available_instances
 * exactly what the accounting rules give for the live devices, every
 * failed write an errno the kernel can give for it, and once everything
 * is removed, the vendor's counters back to zero.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define PROCS 3
#define THREADS 2
#define POOL 16
#define SECONDS 4

#define SAMPLE(name, keys) \
	"[parent " name "]\nclass = " name "\ndriver = " name "\n" \
	"backend = sample\ndevice_api = vfio-pci\n" keys "\n"

static const char config[] =
	SAMPLE("mtty", "pool = 24")
	"[type mtty 1]\n[type mtty 2]\ncost = 2\n"
	SAMPLE("mdpy", "max_instances = 4")
	"[type mdpy vga]\n[type mdpy hd]\n"
	SAMPLE("mbochs", "pool = 256")
	"[type mbochs small]\ncost = 4\n[type mbochs large]\ncost = 64\n"
	SAMPLE("flaky", "pool = 16")
	"[type flaky a]\nprobe_fail_percent = 25\nprobe_fail_errno = EIO\n"
	SAMPLE("slow", "pool = 1000")
	"[type slow a]\nprobe_delay_ms = 20\n"
	SAMPLE("pair", "max_instances = 1000")
	"[type pair a]\n";

/* Plugged and unplugged during the storm by `mdevfs ctl`. */
static const char hot_config[] =
	SAMPLE("hot", "pool = 8") "[type hot a]\nprobe_delay_ms = 2\n";

static struct mdevfs m;

static const struct kind {
	const char *parent, *type;
	int cost;
	int total;           /* units of the parent */
	bool fails, hotplug; /* EIO from the vendor; ENOENT/ENODEV */
} kinds[] = {
	{ "mtty", "mtty-1", 1, 24, false, false },
	{ "mtty", "mtty-2", 2, 24, false, false },
	{ "mdpy", "mdpy-vga", 1, 4, false, false },
	{ "mdpy", "mdpy-hd", 1, 4, false, false },
	{ "mbochs", "mbochs-small", 4, 256, false, false },
	{ "mbochs", "mbochs-large", 64, 256, false, false },
	{ "flaky", "flaky-a", 1, 16, .fails = true, .hotplug = false },
	{ "hot", "hot-a", 1, 8, .fails = false, .hotplug = true },
};
#define NKINDS ((int)G_N_ELEMENTS(kinds))
static const char *const parents[] = { "mtty", "mdpy", "mbochs", "flaky", "hot" };
#define NPARENTS ((int)G_N_ELEMENTS(parents))

/* Shared by every worker process: counts of each outcome. */
struct tally {
	long creates, create_fail[135], removes, remove_fail[135], bad;
	int bad_errno, bad_kind;
};

static bool create_errno_ok(const struct kind *k, int e)
{
	return e == EEXIST || e == EUSERS || e == ENOSPC ||
	       (k->fails && e == EIO) ||
	       (k->hotplug && (e == ENOENT || e == ENODEV));
}

static bool remove_errno_ok(int e)
{
	/* gone before we opened it, gone while we wrote (or its parent is
	 * going), still being made */
	return e == ENOENT || e == ENODEV || e == EAGAIN;
}

static void record(struct tally *t, bool create, int k, ssize_t r)
{
	long *fails = create ? t->create_fail : t->remove_fail;
	bool ok = create ? create_errno_ok(&kinds[k], (int)-r) : remove_errno_ok((int)-r);

	if (r > 0) {
		__atomic_add_fetch(create ? &t->creates : &t->removes, 1, __ATOMIC_RELAXED);
	} else if (r < 0 && -r < 135 && ok) {
		__atomic_add_fetch(&fails[-r], 1, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&t->bad, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&t->bad_errno, (int)-r, __ATOMIC_RELAXED);
		__atomic_store_n(&t->bad_kind, create ? k : -1, __ATOMIC_RELAXED);
	}
}

struct worker_arg {
	const char (*uuids)[37];
	struct tally *t;
	unsigned int seed;
};

static void *worker_main(void *arg)
{
	struct worker_arg *w = arg;
	time_t end = time(NULL) + SECONDS;

	while (time(NULL) < end) {
		const char *u = w->uuids[rand_r(&w->seed) % POOL];
		int k = rand_r(&w->seed) % NKINDS;

		if (rand_r(&w->seed) % 2)
			record(w->t, true, k, put(at(&m, "class/mdev_bus/%s/mdev_supported_types/%s/create",
					       kinds[k].parent, kinds[k].type), u));
		else
			record(w->t, false, k, put(at(&m, "bus/mdev/devices/%s/remove", u), "1"));
	}
	return NULL;
}

/* A process of THREADS workers. */
static pid_t start_process(int id, const char (*uuids)[37], struct tally *t)
{
	pid_t pid = fork();
	pthread_t threads[THREADS];
	struct worker_arg args[THREADS];

	if (pid)
		return pid;
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct worker_arg){ uuids, t, (unsigned int)(getpid() * 31 + i) };
		if (pthread_create(&threads[i], NULL, worker_main, &args[i]))
			_exit(2);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	(void)id;
	_exit(0);
}

/* A shell loop doing the same with echo; its errors go to @log. */
static pid_t start_shell(const char (*uuids)[37], const char *log)
{
	g_autoptr(GString) pool = g_string_new(NULL);
	g_autofree char *script = NULL;
	pid_t pid;

	for (int i = 0; i < POOL; i++)
		g_string_append_printf(pool, "%s ", uuids[i]);
	script = g_strdup_printf(
		"m=%s; pool=(%s); kinds=(mtty/mtty-1 mdpy/mdpy-hd mbochs/mbochs-small hot/hot-a flaky/flaky-a)\n"
		"end=$((SECONDS + %d))\n"
		"while [ $SECONDS -lt $end ]; do\n"
		"  u=${pool[RANDOM %% %d]}; k=${kinds[RANDOM %% 5]}\n"
		"  if [ $((RANDOM %% 2)) = 0 ]; then\n"
		"    echo $u > $m/class/mdev_bus/${k%%/*}/mdev_supported_types/${k#*/}/create\n"
		"  else\n"
		"    echo 1 > $m/bus/mdev/devices/$u/remove\n"
		"  fi\n"
		"done 2>%s\nexit 0\n", m.dir, pool->str, SECONDS, POOL, log);
	pid = fork();
	if (pid == 0) {
		execl("/bin/bash", "bash", "-c", script, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* What the shell may see: the kernel's errnos as bash prints them.  EACCES
 * is the VFS's answer to an O_CREAT open of an attribute that just went
 * while its directory is still there (sysfs has no create). */
static void check_shell_log(const char *log)
{
	static const char *const allowed[] = {
		"File exists", "Too many users", "No space left on device",
		"Input/output error", "No such file or directory", "No such device",
		"Resource temporarily unavailable", "Permission denied",
	};
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	ck_assert(g_file_get_contents(log, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l && **l; l++) {
		bool ok = false;

		for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++)
			ok |= g_str_has_suffix(*l, allowed[i]);
		ck_assert_msg(ok, "shell saw: %s", *l);
	}
	fprintf(stderr, "storm: shell loop errors: %u lines\n", g_strv_length(lines) - 1);
	unlink(log);
}

static int kind_of(const char *type)
{
	for (int k = 0; k < NKINDS; k++)
		if (!strcmp(kinds[k].type, type))
			return k;
	return -1;
}

static int parent_index(const char *name)
{
	for (int p = 0; p < NPARENTS; p++)
		if (!strcmp(parents[p], name))
			return p;
	return -1;
}

/* Every listed device is whole and listed once; sets the units each
 * parent has in use and returns the number of devices. */
static unsigned int check_devices(long used[NPARENTS])
{
	g_auto(GStrv) uuids = g_strsplit(ls(at(&m, "bus/mdev/devices")), " ", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	unsigned int ndev = 0, in_parents = 0;

	memset(used, 0, sizeof(long) * NPARENTS);
	for (char **u = uuids; *u && **u; u++) {
		char *dev = at(&m, "bus/mdev/devices/%s", *u);
		char *type = link_of(fmt("%s/mdev_type", dev));
		int k;

		ck_assert_msg(g_hash_table_add(seen, *u), "%s listed twice", *u);
		ck_assert_msg(type && link_of(fmt("%s/iommu_group", dev)), "%s incomplete", *u);
		k = kind_of(strrchr(type, '/') + 1);
		ck_assert_msg(k >= 0, "%s: type %s", *u, type);
		ck_assert(exists(fmt("%s/driver", dev)));
		ck_assert(exists(fmt("%s/remove", dev)));
		ck_assert(exists(fmt("%s/mdev_type/devices/%s", dev, *u)));
		ck_assert(exists(fmt("%s/iommu_group/devices/%s", dev, *u)));
		ck_assert(exists(at(&m, "bus/mdev/drivers/%s/%s", kinds[k].parent, *u)));
		ck_assert(exists(at(&m, "class/mdev_bus/%s/%s", kinds[k].parent, *u)));
		ck_assert_uint_eq(count(fmt("%s/vfio-dev", dev)), 1);
		used[parent_index(kinds[k].parent)] += kinds[k].cost;
		ndev++;
	}
	/* nothing anywhere points at a device that is not listed */
	for (int p = 0; p < NPARENTS; p++) {
		g_auto(GStrv) names = g_strsplit(ls(at(&m, "class/mdev_bus/%s", parents[p])), " ", -1);

		for (char **n = names; *n && **n; n++)
			if (strlen(*n) == 36) {
				ck_assert_msg(g_hash_table_contains(seen, *n),
					      "%s/%s not on the bus", parents[p], *n);
				in_parents++;
			}
	}
	ck_assert_uint_eq(in_parents, ndev);
	ck_assert_uint_eq(count(at(&m, "kernel/iommu_groups")), ndev);
	ck_assert_uint_eq(count(at(&m, "class/vfio-dev")), ndev);
	return ndev;
}

static void check_available(const long used[NPARENTS])
{
	for (int k = 0; k < NKINDS; k++) {
		long free = kinds[k].total - used[parent_index(kinds[k].parent)];
		/* the core counts instances (mdpy); the vendor counts units */
		long want = !strcmp(kinds[k].parent, "mdpy") ? free : free / kinds[k].cost;

		ck_assert_int_eq(get_long(at(&m, "class/mdev_bus/%s/mdev_supported_types/%s/available_instances",
					     kinds[k].parent, kinds[k].type)), want);
	}
}

/* With every device gone, the vendor has nothing and gave everything
 * back: `mdevfs ctl list`. */
static void check_vendor_balanced(void)
{
	char *out;
	g_auto(GStrv) lines = NULL;

	ck_assert_int_eq(mdevfs_ctl(&m, &out, (const char *const[]){ "list", NULL }), 0);
	lines = g_strsplit(out, "\n", -1);
	for (char **l = lines; *l && **l; l++) {
		long probes, failures, removes, devices, free, total;
		const char *p = strstr(*l, "devices=");

		ck_assert_msg(p && sscanf(p, "devices=%ld probes=%ld probe_failures=%ld removes=%ld",
					  &devices, &probes, &failures, &removes) == 4, "%s", *l);
		ck_assert_msg(devices == 0 && probes - failures == removes, "%s", *l);
		p = strstr(*l, "pool=");
		if (p) {
			ck_assert(sscanf(p, "pool=%ld/%ld", &free, &total) == 2);
			ck_assert_msg(free == total, "%s", *l);
		}
		fprintf(stderr, "storm: %s\n", *l);
	}
}

/* --- racers beside the workers, each holding one rule ------------------ */

static char *hotplug_config;
static pthread_mutex_t violations_lock = PTHREAD_MUTEX_INITIALIZER;
static GString *violations; /* violations_lock */

static void violation(const char *f, ...) __attribute__((format(printf, 1, 2)));

static void violation(const char *f, ...)
{
	va_list ap;

	pthread_mutex_lock(&violations_lock);
	va_start(ap, f);
	g_string_append_vprintf(violations, f, ap);
	va_end(ap);
	g_string_append_c(violations, '\n');
	pthread_mutex_unlock(&violations_lock);
}

struct racers {
	pthread_t duels, cycler;
	atomic_bool stop;
	long pairs, races, eagains, removed_early, cycles;
};

struct side {
	pthread_t thread;
	const char *parent, *type, *uuid;
	ssize_t result;
	atomic_bool done;
};

static void *create_side(void *arg)
{
	struct side *s = arg;

	s->result = put(at(&m, "class/mdev_bus/%s/mdev_supported_types/%s/create",
			   s->parent, s->type), s->uuid);
	atomic_store(&s->done, true);
	return NULL;
}

/* Two writers create one new UUID on two parents at once (one of them a
 * slow vendor): exactly one wins, the other gets EEXIST. */
static void pair_round(struct racers *r)
{
	char *u = uuid_new();
	struct side a = { .parent = "pair", .type = "pair-a", .uuid = u };
	struct side b = { .parent = "slow", .type = "slow-a", .uuid = u };
	struct side *won;

	pthread_create(&a.thread, NULL, create_side, &a);
	pthread_create(&b.thread, NULL, create_side, &b);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	won = a.result == 36 ? &a : &b;
	if ((a.result == 36) == (b.result == 36) ||
	    (won == &a ? b.result : a.result) != -EEXIST)
		violation("one UUID, two parents: %zd and %zd", a.result, b.result);
	else if (put(at(&m, "bus/mdev/devices/%s/remove", u), "1") != 1)
		violation("cannot remove the winner %s", u);
	r->pairs++;
}

static bool complete(const char *u)
{
	char *dev = at(&m, "bus/mdev/devices/%s", u);

	return exists(fmt("%s/remove", dev)) && exists(fmt("%s/driver", dev)) &&
	       exists(fmt("%s/iommu_group", dev)) &&
	       exists(fmt("%s/mdev_type/devices/%s", dev, u)) &&
	       count(fmt("%s/vfio-dev", dev)) == 1;
}

/* A remove racing its own create on a slow vendor: ENOENT before the
 * device shows, EAGAIN while it is being made, success after; never a
 * half device once the create returned. */
static void remove_round(struct racers *r)
{
	char *u = uuid_new();
	char *remove = at(&m, "bus/mdev/devices/%s/remove", u);
	struct side a = { .parent = "slow", .type = "slow-a", .uuid = u };
	bool removed = false;

	pthread_create(&a.thread, NULL, create_side, &a);
	while (!removed && !atomic_load(&a.done)) {
		ssize_t ret = put(remove, "1");

		removed = ret == 1;
		r->eagains += ret == -EAGAIN;
		if (ret != 1 && ret != -ENOENT && ret != -EAGAIN)
			violation("remove racing create: %zd", ret);
	}
	pthread_join(a.thread, NULL);
	if (a.result != 36)
		violation("create raced by remove: %zd", a.result);
	else if (removed && (exists(at(&m, "bus/mdev/devices/%s", u)) ||
			     exists(at(&m, "class/mdev_bus/slow/%s", u))))
		violation("%s removed, yet still there", u);
	else if (!removed && !complete(u))
		violation("%s: a half device after its create", u);
	else if (!removed && put(remove, "1") != 1)
		violation("%s: cannot remove it after", u);
	r->races++;
	r->removed_early += removed;
}

static void *duels_main(void *arg)
{
	struct racers *r = arg;

	while (!atomic_load(&r->stop)) {
		pair_round(r);
		remove_round(r);
	}
	return NULL;
}

/* A driver unloaded and loaded again, over and over; it ends loaded. */
static void *cycler_main(void *arg)
{
	struct racers *r = arg;
	char *out;

	while (!atomic_load(&r->stop)) {
		usleep(150000);
		if (mdevfs_ctl(&m, &out, (const char *const[]){ "unregister", "hot", NULL }))
			violation("ctl unregister: %s", out);
		usleep(50000);
		if (mdevfs_ctl(&m, &out, (const char *const[]){ "register", hotplug_config, NULL }))
			violation("ctl register: %s", out);
		r->cycles++;
	}
	return NULL;
}

static void racers_start(struct racers *r)
{
	memset(r, 0, sizeof(*r));
	violations = g_string_new(NULL);
	ck_assert_int_eq(pthread_create(&r->duels, NULL, duels_main, r), 0);
	ck_assert_int_eq(pthread_create(&r->cycler, NULL, cycler_main, r), 0);
}

static void racers_stop(struct racers *r)
{
	atomic_store(&r->stop, true);
	pthread_join(r->duels, NULL);
	pthread_join(r->cycler, NULL);
	fprintf(stderr, "storm: %ld pair races, %ld remove-vs-create races (%ld EAGAIN, "
		"%ld removed before the create returned), %ld unplug/replug cycles\n",
		r->pairs, r->races, r->eagains, r->removed_early, r->cycles);
	if (violations->len)
		fprintf(stderr, "storm: violations:\n%s", violations->str);
	ck_assert_msg(violations->len == 0, "%.200s", violations->str);
	ck_assert_int_gt(r->pairs, 0);
	ck_assert_int_gt(r->cycles, 0);
	g_string_free(violations, TRUE);
}

START_TEST(storm)
{
	char (*uuids)[37] = mmap(NULL, sizeof(char[POOL][37]), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct tally *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *logs[2] = { fmt("%s.sh0", m.log), fmt("%s.sh1", m.log) };
	struct racers racers;
	pid_t pids[PROCS + 2];
	long used[NPARENTS];

	mdevfs_start(&m, config, NULL);
	hotplug_config = fmt("%s.hot", m.conf);
	ck_assert(g_file_set_contents(hotplug_config, hot_config, -1, NULL));
	ck_assert_int_eq(mdevfs_ctl(&m, NULL, (const char *const[]){ "register", hotplug_config, NULL }), 0);
	for (int i = 0; i < POOL; i++)
		g_strlcpy(uuids[i], uuid_new(), sizeof(uuids[i]));
	for (int i = 0; i < PROCS; i++)
		pids[i] = start_process(i, (const char (*)[37])uuids, t);
	pids[PROCS] = start_shell((const char (*)[37])uuids, logs[0]);
	pids[PROCS + 1] = start_shell((const char (*)[37])uuids, logs[1]);
	racers_start(&racers);
	/* a reader walks the tree meanwhile */
	for (time_t end = time(NULL) + SECONDS; time(NULL) < end;) {
		ck_assert_msg(ls(at(&m, "bus/mdev/devices")), "readdir: %s",
			      strerror(errno));
		(void)get(at(&m, "class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances"));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(pids); i++) {
		int status;

		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "%s %zu: status %d", i < PROCS ? "process" : "shell",
			      i, status);
	}
	racers_stop(&racers);
	fprintf(stderr, "storm: %ld creates (%ld EEXIST, %ld EUSERS, %ld ENOSPC, %ld EIO, "
		"%ld ENOENT, %ld ENODEV), %ld removes (%ld ENOENT, %ld ENODEV, %ld EAGAIN)\n",
		t->creates, t->create_fail[EEXIST], t->create_fail[EUSERS],
		t->create_fail[ENOSPC], t->create_fail[EIO], t->create_fail[ENOENT],
		t->create_fail[ENODEV], t->removes, t->remove_fail[ENOENT],
		t->remove_fail[ENODEV], t->remove_fail[EAGAIN]);
	ck_assert_msg(t->bad == 0, "%ld writes with errno %d (kind %d)", t->bad,
		      t->bad_errno, t->bad_kind);
	ck_assert_int_gt(t->creates, 0);
	ck_assert_int_gt(t->removes, 0);
	check_shell_log(logs[0]);
	check_shell_log(logs[1]);

	check_devices(used);
	check_available(used);
	for (int i = 0; i < POOL; i++) {
		ssize_t r = put(at(&m, "bus/mdev/devices/%s/remove", uuids[i]), "1");

		ck_assert(r == 1 || r == -ENOENT);
	}
	ck_assert_uint_eq(check_devices(used), 0);
	check_available(used);
	check_vendor_balanced();
	unlink(hotplug_config);
	mdevfs_stop(&m);
	munmap(uuids, sizeof(char[POOL][37]));
	munmap(t, sizeof(*t));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs-stress");
	TCase *tc = tcase_create("stress");

	harness_require_private_namespaces();
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, storm);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
