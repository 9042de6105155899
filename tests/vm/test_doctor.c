// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon doctor --json` inside the VM: Debian's kernels run BPF LSM, so doctor must say
 * bpf_lsm: true there, and agree with a real load of cordon's programs.
 */
#include "tap.h"
#include "testutil.h"

int main(void)
{
	check_doctor("/bin/cordon", 1);
	return tap_status();
}
