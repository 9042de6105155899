// SPDX-License-Identifier: GPL-2.0-only
/* Load-time settings shared by every program (the one strong definition the linker keeps). */
#include "lib/session.bpf.h"

const volatile __u32 cordon_session_level = 0;

char LICENSE[] SEC("license") = "GPL";
