/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_RUN_SUITE_H
#define MDEVFS_RUN_SUITE_H

#include <check.h>

/* Runs @s (each test in a fork of its own) and returns the exit status. */
int run_suite(Suite *s);

#endif
