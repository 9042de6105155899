// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's mount namespace outlives its init in root's hands, so that its teardown (every
 * overlay of a cache tree syncs its upper file system as it goes) runs after cordon has recorded
 * the session's end and returned, in a detached process (enforce/mountns.c).
 *
 * The project's layer slot stays taken until that teardown is done: the releaser holds the slot's
 * lock and its draining lock, so the next session of the project waits for the slot instead of
 * taking a cold one, and never mounts an upper directory still mounted (enforce/layers.c). If the
 * draining lock cannot be had (a process of the user's holds it), the namespace is let go here,
 * before the slot's lock is released: the caller waits, as it did before, and nothing is shared.
 */
#include <unistd.h>

#include "run.h"

void run_hold_view(struct run *r)
{
	int fd;

	/* Root's own session and the daemon's worker only: their namespace is root's to hold. */
	if (!r->l.view || geteuid() != 0)
		return;
	fd = cordon_mountns_hold(r->launched.pid);
	/* Without the hold the namespace goes in the init's exit, as before: slower, never less safe. */
	r->mntns_fd = fd >= 0 ? fd : -1;
}

bool run_view_draining(struct run *r)
{
	struct cordon_view *v = &r->view;

	if (r->mntns_fd < 0 || !cordon_view_has_layers(v) || v->layer_lock < 0 ||
	    cordon_layers_draining(v) == 0)
		return true;
	close(r->mntns_fd);
	r->mntns_fd = -1;
	cordon_view_close_layers(v);
	return false;
}

void run_let_view_go(struct run *r)
{
	/* The namespace's last reference (its unmounts and syncs run here), then the locks. */
	if (r->mntns_fd >= 0)
		close(r->mntns_fd);
	r->mntns_fd = -1;
	cordon_view_close_layers(&r->view);
}

void run_release_view(struct run *r)
{
	/* each layer's upper and work directory, the draining lock, the slot's lock last */
	int locks[2 * CORDON_VIEW_MAX_RW + 2];
	struct cordon_view *v = &r->view;
	size_t n = 0;

	if (r->mntns_fd < 0)
		return;
	if (cordon_view_has_layers(v) && v->layer_lock >= 0) {
		if (cordon_layers_draining(v) < 0) {
			close(r->mntns_fd);
			r->mntns_fd = -1;
			cordon_view_close_layers(v);
			return;
		}
		for (size_t i = 0; i < v->nrw && i < CORDON_VIEW_MAX_RW; i++)
			if (v->rw_layered[i]) {
				locks[n++] = v->layer_upper[i];
				locks[n++] = v->layer_work[i];
			}
		locks[n++] = v->layer_drain;
		locks[n++] = v->layer_lock;
	}
	cordon_mountns_release(r->mntns_fd, locks, n);
	r->mntns_fd = -1;
	/*
	 * Our copies now, in the same order: the daemon's worker leaves by _exit, whose closes
	 * could free the slot's lock a moment before a directory's (the releaser's copies hold
	 * them all meanwhile, or the teardown is over).
	 */
	cordon_view_close_layers(v);
}
