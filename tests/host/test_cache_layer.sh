#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# filesystem.cache: the caches the default policy lets a session write (~/.cache, ~/.npm, ~/.m2,
# ...) are overlays whose upper layer is the project's own, so nothing a session plants there
# reaches the developer's own tools, which run code from those caches later outside any sandbox
# (npx from ~/.npm/_npx, Maven's jars, pre-commit's hook repositories). Outside cordon the same
# writes land in the real cache; inside they work for the session (the planted program runs),
# leave the real cache untouched, come back in the next session of the same project and not in
# another project's. A secret's other name in a cache cannot be read or copied up into the
# layer (link, chmod, rename), and a project inside a cache is refused. MODE=root (default, then
# also unprivileged) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=cache_layer/$MODE/
session_setup cachelayer
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
tag=cordon-test-$$
proj2=$(mktemp -d /tmp/cordon-cachelayer2.XXXXXX)
chmod 755 "$proj2"
chown "$USER_NAME:" "$proj2"
logdir=$(mktemp -d /var/log/cordon-test-cache.XXXXXX)
log=$logdir/audit.jsonl
[[ $MODE == daemon ]] && log=$DAEMON_DIR/audit.jsonl
store=$home/.local/state/cordon/layers
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$proj2" "$logdir" "$home/.cache/$tag" "$home/.npm/_npx/$tag" \
		"$home/.m2/repository/$tag" "$home/.ssh/$tag"
	# the layers of this run's projects only
	for p in "$proj" "$proj2" "$home/.cache/$tag/inner"; do
		rm -rf "$store/${p##*/}"-*
	done
}
trap cleanup EXIT

# The developer's caches, as they are before the session.
as_user sh -c "mkdir -p ~/.cache/$tag/dir ~/.npm/_npx/$tag/bin ~/.m2/repository/$tag ~/.ssh &&
	echo orig >~/.cache/$tag/run.sh && echo keep >~/.cache/$tag/keep &&
	printf '#!/bin/sh\necho real\n' >~/.npm/_npx/$tag/bin/tool &&
	chmod 755 ~/.npm/_npx/$tag/bin/tool && echo jar >~/.m2/repository/$tag/lib.jar &&
	echo SECRET-$tag >~/.ssh/$tag && chmod 600 ~/.ssh/$tag &&
	ln ~/.ssh/$tag ~/.cache/$tag/innocent && echo DOTENV >~/.cache/$tag/dir/.env" ||
	{ notok "suite (cannot prepare the user's caches)"; exit 1; }
mode_before=$(stat -c %a "$home/.cache/$tag")

