#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench` (issue 18): a real build inside a session against the same build outside. The
# build is this project's own library (every C file under user/lib that compiles without the BPF
# skeleton, the project's warning and optimisation flags, `make -j$(nproc)` from clean), in a copy
# of the sources that is the session's project. Inside: root's `cordon run` on the default policy
# (`agent`): the cgroup programs, the syscall tracepoints, the file listener's permission events
# (cold inodes decided, warm ones ignore-marked), Landlock, seccomp and the session's view all on
# the compiler's path. Rounds alternate which side goes first; each row is the median over rounds,
# wall and CPU (user+system of the build and everything it started). Reported, never asserted.
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
rounds=${BENCH_BUILD_ROUNDS:-5}
src=$(pwd)
proj=$(mktemp -d /tmp/cordon-bench-build.XXXXXX)
trap 'rm -rf "$proj"' EXIT
chmod 755 "$proj"
cp -r "$src/user" "$src/bpf" "$src/policies" "$proj/"
cat >"$proj/Makefile" <<'EOF'
SRCS := $(filter-out user/lib/loader/loader.c,$(wildcard user/lib/*/*.c))
OBJS := $(SRCS:%.c=out/%.o)
CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -Iuser/lib -Ibpf
out/lib.a: $(OBJS)
	ar rcs $@ $^
out/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<
EOF
as=()
((EUID == 0)) && as=(--user root)
run=("$cordon" run "${as[@]}" --quiet --allow-degraded --policy agent --project "$proj" --)
jobs=$(nproc)
nfiles=$(cd "$proj" && ls user/lib/*/*.c | grep -vc loader/loader.c)

# One build from clean: "WALL CPU" in seconds, CPU as user+system of the build's processes.
build() { # [cordon run ...]
	rm -rf "$proj/out"
	local t0 t1 c0 c1 me=$BASHPID
	t0=$(date +%s.%N)
	c0=$(awk '{ print $16 + $17 }' /proc/$me/stat) # waited-for children's CPU, in ticks
	"$@" make -s -C "$proj" -j"$jobs" >/dev/null
	t1=$(date +%s.%N)
	c1=$(awk '{ print $16 + $17 }' /proc/$me/stat)
	[[ -f $proj/out/lib.a ]] || {
		echo "bench_build: the build did not produce its library" >&2
		exit 1
	}
	awk -v a="$t0" -v b="$t1" -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f %.3f\n", b - a, c / hz }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

out_w=() out_c=() in_w=() in_c=()
build >/dev/null # warm the page cache and the compiler once, outside
for ((r = 0; r < rounds; r++)); do
	if ((r % 2 == 0)); then
		read -r w c < <(build) && out_w+=("$w") out_c+=("$c")
		read -r w c < <(build "${run[@]}") && in_w+=("$w") in_c+=("$c")
	else
		read -r w c < <(build "${run[@]}") && in_w+=("$w") in_c+=("$c")
		read -r w c < <(build) && out_w+=("$w") out_c+=("$c")
	fi
done
ow=$(printf '%s\n' "${out_w[@]}" | median)
oc=$(printf '%s\n' "${out_c[@]}" | median)
iw=$(printf '%s\n' "${in_w[@]}" | median)
ic=$(printf '%s\n' "${in_c[@]}" | median)
echo
echo "== a build inside a session: $nfiles C files, make -j$jobs from clean, $rounds rounds, medians"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
printf '  %-40s %8s %8s %8s %8s\n' "" "wall s" "ratio" "cpu s" "ratio"
printf '  %-40s %8.2f %8s %8.2f %8s\n' "outside cordon" "$ow" "1.00x" "$oc" "1.00x"
printf '  %-40s %8.2f %8s %8.2f %8s   (target <= 1.05x)\n' "cordon run --policy agent (root's)" \
	"$iw" "$(ratio "$iw" "$ow")" "$ic" "$(ratio "$ic" "$oc")"
echo "  every round: outside ${out_w[*]} s; inside ${in_w[*]} s"
