#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A daily driver's first steps: an agent's first run in a fresh home (its state directory and
# atomically replaced state file made to work, the rest of $HOME still refused), the project root
# found from a subdirectory, the user's own environment under --user, --dry-run, and a day of work
# (make, gdb, a venv with pip and pytest, npm install from a registry of its own, npx, a dev
# server). Prints TAP;
# MODE=daemon runs it through a daemon of its own (test_daily_daemon.sh).
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=daily${MODE:+-$MODE}/
need_root
session_setup daily
# A user of its own whose home is fresh at every run: no ~/.claude, as for every new user.
USER_NAME=cordon-first
id "$USER_NAME" >/dev/null 2>&1 || useradd -m -U -s /bin/bash "$USER_NAME" || exit 1
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
rm -rf "$home" && mkdir -p "$home" && cp -a /etc/skel/. "$home/" && chown -R "$USER_NAME:" "$home"
chmod 755 "$home"
chown "$USER_NAME:" "$proj"
mode_setup
cleanup() {
	rm -rf "$proj"
	mode_cleanup
}
trap cleanup EXIT
P="--policy claude-code --allow-degraded"

# What Claude Code's first run does: mkdir ~/.claude (recursive), then write ~/.claude.json as a
# temporary sibling renamed onto it, resolving one symlink hop first as Claude Code does.
cat >"$proj/first_run.sh" <<'SH'
set -e
mkdir -p "$HOME/.claude/todos"
echo '[]' >"$HOME/.claude/todos/t.json"
t=$HOME/.claude.json
l=$(readlink "$t") && t=$l
printf '{"firstStartTime":1}\n' >"$t.tmp.$$.42"
mv -f "$t.tmp.$$.42" "$t"
printf '{"firstStartTime":2}\n' >"$t.tmp.$$.43"
mv -f "$t.tmp.$$.43" "$t"
cat "$HOME/.claude.json"
echo FIRST-RUN-OK
SH
chmod 644 "$proj/first_run.sh"

# Outside first: the user can write ~/.bashrc and create files in $HOME (so refusals prove it).
as_user sh -c 'echo "# outside" >>"$HOME/.bashrc" && touch "$HOME/.outside" && rm "$HOME/.outside"' &&
	ok "outside_home_writable" || notok "outside_home_writable"

out=$(cd "$proj" && $RUN $P -- sh first_run.sh 2>&1)
grep -q '^FIRST-RUN-OK$' <<<"$out" && grep -q '"firstStartTime":2' <<<"$out" &&
	ok "claude_first_run_works" || { notok "claude_first_run_works"; sed 's/^/# /' <<<"$out"; }
[[ $(stat -c '%U %a' "$home/.claude") == "$USER_NAME 700" ]] &&
	ok "state_dir_created_0700_owned_by_user" ||
	notok "state_dir_created_0700_owned_by_user ($(stat -c '%U %a' "$home/.claude"))"
[[ -L $home/.claude.json ]] && grep -q '"firstStartTime":2' "$home/.claude.json" &&
	ok "state_file_readable_outside_through_its_link" || notok "state_file_readable_outside_through_its_link"
ls -A "$home" | grep -q '^\.claude\.json\.tmp' && notok "no_temp_sibling_in_home" ||
	ok "no_temp_sibling_in_home"

# A second run finds everything in place (a user who had the file before: migrated once).
out=$(cd "$proj" && $RUN $P -- sh first_run.sh 2>&1)
grep -q '^FIRST-RUN-OK$' <<<"$out" && ok "second_run_works" || { notok "second_run_works"; sed 's/^/# /' <<<"$out"; }
# A writer that replaced the link outside cordon: the file is moved back behind the link.
as_user sh -c 'rm "$HOME/.claude.json"; echo "{\"outside\":1}" >"$HOME/.claude.json"'
out=$(cd "$proj" && $RUN $P -- sh -c 'cat "$HOME/.claude.json"; sh first_run.sh' 2>&1)
grep -q '"outside":1' <<<"$out" && grep -q '^FIRST-RUN-OK$' <<<"$out" && [[ -L $home/.claude.json ]] &&
	ok "plain_file_migrated_behind_link" || { notok "plain_file_migrated_behind_link"; sed 's/^/# /' <<<"$out"; }

