// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records name what was refused, not what another thread wrote afterwards, on 6.1 and 6.12:
 * the host test (tests/host/test_trace_race.c) with BPF LSM refusing the file by an inode rule,
 * whose record comes from the file the hook judged; and the syscall-exit echo's captured path.
 */
#define TRACE_RACE_LSM true
#include "../host/test_trace_race.c"
