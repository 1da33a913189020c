// SPDX-License-Identifier: MIT
/*
 * FUSE requests per operation, mdevfs against the baseline: each runs
 * with libfuse's debug log (mdevfs -d, bench_baseline_fs -d), which has a
 * line "unique: N, opcode: NAME (N), ..." for every request the kernel
 * sends; the lines that appear while N operations run, divided by N.
 * Counts, not times: the log slows both daemons, which changes no count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "bench.h"

enum req_op { Q_CYCLE, Q_CREATE, Q_REMOVE, Q_STAT, Q_READDIR, Q_CAT, Q_OPS };
static const char *const req_names[] = {
	[Q_CYCLE] = "create+remove cycle",
	[Q_CREATE] = "create (open+write+close `create`)",
	[Q_REMOVE] = "remove (open+write+close `bus/mdev/devices/UUID/remove`)",
	[Q_STAT] = "`stat bus/mdev/devices/UUID/` (through the link)",
	[Q_READDIR] = "`readdir bus/mdev/devices` (1 device)",
	[Q_CAT] = "`cat .../available_instances`",
};

/* Requests nobody waits for, which the kernel sends when it drops an
 * inode, so whenever its caches shrink: counted apart. */
static bool is_forget(const char *op)
{
	return !strcmp(op, "FORGET") || !strcmp(op, "BATCH_FORGET");
}

struct log_reader {
	char path[256];
	off_t pos; /* after the last whole line read */
};

/* Adds the requests logged since the last call to @counts (opcode ->
 * count, GINT_TO_POINTER); @counts NULL: skips them. */
static void read_requests(struct log_reader *lr, GHashTable *counts)
{
	g_autofree char *text = NULL;
	gsize len;
	char *line, *end;

	if (!g_file_get_contents(lr->path, &text, &len, NULL))
		die("reading %s", lr->path);
	if ((gsize)lr->pos > len)
		die("%s shrank", lr->path);
	line = text + lr->pos;
	while ((end = memchr(line, '\n', (size_t)(text + len - line)))) {
		char *op = g_strstr_len(line, end - line, "opcode: ");

		*end = '\0';
		if (op && counts) {
			char *name = op + strlen("opcode: ");
			char *sp = strchr(name, ' ');

			if (sp)
				*sp = '\0';
			g_hash_table_insert(counts, g_strdup(name), GINT_TO_POINTER(
				GPOINTER_TO_INT(g_hash_table_lookup(counts, name)) + 1));
		}
		line = end + 1;
	}
	lr->pos = line - text;
}

static void op_once(const struct daemon *d, enum req_op op, char uuids[][37],
		    int i, const char *kept)
{
	char path[256];
	struct stat st;

	switch (op) {
	case Q_CYCLE:
		uuid_next(uuids[i]);
		if (create_dev(d, 0, uuids[i]) || remove_dev(d, uuids[i]))
			die("%s: cycle failed", d->label);
		break;
	case Q_CREATE:
		uuid_next(uuids[i]);
		if (create_dev(d, 0, uuids[i]))
			die("%s: create failed", d->label);
		break;
	case Q_REMOVE:
		if (remove_dev(d, uuids[i]))
			die("%s: remove failed", d->label);
		break;
	case Q_STAT:
		snprintf(path, sizeof(path), "%s/bus/mdev/devices/%s/", d->dir, kept);
		if (stat(path, &st))
			die("stat %s: %s", path, strerror(errno));
		break;
	case Q_READDIR:
		if (list_devices(d) != 1)
			die("%s: not 1 device listed", d->label);
		break;
	default:
		avail_path(path, sizeof(path), d, 0);
		if (cat_file(path))
			die("cat %s", path);
		break;
	}
}

struct tally {
	double total, forgets;
	GString *by_op;
};

/* Let asynchronous requests (RELEASE) arrive and be logged. */
static void settle(void)
{
	usleep(300 * 1000);
}

