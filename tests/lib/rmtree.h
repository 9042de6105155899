/* SPDX-License-Identifier: GPL-2.0-only */
/* Removing what a test or benchmark left behind: file trees and cgroup trees. No cordon library. */
#ifndef CORDON_RMTREE_H
#define CORDON_RMTREE_H

/* Remove @path and everything below it, deepest first; errors are ignored (best effort). */
void test_rm_rf(const char *path);

/*
 * Remove the cgroup tree at @path, deepest first. A cgroup whose last task is still exiting
 * refuses rmdir() with EBUSY for a moment, so each one is retried for up to a second.
 */
void test_rm_cgroups(const char *path);

#endif /* CORDON_RMTREE_H */
