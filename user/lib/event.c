// SPDX-License-Identifier: GPL-2.0-only
/* Validation and naming of ring-buffer records. */
#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "event.h"

size_t cordon_event_min_size(unsigned int type)
{
	switch (type) {
	case CORDON_EV_FILE:
		return sizeof(struct cordon_event_file);
	case CORDON_EV_CONNECT:
		return sizeof(struct cordon_event_connect);
	default:
		return 0;
	}
}

int cordon_event_check(const void *data, size_t size)
{
	struct cordon_event_hdr h;
	size_t min;

	if (!data || size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, data, sizeof(h));
	if (h.size < sizeof(h) || h.size > size)
		return -EBADMSG;
	min = cordon_event_min_size(h.type);
	if (!min)
		return -EOPNOTSUPP;
	if (h.size < min)
		return -EBADMSG;
	return h.type;
}

static const char *const type_names[] = {
	[CORDON_EV_FILE] = "file",
	[CORDON_EV_CONNECT] = "connect",
};

static const char *const hook_names[] = {
	[CORDON_HOOK_FILE_OPEN] = "file_open",
	[CORDON_HOOK_CONNECT4] = "connect4",
	[CORDON_HOOK_CONNECT6] = "connect6",
};

static const char *const layer_names[] = {
	[CORDON_LAYER_BPF_LSM] = "bpf_lsm",
	[CORDON_LAYER_CGROUP_BPF] = "cgroup_bpf",
	[CORDON_LAYER_LANDLOCK] = "landlock",
	[CORDON_LAYER_SECCOMP] = "seccomp",
};

#define NAME(table, i) ((i) < ARRAY_SIZE(table) && (table)[i] ? (table)[i] : "unknown")

const char *cordon_event_type_name(unsigned int type)
{
	return NAME(type_names, type);
}

const char *cordon_event_hook_name(unsigned int hook)
{
	return NAME(hook_names, hook);
}

const char *cordon_event_layer_name(unsigned int layer)
{
	return NAME(layer_names, layer);
}

void cordon_event_str(char *out, size_t outlen, const __u8 *in, size_t inlen)
{
	size_t n = strnlen((const char *)in, inlen);

	if (!outlen)
		return;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}
