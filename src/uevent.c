// SPDX-License-Identifier: MIT
/* Uevent objects (lib/kobject_uevent.c's first half). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "parse.h"
#include "uevent.h"

struct uevent *uevent_new(enum kobject_action action, const char *devpath,
			  const char *subsystem)
{
	struct uevent *ev = g_new0(struct uevent, 1);

	ev->action = action;
	ev->devpath = g_strdup(devpath);
	ev->subsystem = g_strdup(subsystem);
	ev->env = g_ptr_array_new_with_free_func(g_free);
	return ev;
}

void uevent_add_var(struct uevent *ev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(ev->env, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

void uevent_free(struct uevent *ev)
{
	if (!ev)
		return;
	g_ptr_array_free(ev->env, TRUE);
	g_free(ev->subsystem);
	g_free(ev->devpath);
	g_free(ev);
}

const char *uevent_action_name(enum kobject_action action)
{
	return uevent_action_names[action];
}

static void synth_arg(void *ctx, const char *key, size_t klen, const char *val,
		      size_t vlen)
{
	GPtrArray *env = ctx;

	if (key)
		g_ptr_array_add(env, g_strdup_printf("SYNTH_ARG_%.*s=%.*s",
			(int)klen, key, (int)vlen, val));
	else
		g_ptr_array_add(env, g_strdup_printf("SYNTH_UUID=%.*s",
			(int)vlen, val));
}

struct uevent *uevent_synth(struct kobj *obj, uevent_build_t build,
			    const char *buf, size_t count)
{
	g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);
	int action;

	if (parse_synth_uevent(buf, count, &action, synth_arg, env))
		return NULL;
	if (!env->len)
		g_ptr_array_add(env, g_strdup("SYNTH_UUID=0"));
	g_ptr_array_add(env, NULL);
	return build(obj, (enum kobject_action)action,
		     (const char *const *)env->pdata);
}
