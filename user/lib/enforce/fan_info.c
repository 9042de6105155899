// SPDX-License-Identifier: GPL-2.0-only
/*
 * The info records after a fanotify event's header (FAN_REPORT_DFID_NAME, FAN_REPORT_PIDFD):
 * the directory's handle with the entry's name, and the creator's pidfd. Every length in them
 * is the kernel's, and each is checked against the record before it moves a pointer. @p is
 * 4-aligned (cordon_protect_watch_serve: an event starts at a multiple of 4 in its buffer).
 */
#include <stdint.h>
#include <string.h>
#include <sys/fanotify.h>
#include <fcntl.h>

#include "enforce/enforce.h"

void cordon_fan_info_parse(const char *p, const char *end, struct cordon_fan_info *out)
{
	*out = (struct cordon_fan_info){ .pidfd = -1 };
	while (end - p >= (ptrdiff_t)sizeof(struct fanotify_event_info_header)) {
		const struct fanotify_event_info_header *h = (const void *)p;

		/* The kernel pads each record to 4 bytes: with the event's start (the caller's)
		 * 4-aligned, so is every record, which the reads through them below need. */
		if (h->len < sizeof(*h) || h->len > end - p || h->len % 4)
			break;
		if (h->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME &&
		    h->len > sizeof(struct fanotify_event_info_fid) + sizeof(struct file_handle)) {
			const struct fanotify_event_info_fid *fid = (const void *)p;
			const struct file_handle *fh = (const void *)fid->handle;
			size_t room = h->len - sizeof(*fid) - sizeof(*fh);

			/* The handle's size bounded by its record before it is added to a pointer;
			 * the name after it must end inside the record. */
			if (fh->handle_bytes < room &&
			    memchr(fh->f_handle + fh->handle_bytes, 0, room - fh->handle_bytes)) {
				out->fid = fid;
				out->name = (const char *)fh->f_handle + fh->handle_bytes;
			}
		} else if (h->info_type == FAN_EVENT_INFO_TYPE_PIDFD &&
			   h->len >= sizeof(struct fanotify_event_info_pidfd) && out->pidfd < 0) {
			out->pidfd =
				((const struct fanotify_event_info_pidfd *)(const void *)p)->pidfd;
		}
		p += h->len;
	}
}