# The same writes outside cordon land in the real cache: the test below proves something.
out=$(as_user sh -c "echo outside >~/.cache/$tag/probe && cat ~/.cache/$tag/probe &&
	rm ~/.cache/$tag/probe && cat ~/.cache/$tag/innocent")
check outside_write_lands grep -qx outside <<<"$out"
check outside_secret_link_readable grep -qx "SECRET-$tag" <<<"$out"

# The session: plant, replace, remove, widen, rename; run the planted program; try the secret.
plant="echo pwned >~/.cache/$tag/run.sh; echo planted >~/.cache/$tag/planted
printf '#!/bin/sh\\necho evil\\n' >~/.npm/_npx/$tag/bin/tool; echo tool=\$(~/.npm/_npx/$tag/bin/tool)
echo evil >~/.m2/repository/$tag/lib.jar; rm ~/.cache/$tag/keep; chmod 777 ~/.cache/$tag
mv ~/.cache/$tag/dir ~/.cache/$tag/moved 2>/dev/null; ln -s /etc/passwd ~/.cache/$tag/link
echo seen=\$(cat ~/.cache/$tag/run.sh ~/.cache/$tag/planted | tr '\\n' ' ')
cat ~/.cache/$tag/innocent >/dev/null 2>&1; echo secret_read=\$?
ln ~/.cache/$tag/innocent ~/.cache/$tag/other 2>/dev/null; echo secret_link=\$?
chmod 644 ~/.cache/$tag/innocent 2>/dev/null; echo secret_chmod=\$?
mv ~/.cache/$tag/innocent ~/.cache/$tag/renamed 2>/dev/null; echo secret_rename=\$?
cat ~/.cache/$tag/other ~/.cache/$tag/renamed 2>/dev/null | grep -c SECRET | sed 's/^/secret_copies=/'
cat ~/.cache/$tag/moved/.env ~/.cache/$tag/dir/.env >/dev/null 2>&1; echo env_read=\$?
echo x >~/.cache/$tag/new.pem 2>/dev/null; echo pem_create=\$?
touch $store/x 2>/dev/null; echo store_write=\$?
echo RAN"
extra=()
[[ $MODE == root ]] && extra=(--audit-log "$log")
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${extra[@]}" -- sh -c "$plant" \
	</dev/null 2>&1)
check inside_ran grep -qx RAN <<<"$out" || sed 's/^/# /' <<<"$out"
check inside_planted_program_runs grep -qx "tool=evil" <<<"$out"
check inside_sees_its_own_writes grep -qxE "seen=pwned planted ?" <<<"$out" || grep '^seen' <<<"$out"
check inside_secret_link_refused grep -qx "secret_read=1" <<<"$out"
check inside_secret_link_not_linked grep -qx "secret_link=1" <<<"$out"
check inside_secret_link_not_chmodded grep -qx "secret_chmod=1" <<<"$out"
check inside_secret_link_not_renamed grep -qx "secret_rename=1" <<<"$out"
check inside_secret_never_copied grep -qx "secret_copies=0" <<<"$out"
check inside_env_in_cache_refused grep -qx "env_read=1" <<<"$out"
check inside_new_pem_refused grep -qx "pem_create=[12]" <<<"$out"
check inside_layer_store_not_writable grep -qx "store_write=1" <<<"$out"
check secret_read_recorded grep -q "\"$home/.cache/$tag/innocent\"" "$log"

# The developer's caches after the session: exactly as before.
check host_cache_file_unchanged grep -qx orig "$home/.cache/$tag/run.sh"
check host_cache_nothing_planted test ! -e "$home/.cache/$tag/planted"
check host_cache_removed_file_still_there test -e "$home/.cache/$tag/keep"
check host_cache_renamed_dir_still_there test -e "$home/.cache/$tag/dir/.env"
check host_cache_no_symlink test ! -L "$home/.cache/$tag/link"
check host_cache_mode_unchanged test "$(stat -c %a "$home/.cache/$tag")" = "$mode_before"
check host_npx_program_unchanged sh -c "[ \"\$($home/.npm/_npx/$tag/bin/tool)\" = real ]"
check host_m2_jar_unchanged grep -qx jar "$home/.m2/repository/$tag/lib.jar"
check host_secret_link_unchanged sh -c "[ \$(stat -c %h $home/.ssh/$tag) = 2 ]"
check layer_store_holds_no_secret sh -c "! grep -rqs SECRET-$tag $store"

# The next session of the same project finds its layer again; another project's does not.
again="echo again=\$(cat ~/.cache/$tag/run.sh ~/.cache/$tag/planted 2>/dev/null | tr '\\n' ' ')"
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" -- sh -c "$again" </dev/null 2>&1)
check same_project_keeps_its_layer grep -qxE "again=pwned planted ?" <<<"$out"
out=$(cd "$proj2" && $RUN --quiet --policy agent --project "$proj2" -- sh -c "$again" </dev/null 2>&1)
check other_project_sees_the_real_cache grep -qxE "again=orig ?" <<<"$out"

# Two sessions of one project at once: each its own slot, both run.
(cd "$proj" && $RUN --quiet --policy agent --project "$proj" -- sh -c "sleep 2; echo FIRST" \
	</dev/null >"$logdir/first" 2>&1) &
first=$!
sleep 0.5
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" -- sh -c "$again; echo SECOND" \
	</dev/null 2>&1)
wait "$first"
check concurrent_second_session_runs grep -qx SECOND <<<"$out"
check concurrent_first_session_runs grep -qx FIRST "$logdir/first"

# The developer's own tools keep working in the real cache while a session runs: a hook that
# pre-commit (outside) writes in a repository of ~/.cache meanwhile is theirs, and the end of
# the session leaves it (the session wrote only to its layer; the sweep used to take every
# changed hook in a write tree for the session's and quarantine it).
repo=$home/.cache/$tag/pre-commit-repo
as_user sh -c "git init -q $repo"
(cd "$proj" && $RUN --quiet --policy agent --project "$proj" -- sh -c "sleep 1.5; echo THIRD" \
	</dev/null >"$logdir/third" 2>&1) &
third=$!
sleep 0.5
as_user sh -c "printf '#!/bin/sh\nexit 0\n' >$repo/.git/hooks/pre-commit &&
	chmod +x $repo/.git/hooks/pre-commit"
wait "$third"
check session_beside_developer_ran grep -qx THIRD "$logdir/third"
check developer_cache_hook_kept test -x "$repo/.git/hooks/pre-commit"
check developer_cache_hook_not_quarantined test ! -e "$repo/.git/hooks/pre-commit.cordon-quarantined"

# A cache that is a symlink to another place (a second disk, a dotfiles manager): layered where
# the link points, the target untouched. ~/.gradle/caches is set aside for it and put back.
g=$home/.gradle/caches
gsave=$home/.gradle/caches.$tag
as_user sh -c "mkdir -p ~/.gradle ~/gradle-$tag && echo target >~/gradle-$tag/t &&
	{ [ ! -e $g ] || mv $g $gsave; } && ln -s ~/gradle-$tag $g"
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" -- sh -c "cat $g/t;
	echo pwned >$g/t; cat $g/t; echo RAN" </dev/null 2>&1)
check symlinked_cache_session_ran grep -qx RAN <<<"$out" || sed 's/^/# /' <<<"$out"
check symlinked_cache_written_in_layer grep -qx pwned <<<"$out"
check symlinked_cache_target_unchanged grep -qx target "$home/gradle-$tag/t"
rm -f "$g"
[[ -e $gsave ]] && mv "$gsave" "$g"
rm -rf "$home/gradle-$tag"

# A project inside a cache: its writes must reach it, so the session is refused.
as_user mkdir -p "$home/.cache/$tag/inner"
out=$(cd "$home/.cache/$tag/inner" && $RUN --policy agent --project "$home/.cache/$tag/inner" -- \
	sh -c "echo SHOULD-NOT-RUN" </dev/null 2>&1)
rc=$?
check project_inside_cache_refused test "$rc" -ne 0
did_not_run() { ! grep -q SHOULD-NOT-RUN <<<"$out"; }
check project_inside_cache_did_not_run did_not_run
check project_inside_cache_says_why grep -q "filesystem.cache: .* holds the project" <<<"$out"

# Unprivileged, without the daemon: a layer of its own user namespace, the same guarantees.
if [[ $MODE == root ]]; then
	out=$(cd "$proj2" && as_user env -i PATH=/usr/bin:/bin HOME="$home" \
		CORDON_SOCKET=/nonexistent "$CORDON" run --quiet --allow-degraded --policy agent \
		--project "$proj2" -- sh -c "echo unpriv >~/.cache/$tag/run.sh; cat ~/.cache/$tag/run.sh;
		echo RAN" </dev/null 2>&1)
	check unprivileged_ran grep -qx RAN <<<"$out"
	check unprivileged_writes_in_its_layer grep -qx unpriv <<<"$out"
	check unprivileged_host_cache_unchanged grep -qx orig "$home/.cache/$tag/run.sh"
fi
