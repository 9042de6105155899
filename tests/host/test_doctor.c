// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon doctor --json` on the host: the documented keys are there, and every verdict agrees
 * with what this kernel really does (this host refuses BPF LSM programs even though bpf is an
 * active LSM: the verdict must come from a real load, not from the list).
 */
#include <stdlib.h>

#include "tap.h"
#include "testutil.h"

int main(void)
{
	const char *cordon = getenv("CORDON_BIN");

	check_doctor(cordon ? cordon : "build/cordon", -1);
	return tap_status();
}
