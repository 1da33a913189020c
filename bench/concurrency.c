// SPDX-License-Identifier: MIT
/*
 * Many writers: each runs create+remove cycles on parent (its index mod
 * the parents) for a while; meanwhile a reader cats bench0's
 * available_instances and times each.  mdevfs with a vendor that takes 0
 * and 20 ms in probe and remove, the baseline (no vendor), in interleaved
 * rounds.  Then waves: 16 creates started at once on a 20 ms vendor.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static const unsigned int writer_counts[] = { 1, 2, 4, 8, 16, 32 };
static const unsigned int parent_counts[] = { 1, 8 };
#define NW (sizeof(writer_counts) / sizeof(writer_counts[0]))
#define NP (sizeof(parent_counts) / sizeof(parent_counts[0]))
enum { C_BASE, C_FAST, C_SLOW, NCASES }; /* baseline, mdevfs 0 ms, 20 ms */

struct run {
	const struct daemon *d;
	unsigned int parents;
	atomic_bool stop;
	atomic_long creates;
	struct samples reads; /* the reader's */
};

struct writer {
	struct run *run;
	unsigned int parent;
	pthread_t thread;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char uuid[37];

	while (!atomic_load(&w->run->stop)) {
		int err;

		uuid_next(uuid);
		err = create_dev(w->run->d, w->parent, uuid);
		if (err)
			die("%s: create: %s", w->run->d->label, strerror(-err));
		atomic_fetch_add(&w->run->creates, 1);
		err = remove_dev(w->run->d, uuid);
		if (err)
			die("%s: remove: %s", w->run->d->label, strerror(-err));
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct run *run = arg;
	char path[256];

	avail_path(path, sizeof(path), run->d, 0);
	while (!atomic_load(&run->stop)) {
		double t0 = now_ms();

		if (cat_file(path))
			die("%s: cat failed", run->d->label);
		samples_add(&run->reads, now_ms() - t0);
		usleep(1000); /* a reader, not a load generator */
	}
	return NULL;
}

/* Creates per second of @nw writers over @parents for about @ms. */
static double run_writers(struct run *run, unsigned int nw, double ms)
{
	struct writer *w = calloc(nw, sizeof(*w));
	pthread_t reader;
	double t0 = now_ms(), elapsed;

	atomic_store(&run->stop, false);
	atomic_store(&run->creates, 0);
	pthread_create(&reader, NULL, reader_main, run);
	for (unsigned int i = 0; i < nw; i++) {
		w[i] = (struct writer){ .run = run, .parent = i % run->parents };
		pthread_create(&w[i].thread, NULL, writer_main, &w[i]);
	}
	usleep((useconds_t)(ms * 1000));
	atomic_store(&run->stop, true);
	for (unsigned int i = 0; i < nw; i++)
		pthread_join(w[i].thread, NULL);
	elapsed = now_ms() - t0;
	pthread_join(reader, NULL);
	free(w);
	return (double)atomic_load(&run->creates) / (elapsed / 1000.0);
}

struct cell {
	struct samples rate;    /* creates/s, one per round */
	struct run run;         /* .reads pooled over the rounds */
};

static void conc_table(FILE *md, const char *outdir,
		       struct cell cells[NP][NW][NCASES])
{
	FILE *dat = open_out(outdir, "concurrency.dat");

