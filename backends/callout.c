// SPDX-License-Identifier: MIT
/*
 * The callout backend: the vendor is an executable, called with mdevctl's
 * callout conventions so that an existing mdevctl callout script can be
 * dropped in (see docs/configuration.md, "The callout backend"):
 *
 *   SCRIPT -t TYPE -e EVENT -a ACTION -s STATE [-u UUID] -p PARENT
 *
 * with the device's JSON ({"mdev_type":..,"start":"manual","attrs":[..]})
 * on stdin.  Exit 0 is success, 1 an error (its errno from a last stderr
 * line "errno=ENOSPC", else EIO), 2 "not my type" (ENODEV).
 *
 *   probe:          -e pre -a start -s none, then -e post -a start -s
 *                   success or failure (exit code ignored)
 *   remove:         -e pre -a stop -s none, then -e post -a stop -s
 *                   success or failure (a remove cannot fail: logged)
 *   get_available:  -e get -a available (no -u): prints an integer
 *   attr_show:      -e get -a attributes: prints [{"name":"value"},..]
 *   attr_store:     -e live -a modify, attrs [{"name":"value"}]
 *
 * Starts, stops and modifies of one parent run one at a time (a script
 * that picks a free resource need not lock); gets run in parallel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "builtin.h"
#include "callout.h"
#include "text.h"

/* One call: what the script is asked, about which device. */
struct call {
	struct mdevfs_type *type;
	const char *uuid;      /* NULL: about the type (available) */
	const char *event, *action, *state;
	const char *input;     /* stdin; NULL: empty */
};

/* "errno=ENOSPC" or "errno=28" as the last line of @err, else 0. */
static int errno_line(const GString *err)
{
	g_auto(GStrv) lines = g_strsplit(err->str, "\n", -1);
	const char *text = NULL;

	for (char **l = lines; *l; l++)
		if (*g_strstrip(*l))
			text = *l;
	if (!text || !g_str_has_prefix(text, "errno="))
		return 0;
	return parse_errno(text + strlen("errno="));
}

static char **call_env(struct callout_parent *cp, const struct call *c)
{
	GPtrArray *env = g_ptr_array_new();

	for (char **e = cp->env; *e; e++)
		g_ptr_array_add(env, g_strdup(*e));
	g_ptr_array_add(env, g_strdup_printf("MDEV_TYPE=%s",
					     mdevfs_type_id(c->type)));
	g_ptr_array_add(env, g_strdup_printf("MDEV_PARENT=%s", cp->parent_name));
	if (c->uuid)
		g_ptr_array_add(env, g_strdup_printf("MDEV_UUID=%s", c->uuid));
	g_ptr_array_add(env, NULL);
	return (char **)g_ptr_array_free(env, FALSE);
}

/* The script's stderr, line by line, into the log; then why it failed. */
static void log_call(struct callout_parent *cp, const struct call *c,
		     const struct callout_result *res, int ret)
{
	const char *who = c->uuid ? c->uuid : mdevfs_type_id(c->type);
	int level = ret ? MDEVFS_LOG_WARNING : MDEVFS_LOG_INFO;
	g_auto(GStrv) lines = g_strsplit(res->err->str, "\n", -1);

	for (char **l = lines; !res->spawn_errno && *l; l++)
		if (**l)
			mdevfs_log(level, "%s %s: %s", cp->label, who, *l);
	if (res->truncated)
		mdevfs_log(MDEVFS_LOG_WARNING, "%s %s: output beyond %zu bytes dropped",
			   cp->label, who, CALLOUT_OUTPUT_MAX);
	if (res->spawn_errno)
		mdevfs_log(MDEVFS_LOG_ERR, "%s %s: -e %s -a %s: cannot run: %s",
			   cp->label, who, c->event, c->action, res->err->str);
	else if (res->timed_out)
		mdevfs_log(MDEVFS_LOG_ERR, "%s %s: -e %s -a %s: timed out after "
			   "%lu ms, killed (ETIMEDOUT)", cp->label, who, c->event,
			   c->action, cp->timeout_ms);
	else if (ret)
		mdevfs_log(level, "%s %s: -e %s -a %s: exit %d (%s)", cp->label,
			   who, c->event, c->action, res->exit_code,
			   strerrorname_np(-ret));
}

/*
 * Runs the script for @c.  Returns 0 (exit 0), -ENODEV (exit 2: not its
 * type), -ETIMEDOUT, or the errno its stderr names (else -EIO).  With @out,
 * hands over its stdout.
 */