# Still refused: the rest of $HOME, by every way an atomic writer could reach it.
refused() { # name, shell snippet run inside; must fail with "Permission denied" and run at all
	local out
	out=$(cd "$proj" && $RUN $P -- sh -c "echo RAN; $2" 2>&1)
	if grep -q '^RAN$' <<<"$out" && grep -qi 'permission denied\|not permitted\|read-only file system' <<<"$out" &&
		! grep -q '^ESCAPED$' <<<"$out"; then ok "refused_$1"; else
		notok "refused_$1"
		sed 's/^/# /' <<<"$out"
	fi
}
refused write_bashrc 'echo x >>"$HOME/.bashrc" && echo ESCAPED'
refused sibling_in_home 'echo x >"$HOME/.claude.json.tmp.1.2" && echo ESCAPED'
refused new_file_in_home 'echo x >"$HOME/.bash_login" && echo ESCAPED'
d=$(readlink "$home/.claude.json")
d=${d%/*}
refused rename_from_private_dir "echo x >'$d/evil' && mv -f '$d/evil' \"\$HOME/.bashrc\" && echo ESCAPED"
refused replace_the_link 'rm -f "$HOME/.claude.json" && echo ESCAPED'
refused link_from_private_dir "ln -sf \"\$HOME/.bashrc\" '$d/x' && echo x >'$d/x' && echo ESCAPED"
grep -q '^x$' "$home/.bashrc" && notok "bashrc_unchanged" || ok "bashrc_unchanged"

# The project root: a start in a subdirectory of a git work tree works on the whole tree.
as_user sh -c "cd '$proj' && git init -q . && mkdir -p sub/deep && echo top >top.txt" &&
	as_user sh -c "cd '$proj/sub/deep' && git status --short >/dev/null && cat ../../top.txt >/dev/null" &&
	ok "outside_git_status_from_subdir" || notok "outside_git_status_from_subdir"
out=$(cd "$proj/sub/deep" && $RUN --policy agent --allow-degraded -- sh -c \
	"pwd; cd '$proj/sub/deep' && git status --short && echo GIT-OK; cat ../../top.txt; echo x >../../new.txt && echo WROTE" 2>&1)
grep -q '^GIT-OK$' <<<"$out" && grep -q '^top$' <<<"$out" && grep -q '^WROTE$' <<<"$out" &&
	ok "project_root_is_the_git_work_tree" || { notok "project_root_is_the_git_work_tree"; sed 's/^/# /' <<<"$out"; }
grep -qx "$proj/sub/deep" <<<"$out" && ok "agent_starts_where_it_was_run" ||
	notok "agent_starts_where_it_was_run"
out=$(cd "$proj/sub/deep" && $RUN --policy agent --allow-degraded --project . -- sh -c \
	'echo RAN; echo x >../../new2.txt && echo WROTE' 2>&1)
grep -q '^RAN$' <<<"$out" && ! grep -q '^WROTE$' <<<"$out" && [[ ! -e $proj/new2.txt ]] &&
	ok "project_option_overrides" || { notok "project_option_overrides"; sed 's/^/# /' <<<"$out"; }

# --dry-run: the plan on stdout, nothing run, nothing made in the home.
rm -rf "$home/.claude"
out=$(cd "$proj" && $RUN $P --dry-run -- sh -c "touch '$proj/DRY-RAN'" 2>/dev/null)
grep -q '^layers: landlock=ABI' <<<"$out" && grep -q "rw. $home/.claude" <<<"$out" &&
	grep -q '^view: ' <<<"$out" && [[ ! -e $proj/DRY-RAN && ! -e $home/.claude ]] &&
	ok "dry_run_prints_the_plan_and_runs_nothing" ||
	{ notok "dry_run_prints_the_plan_and_runs_nothing"; sed 's/^/# /' <<<"$out"; }

# --- a day of work under `agent`: make and its tests, gdb, a venv with pip installing a local
# wheel and its tests run by pytest (Debian's, through --system-site-packages), npm install from
# a registry of our own on loopback, npx (a package's bin from node_modules, and one fetched into
# ~/.npm/_npx), a dev server on 8000 reached from outside.
# Each step outside first (as the user: it must work there), then inside; a refused step fails.
work=$proj/work
as_user mkdir -p "$work"
regdir=$(mktemp -d /tmp/cordon-daily-reg.XXXXXX)
regport=3917 # a dev-server port of `agent` (loopback 3000-3999)
/usr/bin/python3 "${CORDON_SRC:-$PWD}/tests/lib/npm_registry.py" "$regport" "$regdir" 2>"$regdir/err" &
regpid=$!
cleanup() {
	kill "$regpid" 2>/dev/null
	wait "$regpid" 2>/dev/null
	rm -rf "$proj" "$regdir"
	mode_cleanup
}
for _ in $(seq 50); do [[ -e $regdir/ready ]] && break; sleep 0.1; done
[[ -e $regdir/ready ]] && ok "registry_listens" || { notok "registry_listens"; sed 's/^/# /' "$regdir/err"; }
cat >"$work/hello.c" <<'C'
#include <stdio.h>
int add(int a, int b) { return a + b; }
int main(void) { printf("sum=%d\n", add(2, 3)); return 0; }
C
printf 'hello: hello.c\n\tcc -g -O0 -o hello hello.c\ntest: hello\n\t./hello | grep -qx sum=5 && echo MAKE-TEST-OK\nclean:\n\trm -f hello\n' >"$work/Makefile"
# A wheel made here (a zip with its metadata): pip installs it with no index.
/usr/bin/python3 - "$work" <<'PY'
import base64, hashlib, sys, zipfile
files = {"cordon_wheel/__init__.py": b"def hello():\n    return 'wheel-ok'\n",
         "cordon_wheel-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: cordon-wheel\nVersion: 1.0\n",
         "cordon_wheel-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
rec = "".join("%s,sha256=%s,%d\n" % (n, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d)) for n, d in files.items())
with zipfile.ZipFile(sys.argv[1] + "/cordon_wheel-1.0-py3-none-any.whl", "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
    z.writestr("cordon_wheel-1.0.dist-info/RECORD", rec + "cordon_wheel-1.0.dist-info/RECORD,,\n")
PY
mkdir -p "$work/tests"
printf 'import cordon_wheel\n\ndef test_hello():\n    assert cordon_wheel.hello() == "wheel-ok"\n' >"$work/tests/test_wheel.py"
echo '{"name": "day", "version": "1.0.0", "private": true}' >"$work/package.json"
chown -R "$USER_NAME:" "$work"
reg="--registry http://127.0.0.1:$regport/ --no-audit --no-fund --no-update-notifier"
declare -A step=(
	[make]="make -s test && make -s clean"
	[gdb]="make -s hello && gdb -q -batch -ex 'break add' -ex run -ex bt -ex continue ./hello 2>&1 | grep -q 'add (a=2, b=3)' && echo GDB-OK"
	[venv_pip]="v=venv-\$(id -u)-\$\$ && /usr/bin/python3 -m venv --system-site-packages \$v && \$v/bin/pip install -q --no-index cordon_wheel-1.0-py3-none-any.whl && \$v/bin/python -c 'import pip._vendor.certifi as c; open(c.where()).read(64)' && \$v/bin/python -m pytest -q tests/test_wheel.py 2>&1 | tail -1 | grep -q '^1 passed' && echo PYTEST-OK"
	[npm_install]="rm -rf node_modules package-lock.json && npm install -s $reg cordon-hello && node -e 'console.log(require(\"cordon-hello\")())'"
	[npx_local]="npx cordon-hello local"
	[npx_fetched]="rm -rf \$HOME/.npm/_npx && cd /tmp && npx --yes $reg cordon-hello fetched"
)
declare -A want=([make]=MAKE-TEST-OK [gdb]=GDB-OK [venv_pip]=PYTEST-OK [npm_install]=hello-lib
	[npx_local]="hello-from-local" [npx_fetched]="hello-from-fetched")
steps="make gdb venv_pip npm_install npx_local npx_fetched"
if ! /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
	cannot day_venv_pip "python3-pytest is not installed (tools/install-deps.sh check installs it)"
	steps=${steps/venv_pip /}
fi
for s in $steps; do
	out=$(cd "$work" && as_user sh -c "cd '$work' && ${step[$s]}" </dev/null 2>&1)
	grep -qx "${want[$s]}" <<<"$out" && ok "outside_$s" || { notok "outside_$s"; sed 's/^/# /' <<<"$out"; }
	out=$(cd "$work" && $RUN --policy agent --allow-degraded -- sh -c "${step[$s]}" </dev/null 2>&1)
	grep -qx "${want[$s]}" <<<"$out" && ok "day_$s" || { notok "day_$s"; sed 's/^/# /' <<<"$out"; }
	# Ordinary work leaves no exit report: a line after every command would be skipped.
	if ! grep -q '^cordon: refused' <<<"$out"; then
		ok "day_${s}_no_exit_report"
	else
		notok "day_${s}_no_exit_report"
		sed 's/^/# /' <<<"$out"
	fi
done
grep -q '^/cordon-hello/-/cordon-hello-1.0.0.tgz$' "$regdir/log" && ok "registry_served_the_tarball" ||
	notok "registry_served_the_tarball"

# A dev server on 8000 in the session, reached from outside on loopback: bound to 127.0.0.1
# (must work), and on the wildcard address as `python3 -m http.server 8000` does by default.
dev_server() { # NAME, http.server's extra arguments
	rm -f "$work/ready" "$work/done" "$work/server.out"
	(cd "$work" && $RUN --policy agent --allow-degraded -- sh -c "echo page-canary >page.txt;
		/usr/bin/python3 -m http.server 8000 $2 >/dev/null 2>&1 & s=\$!; touch ready
		for i in \$(seq 100); do [ -e done ] && break; sleep 0.1; done; kill \$s && echo SERVED" \
		</dev/null >"$work/server.out" 2>&1) &
	local server=$! got=""
	for _ in $(seq 100); do [[ -e $work/ready ]] && break; sleep 0.1; done
	for _ in $(seq 30); do
		# Either loopback: a wildcard bind is bound to 127.0.0.1 or [::1] (docs/policy.md).
		got=$(curl -s --max-time 2 "http://127.0.0.1:8000/page.txt" || curl -s --max-time 2 -g "http://[::1]:8000/page.txt") &&
			[[ -n $got ]] && break
		sleep 0.2
	done
	touch "$work/done"
	wait "$server"
	[[ $got == page-canary ]] && grep -q '^SERVED$' "$work/server.out" &&
		! grep -q '^cordon: refused' "$work/server.out"
}
dev_server loopback "--bind 127.0.0.1" && ok "day_dev_server_8000_reached_from_outside" ||
	{ notok "day_dev_server_8000_reached_from_outside"; sed 's/^/# /' "$work/server.out"; }
# http.server's default, the wildcard address: bound to loopback by the session's bind program.
dev_server wildcard "" && ok "day_dev_server_8000_wildcard_bind" ||
	{ notok "day_dev_server_8000_wildcard_bind"; sed 's/^/# /' "$work/server.out"; }
