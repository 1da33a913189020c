// SPDX-License-Identifier: MIT
/* Lowest-free id allocation in O(log n): numbers below `next` that were
 * freed sit in a sorted sequence; the lowest free number is its first
 * element, or `next` when it is empty. */
#include <errno.h>
#include <limits.h>

#include "ida.h"

static gint cmp_int(gconstpointer a, gconstpointer b, gpointer unused)
{
	(void)unused;
	return GPOINTER_TO_INT(a) - GPOINTER_TO_INT(b);
}

void ida_init(struct ida *ida)
{
	lock_mutex_init(&ida->lock, LOCK_IDA);
	ida->freed = g_sequence_new(NULL);
	ida->next = 0;
}

void ida_destroy(struct ida *ida)
{
	g_sequence_free(ida->freed);
	lock_mutex_destroy(&ida->lock);
}

int ida_alloc(struct ida *ida)
{
	GSequenceIter *first;
	int id;

	lock_mutex(&ida->lock);
	first = g_sequence_get_begin_iter(ida->freed);
	if (!g_sequence_iter_is_end(first)) {
		id = GPOINTER_TO_INT(g_sequence_get(first));
		g_sequence_remove(first);
	} else if (ida->next == INT_MAX) {
		id = -ENOSPC;
	} else {
		id = ida->next++;
	}
	unlock_mutex(&ida->lock);
	return id;
}

int ida_alloc_exact(struct ida *ida, int id)
{
	int ret = id;

	if (id < 0 || id == INT_MAX)
		return -EINVAL;
	lock_mutex(&ida->lock);
	if (id >= ida->next) {
		/* The numbers skipped become holes, lowest first. */
		for (int n = ida->next; n < id; n++)
			g_sequence_append(ida->freed, GINT_TO_POINTER(n));
		ida->next = id + 1;
	} else {
		GSequenceIter *it = g_sequence_lookup(ida->freed,
				GINT_TO_POINTER(id), cmp_int, NULL);

		if (it)
			g_sequence_remove(it);
		else
			ret = -EBUSY;
	}
	unlock_mutex(&ida->lock);
	return ret;
}

void ida_free(struct ida *ida, int id)
{
	lock_mutex(&ida->lock);
	if (id == ida->next - 1) {
		/* Shrink `next` past the trailing run of freed numbers so the
		 * sequence only ever holds holes. */
		ida->next--;
		for (;;) {
			GSequenceIter *last =
				g_sequence_iter_prev(g_sequence_get_end_iter(ida->freed));

			if (g_sequence_iter_is_end(last) ||
			    GPOINTER_TO_INT(g_sequence_get(last)) != ida->next - 1)
				break;
			g_sequence_remove(last);
			ida->next--;
		}
	} else {
		g_sequence_insert_sorted(ida->freed, GINT_TO_POINTER(id),
					 cmp_int, NULL);
	}
	unlock_mutex(&ida->lock);
}