static int call_script(struct callout_parent *cp, const struct call *c,
		       GString **out)
{
	const char *argv[16];
	g_auto(GStrv) env = call_env(cp, c);
	struct callout_result res;
	int n = 0, ret, e;

	argv[n++] = cp->path;
	argv[n++] = "-t";
	argv[n++] = mdevfs_type_id(c->type);
	argv[n++] = "-e";
	argv[n++] = c->event;
	argv[n++] = "-a";
	argv[n++] = c->action;
	argv[n++] = "-s";
	argv[n++] = c->state;
	if (c->uuid) {
		argv[n++] = "-u";
		argv[n++] = c->uuid;
	}
	argv[n++] = "-p";
	argv[n++] = cp->parent_name;
	argv[n] = NULL;
	callout_run(argv, (const char *const *)env, c->input, cp->timeout_ms, &res);
	if (res.spawn_errno)
		ret = -EIO;
	else if (res.timed_out)
		ret = -ETIMEDOUT;
	else if (res.exit_code == 0)
		ret = 0;
	else if (res.exit_code == 2)
		ret = -ENODEV;
	else
		ret = (e = errno_line(res.err)) ? -e : -EIO;
	atomic_fetch_add(&cp->calls, 1);
	if (ret)
		atomic_fetch_add(&cp->failures, 1);
	if (res.timed_out)
		atomic_fetch_add(&cp->timeouts, 1);
	log_call(cp, c, &res, ret);
	if (out) {
		*out = res.out;
		res.out = NULL;
	}
	callout_result_clear(&res);
	return ret;
}

/* The device as mdevctl hands it to a callout, with one attribute or none. */
static char *device_json(struct mdevfs_type *type, const char *attr,
			 const char *value)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "mdev_type");
	json_builder_add_string_value(b, mdevfs_type_id(type));
	json_builder_set_member_name(b, "start");
	json_builder_add_string_value(b, "manual");
	json_builder_set_member_name(b, "attrs");
	json_builder_begin_array(b);
	if (attr) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, attr);
		json_builder_add_string_value(b, value);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

/* @name's value in a `get attributes` answer, [{"name":"value"},..]:
 * 0, -ENODATA if it is not there, -EIO if the answer is not such a list. */
static int find_attr(char *text, const char *name, char **value)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonArray *list;

	if (!*g_strchug(text))
		return -ENODATA; /* a script with no get answers nothing */
	if (!json_parser_load_from_data(parser, text, -1, NULL) ||
	    !JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser)))
		return -EIO;
	list = json_node_get_array(json_parser_get_root(parser));
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *item = json_array_get_element(list, i);
		JsonNode *v;

		if (!JSON_NODE_HOLDS_OBJECT(item))
			return -EIO;
		v = json_object_get_member(json_node_get_object(item), name);
		if (!v)
			continue;
		if (json_node_get_value_type(v) == G_TYPE_STRING)
			*value = g_strdup(json_node_get_string(v));
		else
			*value = json_to_string(v, FALSE);
		return 0;
	}
	return -ENODATA;
}

static int callout_probe(struct mdevfs_device *dev)
{
	struct mdevfs_type *type = mdevfs_device_type(dev);
	struct callout_parent *cp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	g_autofree char *json = device_json(type, NULL, NULL);
	struct call c = { type, mdevfs_device_uuid(dev), "pre", "start", "none",
			  json };
	int ret;

	pthread_mutex_lock(&cp->lock);
	ret = call_script(cp, &c, NULL);
	/* Exit 2: not the script's type, nothing to undo.  A timeout: the
	 * script is stuck, and the writer has waited long enough. */
	if (ret != -ENODEV && ret != -ETIMEDOUT) {
		c.event = "post";
		c.state = ret ? "failure" : "success";
		call_script(cp, &c, NULL);
	}
	if (!ret)
		atomic_fetch_add(&cp->devices, 1);
	atomic_fetch_add(&cp->generation, 1);
	pthread_mutex_unlock(&cp->lock);
	return ret;
}

static void callout_remove(struct mdevfs_device *dev)
{
	struct mdevfs_type *type = mdevfs_device_type(dev);
	struct callout_parent *cp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	g_autofree char *json = device_json(type, NULL, NULL);
	struct call c = { type, mdevfs_device_uuid(dev), "pre", "stop", "none",
			  json };
	int ret;

	pthread_mutex_lock(&cp->lock);
	ret = call_script(cp, &c, NULL);
	if (ret)
		mdevfs_log(MDEVFS_LOG_WARNING, "%s %s: removed although its stop "
			   "failed (%s): the vendor may still hold resources",
			   cp->label, c.uuid, strerrorname_np(-ret));
	if (ret != -ETIMEDOUT) {
		c.event = "post";
		c.state = ret ? "failure" : "success";
		call_script(cp, &c, NULL);
	}
	atomic_fetch_sub(&cp->devices, 1);
	atomic_fetch_add(&cp->generation, 1);
	pthread_mutex_unlock(&cp->lock);
}

/* The script's answer, or one cached for available_cache_ms as long as no
 * start or stop happened since it was asked. */
static bool cached_available(struct callout_parent *cp,
			     struct callout_type *ct, unsigned int *n)
{
	bool fresh;

	pthread_mutex_lock(&ct->lock);
	fresh = ct->cached && ct->cached_gen == atomic_load(&cp->generation) &&
		g_get_monotonic_time() - ct->cached_at < (gint64)cp->cache_ms * 1000;
	*n = ct->available;
	pthread_mutex_unlock(&ct->lock);
	return fresh;
}

