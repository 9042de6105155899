// SPDX-License-Identifier: GPL-2.0-only
/* Load-time settings shared by every program (the one strong definition the linker keeps). */
#include "lib/session.bpf.h"
#include "lib/net.bpf.h"

const volatile __u32 cordon_session_level = 0;
/* 1: the cgroup unix connect/sendmsg programs are loaded (6.7+): they judge the pathname unix
 * sockets created in the session cgroup, and the LSM socket hooks leave those to them. */
const volatile __u32 cordon_unix_cgroup = 0;

/* What the programs were loaded with, for whoever adopts them pinned (maps.h load_info). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cordon_load_info);
} load_info SEC(".maps");

char LICENSE[] SEC("license") = "GPL";
