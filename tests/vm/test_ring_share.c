// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-session share of the shared ring buffer on the BPF LSM tier (6.1, 6.12): the host
 * test (tests/host/test_ring_share.c) with every LSM program loaded beside the tracepoints,
 * so the reserve path each of them shares is verified and exercised on both kernels.
 */
#define RING_SHARE_LSM true
#include "../host/test_ring_share.c"