static unsigned int callout_get_available(struct mdevfs_type *type)
{
	struct callout_parent *cp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	struct callout_type *ct = mdevfs_type_drvdata(type);
	unsigned long gen = atomic_load(&cp->generation);
	struct call c = { type, NULL, "get", "available", "none", NULL };
	g_autoptr(GString) out = NULL;
	unsigned long long n = 0;
	unsigned int cached;
	char *end = NULL;
	int ret;

	if (cp->cache_ms && cached_available(cp, ct, &cached))
		return cached;
	ret = call_script(cp, &c, &out);
	if (!ret) {
		g_strstrip(out->str);
		n = g_ascii_strtoull(out->str, &end, 10);
		if (!g_ascii_isdigit(out->str[0]) || *end || n > G_MAXUINT) {
			mdevfs_log(MDEVFS_LOG_WARNING, "%s %s: -e get -a available: "
				   "expected a number, got '%.40s'", cp->label,
				   mdevfs_type_id(type), out->str);
			return 0;
		}
	}
	/* An error or exit 2 shows 0; cache only real answers. */
	if (ret || !cp->cache_ms)
		return (unsigned int)n;
	pthread_mutex_lock(&ct->lock);
	ct->cached = true;
	ct->available = (unsigned int)n;
	ct->cached_at = g_get_monotonic_time();
	ct->cached_gen = gen;
	pthread_mutex_unlock(&ct->lock);
	return (unsigned int)n;
}

static ssize_t callout_attr_show(struct mdevfs_device *dev, unsigned int attr,
				 char *buf, size_t size)
{
	struct mdevfs_type *type = mdevfs_device_type(dev);
	struct callout_parent *cp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	struct callout_type *ct = mdevfs_type_drvdata(type);
	const char *name = g_ptr_array_index(ct->attrs, attr);
	struct call c = { type, mdevfs_device_uuid(dev), "get", "attributes",
			  "none", NULL };
	g_autoptr(GString) out = NULL;
	g_autofree char *value = NULL;
	int ret = call_script(cp, &c, &out);
	int n;

	if (ret)
		return ret;
	ret = find_attr(out->str, name, &value);
	if (ret == -EIO)
		mdevfs_log(MDEVFS_LOG_WARNING, "%s %s: -e get -a attributes: not a "
			   "JSON list of objects: '%.60s'", cp->label, c.uuid,
			   out->str);
	if (ret)
		return ret;
	n = snprintf(buf, size, "%s%s", value,
		     g_str_has_suffix(value, "\n") ? "" : "\n");
	return n < 0 ? -EIO : (ssize_t)MIN((size_t)n, size - 1);
}

static ssize_t callout_attr_store(struct mdevfs_device *dev, unsigned int attr,
				  const char *buf, size_t count)
{
	struct mdevfs_type *type = mdevfs_device_type(dev);
	struct callout_parent *cp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	struct callout_type *ct = mdevfs_type_drvdata(type);
	size_t len = strnlen(buf, count);
	g_autofree char *value = NULL;
	g_autofree char *json = NULL;
	struct call c = { type, mdevfs_device_uuid(dev), "live", "modify",
			  "none", NULL };
	int ret;

	/* sysfs style: one trailing newline is not part of the value */
	if (len && buf[len - 1] == '\n')
		len--;
	value = g_strndup(buf, len);
	if (!g_utf8_validate(value, -1, NULL))
		return -EINVAL;
	json = device_json(type, g_ptr_array_index(ct->attrs, attr), value);
	c.input = json;
	pthread_mutex_lock(&cp->lock);
	ret = call_script(cp, &c, NULL);
	atomic_fetch_add(&cp->generation, 1);
	pthread_mutex_unlock(&cp->lock);
	return ret ? ret : (ssize_t)count;
}

static ssize_t callout_parent_status(struct mdevfs_parent *parent, char *buf,
				     size_t size)
{
	struct callout_parent *cp = mdevfs_parent_drvdata(parent);

	return snprintf(buf, size, "devices=%lu calls=%lu failures=%lu timeouts=%lu",
			atomic_load(&cp->devices), atomic_load(&cp->calls),
			atomic_load(&cp->failures), atomic_load(&cp->timeouts));
}

/* json-glib's classes are set up under GLib's own locks, which
 * ThreadSanitizer cannot see: set them up once here, single-threaded,
 * rather than in the first concurrent probes. */
void callout_json_warm_up(void)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	g_autofree char *value = NULL;

	json_builder_begin_array(b);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "a");
	json_builder_add_string_value(b, "b");
	json_builder_end_object(b);
	json_builder_end_array(b);
	root = json_builder_get_root(b);
	text = json_to_string(root, FALSE);
	find_attr(text, "a", &value);
}

const struct mdevfs_backend callout_backend = {
	.abi = MDEVFS_BACKEND_ABI,
	.struct_size = sizeof(struct mdevfs_backend),
	.name = "callout",
	.parent_init = callout_parent_init,
	.type_init = callout_type_init,
	.parent_fini = callout_parent_fini,
	.probe = callout_probe,
	.remove = callout_remove,
	.get_available = callout_get_available,
	.attr_show = callout_attr_show,
	.attr_store = callout_attr_store,
	.parent_status = callout_parent_status,
};