static void count_op(const struct daemon *d, struct log_reader *lr,
		     enum req_op op, int n, char uuids[][37], const char *kept,
		     struct tally *t)
{
	g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal,
							     g_free, NULL);
	g_autoptr(GList) names = NULL;

	if (op != Q_REMOVE) { /* warm up (the removes use the creates' UUIDs) */
		char warm[20][37];

		for (int i = 0; i < 20; i++)
			op_once(d, op, warm, i, kept);
		if (op == Q_CREATE)
			for (int i = 0; i < 20; i++)
				remove_dev(d, warm[i]);
	}
	settle();
	read_requests(lr, NULL);
	for (int i = 0; i < n; i++)
		op_once(d, op, uuids, i, kept);
	settle();
	read_requests(lr, counts);
	t->by_op = g_string_new(NULL);
	t->total = t->forgets = 0;
	names = g_list_sort(g_hash_table_get_keys(counts), (GCompareFunc)strcmp);
	for (GList *l = names; l; l = l->next) {
		double per = GPOINTER_TO_INT(g_hash_table_lookup(counts, l->data)) / (double)n;

		if (is_forget(l->data))
			t->forgets += per;
		else
			t->total += per;
		g_string_append_printf(t->by_op, "%s%s %.3g", t->by_op->len ? ", " : "",
				       (const char *)l->data, per);
	}
}

void bench_requests(FILE *md, const char *outdir)
{
	int n = bench_scale < 1 ? 50 : 200;
	struct tally t[Q_OPS][2];
	struct log_reader lr[2];
	struct daemon d[2];
	char (*uuids)[37] = g_malloc0((size_t)n * sizeof(*uuids));
	char kept[37];

	memset(lr, 0, sizeof(lr));
	for (int f = 0; f < 2; f++) {
		snprintf(lr[f].path, sizeof(lr[f].path), "%s/requests-%s.log", outdir,
			 f ? "baseline" : "mdevfs");
		lr[f].pos = 0;
		unlink(lr[f].path);
		next_spawn_log(lr[f].path);
		if (f)
			baseline_up_with(&d[f], "-d");
		else
			mdevfs_up_with(&d[f], 0, "-d", NULL);
		uuid_next(kept);
		for (enum req_op op = 0; op < Q_OPS; op++) {
			if (op == Q_STAT && create_dev(&d[f], 0, kept))
				die("%s: create failed", d[f].label);
			count_op(&d[f], &lr[f], op, n, uuids, kept, &t[op][f]);
		}
		daemon_down(&d[f]);
	}
	results.req_cycle[0] = t[Q_CYCLE][0].total;
	results.req_cycle[1] = t[Q_CYCLE][1].total;
	fprintf(md, "FUSE requests the kernel sent per operation, counted in "
		"libfuse's debug log of each daemon (`mdevfs -d`, "
		"`bench_baseline_fs -d`) over %d operations after 20 to warm up "
		"(mdevfs in its default configuration: the state directory and "
		"uevents cost syscalls of the daemon, not requests). FORGETs are "
		"counted apart: nobody waits for them, and the kernel sends them "
		"when it drops inodes, which for the baseline's 1 s entries is "
		"mostly later than the count.\n\n", n);
	fprintf(md, "| operation | mdevfs requests | baseline requests | ratio | goal ≤ 1.3× | mdevfs by opcode | baseline by opcode |\n");
	fprintf(md, "| --- | ---: | ---: | ---: | --- | --- | --- |\n");
	for (enum req_op op = 0; op < Q_OPS; op++) {
		double r = t[op][1].total > 0 ? t[op][0].total / t[op][1].total : 0;

		fprintf(md, "| %s | %.1f | %.1f | %.2f | %s | %s | %s |\n", req_names[op],
			t[op][0].total, t[op][1].total, r,
			op == Q_CYCLE ? (r <= 1.3 ? "**met**" : "**missed**") : "",
			t[op][0].by_op->str, t[op][1].by_op->str);
		for (int f = 0; f < 2; f++)
			g_string_free(t[op][f].by_op, TRUE);
	}
	fprintf(md, "\n");
	g_free(uuids);
}