	fprintf(md, "| writers | parents | baseline creates/s | mdevfs creates/s | ratio | mdevfs, 20 ms vendor: creates/s | of the ideal | reader wait p50 / p99 (µs): baseline | mdevfs | mdevfs, 20 ms vendor |\n");
	fprintf(md, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	fprintf(dat, "# writers parents base fast slow base_rp50 fast_rp50 slow_rp50 base_rp99 fast_rp99 slow_rp99 (creates/s, us)\n");
	for (size_t p = 0; p < NP; p++) {
		for (size_t w = 0; w < NW; w++) {
			struct cell *c = cells[p][w];
			double rate[NCASES], p50[NCASES], p99[NCASES];
			/* 20 ms probe + 20 ms remove per cycle, all in parallel */
			double ideal = writer_counts[w] * 1000.0 / 40.0;

			for (int k = 0; k < NCASES; k++) {
				rate[k] = samples_pct(&c[k].rate, 50);
				p50[k] = samples_pct(&c[k].run.reads, 50) * 1000;
				p99[k] = samples_pct(&c[k].run.reads, 99) * 1000;
			}
			fprintf(md, "| %u | %u | %.0f | %.0f | %.2f | %.0f | %.0f%% | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |\n",
				writer_counts[w], parent_counts[p], rate[C_BASE],
				rate[C_FAST], rate[C_FAST] / rate[C_BASE],
				rate[C_SLOW], 100 * rate[C_SLOW] / ideal,
				p50[C_BASE], p99[C_BASE], p50[C_FAST], p99[C_FAST],
				p50[C_SLOW], p99[C_SLOW]);
			fprintf(dat, "%u %u %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n",
				writer_counts[w], parent_counts[p], rate[C_BASE],
				rate[C_FAST], rate[C_SLOW], p50[C_BASE], p50[C_FAST],
				p50[C_SLOW], p99[C_BASE], p99[C_FAST], p99[C_SLOW]);
			for (int k = 0; k < NCASES; k++) {
				samples_free(&c[k].rate);
				samples_free(&c[k].run.reads);
			}
		}
		fprintf(dat, "\n\n"); /* a gnuplot index per parent count */
	}
	fclose(dat);
	fprintf(md, "\n");
}

struct waver {
	const struct daemon *d;
	unsigned int parent;
	char uuid[37];
	bool create;
	pthread_barrier_t *go;
	double done;
	pthread_t thread;
};

static void *waver_main(void *arg)
{
	struct waver *w = arg;
	int err;

	pthread_barrier_wait(w->go);
	err = w->create ? create_dev(w->d, w->parent, w->uuid) : remove_dev(w->d, w->uuid);
	if (err)
		die("wave: %s", strerror(-err));
	w->done = now_ms();
	return NULL;
}

/* 16 creates (or removes) at once: ms until the last one returns. */
static double wave(struct waver w[16], bool create)
{
	pthread_barrier_t go;
	double t0, last = 0;

	pthread_barrier_init(&go, NULL, 17);
	for (int i = 0; i < 16; i++) {
		w[i].create = create;
		w[i].go = &go;
		if (create)
			uuid_next(w[i].uuid);
		pthread_create(&w[i].thread, NULL, waver_main, &w[i]);
	}
	t0 = now_ms();
	pthread_barrier_wait(&go);
	for (int i = 0; i < 16; i++) {
		pthread_join(w[i].thread, NULL);
		last = w[i].done > last ? w[i].done : last;
	}
	pthread_barrier_destroy(&go);
	return last - t0;
}

static void waves(FILE *md, const struct daemon *slow)
{
	int n = (int)(20 * bench_scale) + 5;

	fprintf(md, "| 16 writers at once, vendor probe and remove 20 ms each | waves | creates: median wave (ms) | p90 | removes: median wave (ms) | p90 |\n");
	fprintf(md, "| --- | ---: | ---: | ---: | ---: | ---: |\n");
	for (size_t p = 0; p < NP; p++) {
		struct samples cr = { 0 }, rm = { 0 };
		struct waver w[16];

		for (int i = 0; i < 16; i++)
			w[i] = (struct waver){ .d = slow, .parent = i % parent_counts[p] };
		for (int i = 0; i < n; i++) {
			samples_add(&cr, wave(w, true));
			samples_add(&rm, wave(w, false));
		}
		results.wave_ms[p] = samples_pct(&cr, 50);
		fprintf(md, "| on %u parent%s | %d | %.1f | %.1f | %.1f | %.1f |\n",
			parent_counts[p], parent_counts[p] > 1 ? "s" : "", n,
			samples_pct(&cr, 50), samples_pct(&cr, 90),
			samples_pct(&rm, 50), samples_pct(&rm, 90));
		samples_free(&cr);
		samples_free(&rm);
	}
	fprintf(md, "\n");
}

void bench_concurrency(FILE *md, const char *outdir, struct daemon *m,
		       struct daemon *b)
{
	static struct cell cells[NP][NW][NCASES];
	int rounds = bench_scale < 1 ? 2 : 3;
	double ms = 500 * bench_scale + 100;
	struct daemon slow;
	const struct daemon *fs[NCASES] = { b, m, &slow };

	mdevfs_up(&slow, 20);
	memset(cells, 0, sizeof(cells));
	for (int r = 0; r < rounds; r++)
		for (size_t p = 0; p < NP; p++)
			for (size_t w = 0; w < NW; w++)
				for (int i = 0; i < NCASES; i++) {
					/* the order rotates with the round */
					int k = (i + r) % NCASES;
					struct cell *c = &cells[p][w][k];

					c->run.d = fs[k];
					c->run.parents = parent_counts[p];
					samples_add(&c->rate, run_writers(&c->run,
						writer_counts[w], k == C_SLOW ? 2 * ms : ms));
				}
	conc_table(md, outdir, cells);
	fprintf(md, "%d interleaved rounds of %.0f ms per cell (%.0f ms with the "
		"20 ms vendor), the median round's rate. The ideal with a 20 ms "
		"vendor is every writer's cycle taking 40 ms (20 ms probe + 20 ms "
		"remove): writers × 25 creates/s. The reader cats bench0's "
		"`available_instances` every millisecond meanwhile.\n\n",
		rounds, ms, 2 * ms);
	waves(md, &slow);
	daemon_down(&slow);
}
