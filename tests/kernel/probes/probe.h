// SPDX-License-Identifier: MIT
/*
 * What the probes of the kernel differential suite share (tests/kernel/,
 * README.md there).  Each probe is one .c file that includes this header;
 * they are built by CMake for the mdevfs side and with `gcc -static` by
 * tests/kernel/record.sh for the oracle VM, so they use libc alone.
 *
 * Every probe prints what the system answered and nothing that differs
 * between two runs of the same system but the SEQNUM values of uevents
 * (normalised by tests/kernel/normalise.sed).
 */
#ifndef MDEVFS_KERNEL_PROBE_H
#define MDEVFS_KERNEL_PROBE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* "EINVAL" for EINVAL; "E<n>" for a number glibc has no name for. */
static inline const char *probe_ename(int e)
{
	static char buf[24];
	const char *n = strerrorname_np(e);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* The bytes p[0..n) C-escaped onto f: \n \t \r \\ \" \0, \xHH. */
static inline void probe_escape(FILE *f, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\\': fputs("\\\\", f); break;
		case '"': fputs("\\\"", f); break;
		case 0: fputs("\\0", f); break;
		default:
			if (s[i] < 0x20 || s[i] >= 0x7f)
				fprintf(f, "\\x%02x", s[i]);
			else
				fputc(s[i], f);
		}
	}
}

static inline int probe_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An argument's escapes undone into a new buffer (\n \t \r \\ \0 \xHH);
 * its length in *len. */
static inline char *probe_unescape(const char *in, size_t *len)
{
	char *out = malloc(strlen(in) + 1);
	size_t n = 0;

	if (!out)
		abort();
	while (*in) {
		if (*in != '\\' || !in[1]) {
			out[n++] = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 'n': out[n++] = '\n'; in++; break;
		case 't': out[n++] = '\t'; in++; break;
		case 'r': out[n++] = '\r'; in++; break;
		case '0': out[n++] = 0; in++; break;
		case '\\': out[n++] = '\\'; in++; break;
		case 'x': {
			int v = 0;

			in++;
			for (int k = 0; k < 2 && probe_hexval(*in) >= 0; k++)
				v = v * 16 + probe_hexval(*in++);
			out[n++] = (char)v;
			break;
		}
		default: out[n++] = '\\'; break;
		}
	}
	out[n] = 0;
	*len = n;
	return out;
}

/* AS_UID=N in the environment: become uid and gid N with no groups
 * (what an unprivileged client gets); exit 3 if that fails. */
static inline void probe_drop(void)
{
	const char *u = getenv("AS_UID");
	uid_t id;

	if (!u || !*u)
		return;
	id = (uid_t)strtoul(u, NULL, 10);
	if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
		printf("drop to uid %u: %s\n", (unsigned)id, probe_ename(errno));
		exit(3);
	}
}

/* sh -c CMD with our stdout flushed first, so its output comes in order. */
static inline void probe_run(const char *cmd)
{
	int st;

	fflush(stdout);
	st = system(cmd);
	if (st != 0)
		printf("(%s: status %d)\n", cmd, st);
}

#endif
