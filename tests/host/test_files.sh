#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Secrets and persistence on the host tier (issue 13): policy provenance and shadowing, permission
# widening. Each attack is made outside cordon first, where it must work, then inside, where it
# must be refused with its errno and leave a record naming the rule; the confined command must
# have run. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=files/
session_setup files
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
udir=$home/.config/cordon/policies
# A root-only directory: a log the session's user could write or pre-claim is refused.
logdir=$(mktemp -d /tmp/cordon-log.XXXXXX)
log=$logdir/audit.jsonl
err=$proj.err
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
# Inside, as root dropping to the user: POLICY (default offline) and the command.
inside() {
	local pol=${POLICY:-offline}
	rm -f "$log"
	"$CORDON" run --user "$USER_NAME" --project "$proj" --policy "$pol" --allow-degraded \
		--audit-log "$log" ${EXTRA:-} -- "$@" </dev/null 2>"$err"
}
# A record in the audit log: action, layer, errno and a path (fixed strings, all required).
# Secrets that exist at start are hidden by the view's masks: their records name mount_ns.
record() { audit_has "$log" "$@"; }
cleanup() {
	rm -rf "$logdir"
	rm -rf "$proj" "$log" "$err" "$udir/agent.yaml" "$home/cordon-files-probe"
}
trap cleanup EXIT

# --- policy provenance: a user's "agent" with write: / ------------------------------------------
as_user mkdir -p "$udir"
as_user sh -c "printf 'name: agent\nextends: builtin:agent\nfilesystem:\n  write: [/]\n' >$udir/agent.yaml"
probe=$home/cordon-files-probe
check provenance_outside_user_writes_home as_user sh -c "echo x >$probe && rm $probe"
out=$(POLICY=agent inside sh -c "echo ran; echo x >$probe; echo rc=\$?")
check provenance_root_run_ran sh -c "echo '$out' | grep -qx ran"
check provenance_root_run_ignores_users_agent sh -c "echo '$out' | grep -qx 'rc=2' && test ! -e $probe"
# The read-only view refuses it first (EROFS), before Landlock would.
check provenance_root_run_write_recorded record syscall-openat mount_ns EROFS "$probe"
check provenance_start_line_names_builtin_and_ignored_file \
	grep -q "policy agent from builtin:agent (root-launched: ignored the user's $udir/agent.yaml)" "$err"
# The explicit opt-in: the user's file named by path.
out=$(POLICY=$udir/agent.yaml inside sh -c "echo x >$probe; echo rc=\$?")
check provenance_path_opt_in_applies sh -c "echo '$out' | grep -qx 'rc=0' && test -e $probe"
check provenance_path_opt_in_start_line grep -q "policy agent from $udir/agent.yaml, extends builtin:agent" "$err"
rm -f "$probe"
# The user's own unprivileged run: the user's file applies, and the start line says it shadows.
(cd "$proj" && as_user env HOME="$home" "$CORDON" run --allow-degraded -- true </dev/null 2>"$err")
check provenance_user_run_says_it_shadows grep -q "policy agent from $udir/agent.yaml (user file, shadows builtin:agent)" "$err"
out=$(HOME=$home XDG_CONFIG_HOME= "$CORDON" policy list)
check provenance_list_as_root_marks_user_file_shadowed sh -c "echo '$out' | grep -q '^agent *user .*(shadowed)' && echo '$out' | grep -q '^agent *builtin .*(shadows another)'"
out=$(cd / && as_user env HOME="$home" "$CORDON" policy list)
check provenance_list_as_user_marks_builtin_shadowed sh -c "echo '$out' | grep -q '^agent *builtin .*(shadowed)' && echo '$out' | grep -q '^agent *user .*(shadows another)'"
rm -f "$udir/agent.yaml"

# --- permission widening: chmod is no Landlock right; the view outside the write trees is
# read-only, so every form of it is refused there (EROFS) and recorded ------------------------
mode0=$(stat -c %a "$home")
chmod_probe='import os, sys
home, proj = sys.argv[1:3]
print("ran")
def attempt(name, f):
    try:
        f(); print(name, "OK")
    except OSError as e:
        print(name, "ERRNO", e.errno)
attempt("chmod", lambda: os.chmod(home, 0o777))
attempt("lchmod", lambda: os.chmod(home, 0o777, follow_symlinks=False))
attempt("fchmodat_dirfd", lambda: os.chmod(os.path.basename(home), 0o777, dir_fd=os.open(os.path.dirname(home), os.O_PATH)))
open(proj + "/script.sh", "w").close()
attempt("project_chmod", lambda: os.chmod(proj + "/script.sh", 0o775))
attempt("project_chmod_world_writable", lambda: os.chmod(proj + "/script.sh", 0o777))'
# Outside, the user widens (then restores) their own home: it works.
out=$(as_user /usr/bin/python3 -c "$chmod_probe" "$home" "$proj")
chmod "$mode0" "$home"
for a in chmod lchmod fchmodat_dirfd project_chmod; do
	check "chmod_${a}_outside_works" sh -c "echo '$out' | grep -qx '$a OK'"
done
out=$(inside /usr/bin/python3 -c "$chmod_probe" "$home" "$proj")
printf "%s\n" "$out" | sed "s/^/# inside: /"
check chmod_inside_ran sh -c "echo '$out' | grep -qx ran"
for a in chmod lchmod fchmodat_dirfd; do
	check "chmod_${a}_of_home_refused_EROFS" sh -c "echo '$out' | grep -qx '$a ERRNO 30'"
done
check chmod_home_mode_unchanged test "$(stat -c %a "$home")" = "$mode0"
check chmod_of_home_recorded record syscall-chmod mount_ns EROFS "$home"
check chmod_proc_self_fd_form_recorded record syscall-chmod mount_ns EROFS /proc/self/fd/
check fchmodat_recorded record syscall-fchmodat mount_ns EROFS "$(basename "$home")"
check chmod_in_project_works sh -c "echo '$out' | grep -qx 'project_chmod OK' && echo '$out' | grep -qx 'project_chmod_world_writable OK'"

# --- the fanotify listener: secret names created later, secret inodes by any name -------------
# The link in a write tree of its own (a one-off --allow-write): in the project or a layered cache
# the masks planned at start hide it before the listener sees it (test_cache_layer).
wt=$home/cordon-files-wt
mkdir -p "$home/.ssh" "$wt"
chown "$USER_NAME:" "$home/.ssh" "$wt"
key=$home/.ssh/id_cordon_files_test
as_user sh -c "echo KEYDATA >$key && chmod 600 $key && ln -f $key $wt/innocent.txt"
cleanup_keys() { rm -rf "$key" "$wt"; }
trap 'cleanup; cleanup_keys' EXIT
check fan_outside_reads_hardlink_in_write_tree as_user grep -q KEYDATA "$wt/innocent.txt"
fan_probe="echo ran
echo SECRET >$proj/.env; cat $proj/.env; echo env_rc=\$?
echo k >$proj/SERVER.PEM; cat $proj/SERVER.PEM; echo pem_rc=\$?
cat $wt/innocent.txt; echo link_rc=\$?
echo fine >$proj/notes.txt; cat $proj/notes.txt; echo notes_rc=\$?"
out=$(EXTRA="--allow-write $wt" inside sh -c "$fan_probe")
printf "%s\n" "$out" | sed "s/^/# inside: /"
check fan_inside_ran sh -c "echo '$out' | grep -qx ran"
check fan_start_line_not_degraded_for_patterns sh -c "! grep -q 'not enforced.*secrets.patterns' $err"
check fan_env_created_in_session_refused_EPERM sh -c "echo '$out' | grep -qx 'env_rc=1' && ! echo '$out' | grep -qx SECRET"
check fan_env_record record file-open fanotify EPERM "$proj/.env"
check fan_upper_case_pem_refused sh -c "echo '$out' | grep -qx 'pem_rc=1' && ! echo '$out' | grep -qx k"
check fan_upper_case_pem_record record file-open fanotify EPERM "$proj/SERVER.PEM"
check fan_hardlink_to_ssh_key_in_write_tree_refused sh -c "echo '$out' | grep -qx 'link_rc=1' && ! echo '$out' | grep -q KEYDATA"
check fan_hardlink_record record file-open fanotify EPERM "$wt/innocent.txt"
check fan_ordinary_file_works sh -c "echo '$out' | grep -qx fine && echo '$out' | grep -qx 'notes_rc=0'"
# Outside processes raise no events: the .env the session could not read is readable outside.
check fan_outside_reads_env_made_inside as_user cat "$proj/.env"

# --- secret name variants: case, other projects' names, backup copies; templates readable -------
# Each name both made before the session (masked at start) and during it (the listener).
variants="SERVER.KEY prod.env Staging.ENV .env~ .env.bak .ENV.LOCAL server.pem~ deploy.key.orig id_rsa.old ID_ED25519.save keys.P12 cert.pfx.bak store.JKS"
templates=".env.example .env.sample .env.template"
mkdir -p "$proj/pre" "$proj/new"
chown "$USER_NAME:" "$proj/pre" "$proj/new"
for n in $variants $templates; do
	as_user sh -c "echo SECRET-$n >'$proj/pre/$n'"
	check "variant_outside_reads_$n" as_user grep -q "SECRET-$n" "$proj/pre/$n"
done
var_probe='echo ran
for n in '"$variants $templates"'; do
	cat "$1/pre/$n" >/dev/null 2>&1; echo "pre $n rc=$?"
	echo "SECRET-$n" >"$1/new/$n" 2>/dev/null; cat "$1/new/$n" >/dev/null 2>&1; echo "new $n rc=$?"
done'
out=$(inside sh -c "$var_probe" sh "$proj")
printf "%s\n" "$out" | sed "s/^/# inside: /"
check variant_inside_ran sh -c "echo '$out' | grep -qx ran"
for n in $variants; do
	check "variant_made_before_refused_$n" sh -c "echo '$out' | grep -qxF 'pre $n rc=1'"
	check "variant_made_during_refused_$n" sh -c "echo '$out' | grep -qxF 'new $n rc=1'"
	check "variant_made_during_record_$n" record file-open fanotify EPERM "$proj/new/$n"
done
check variant_made_before_record record syscall-openat mount_ns EACCES "$proj/pre/SERVER.KEY"
for n in $templates; do
	check "template_readable_$n" sh -c "echo '$out' | grep -qxF 'pre $n rc=0' && echo '$out' | grep -qxF 'new $n rc=0'"
done

# --- .env templates tracked by git: git diff, add -A and stash read them --------------------------
repo=$proj/repo
git_c="git -c user.email=agent@example.invalid -c user.name=agent"
as_user sh -c "mkdir -p $repo && cd $repo && git init -q && echo 'KEY=' >.env.example && echo a >a.txt &&
	$git_c add -A && $git_c commit -qm init"
git_probe="cd $repo && echo ran && echo 'KEY=changed' >.env.example &&
	git diff --stat | grep -q env.example && echo diff_ok &&
	git add -A && git diff --cached --name-only | grep -qx .env.example && echo add_ok &&
	$git_c stash -q && grep -qx 'KEY=' .env.example && echo stash_ok &&
	$git_c stash pop -q && grep -qx 'KEY=changed' .env.example && echo pop_ok"
out=$(as_user sh -c "$git_probe" 2>&1)
check git_template_outside_works sh -c "echo '$out' | grep -qx pop_ok"
as_user sh -c "cd $repo && git checkout -q -- . && git reset -q --hard"
out=$(inside sh -c "$git_probe" 2>&1)
printf "%s\n" "$out" | sed "s/^/# inside: /"
for s in diff_ok add_ok stash_ok pop_ok; do
	check "git_template_inside_$s" sh -c "echo '$out' | grep -qx $s"
done

# --- credential files inside read-allowed trees (base.yaml secrets.files, one test each) --------
creds=".m2/settings.xml .m2/settings-security.xml .gradle/gradle.properties .cargo/credentials
.cargo/credentials.toml .docker/config.json .npmrc .pypirc .netrc .git-credentials
.config/gh/hosts.yml .kube/config .config/gcloud/credentials.db .azure/accessTokens.json
.aws/credentials .gnupg/private.key .vault-token .gem/credentials .config/composer/auth.json
.composer/auth.json .terraform.d/credentials.tfrc.json .config/hub .config/containers/auth.json
.pgpass .my.cnf .s3cfg .boto .databrickscfg .oci/config .password-store/x.gpg
.local/share/keyrings/login.keyring"
made=() made_dirs=()
for c in $creds; do
	[[ -e $home/$c ]] && continue
	d=$(dirname "$home/$c")
	while [[ ! -e $d ]]; do made_dirs=("$d" "${made_dirs[@]}") && d=$(dirname "$d"); done
	as_user sh -c "mkdir -p '$(dirname "$home/$c")' && echo 'CRED-$c' >'$home/$c'"
	made+=("$home/$c")
done
# Only what this suite made is removed (reverse order: a directory after what is in it).
cleanup_creds() {
	rm -f "${made[@]}"
	((${#made_dirs[@]})) && printf '%s\n' "${made_dirs[@]}" | sort -r | xargs -d '\n' rmdir 2>/dev/null
}
trap 'cleanup; cleanup_keys; cleanup_creds' EXIT
for c in $creds; do
	check "cred_outside_readable_$c" as_user cat "$home/$c"
done
cred_probe='echo ran; for c in '"$(echo $creds)"'; do cat "$HOME/$c" >/dev/null 2>&1; echo "$c rc=$?"; done'
out=$(POLICY=agent inside sh -c "$cred_probe")
check cred_inside_ran sh -c "echo '$out' | grep -qx ran"
for c in $creds; do
	check "cred_inside_refused_$c" sh -c "echo '$out' | grep -qxF '$c rc=1'"
	check "cred_inside_record_$c" record syscall-openat mount_ns EACCES "$home/$c"
done

# --- credential variables (base.yaml secrets.env.deny): absent inside, what agents need kept -----
denied_vars="PGPASSWORD MYSQL_PWD DATABASE_URL REDIS_URL MONGODB_URI MONGO_URL APP_DATABASE_URL
database_url github_token GITHUB_TOKEN GH_TOKEN NPM_TOKEN HF_TOKEN_PATH AWS_SECRET_ACCESS_KEY
SECRET_KEY STRIPE_SECRET DB_PASSWORD db_password SMTP_PASSWD GPG_PASSPHRASE SIGNING_KEY
MY_SERVICE_API_KEY openai_api_key DEPLOY_PRIVATE_KEY_PATH GOOGLE_APPLICATION_CREDENTIALS
NPM_CONFIG__AUTH SENTRY_DSN VAULT_TOKEN DOCKER_HOST SSH_AUTH_SOCK GPG_AGENT_INFO"
kept_vars="PATH HOME TERM LANG USER SHELL ANTHROPIC_API_KEY OPENAI_API_KEY EDITOR XAUTHORITY KUBECONFIG"
env_args=()
for v in $denied_vars; do env_args+=("$v=cordon-canary"); done
for v in EDITOR XAUTHORITY KUBECONFIG ANTHROPIC_API_KEY OPENAI_API_KEY; do env_args+=("$v=kept"); done
out=$(export "${env_args[@]}" TERM=xterm LANG=C.UTF-8 && as_user env)
for v in $denied_vars; do
	check "env_outside_has_$v" sh -c "echo '$out' | grep -q '^$v=cordon-canary'"
done
out=$(export "${env_args[@]}" TERM=xterm LANG=C.UTF-8 && POLICY=agent inside sh -c 'echo ran; env')
check env_inside_ran sh -c "echo '$out' | grep -qx ran"
for v in $denied_vars; do
	check "env_inside_dropped_$v" sh -c "! echo '$out' | grep -q '^$v='"
done
for v in $kept_vars; do
	check "env_inside_kept_$v" sh -c "echo '$out' | grep -q '^$v='"
done
check env_start_line_names_dropped grep -q "not passed on:.* GITHUB_TOKEN" "$err"
check env_start_line_never_a_value sh -c "! grep -q cordon-canary '$err'"
# Root's --user gives the user's environment as su - does: a login PATH, the user's SHELL, and
# nothing naming root's home (each such exec would be a spurious refusal).
root_home=$(getent passwd root | cut -d: -f6)
out=$(export PYENV_ROOT=$root_home/.pyenv PATH=$root_home/.cargo/bin:/usr/bin:/bin TERM=xterm &&
	POLICY=agent inside sh -c 'echo ran; env')
check env_su_ran sh -c "echo '$out' | grep -qx ran"
check env_su_nothing_of_roots_home sh -c "! echo '$out' | grep -q '=.*$root_home'"
check env_su_login_path sh -c "echo '$out' | grep -q '^PATH=.*/usr/bin' && ! echo '$out' | grep -q '^PATH=.*cargo'"
check env_su_user_shell sh -c "echo '$out' | grep -qx 'SHELL=$(getent passwd "$USER_NAME" | cut -d: -f7)'"
check env_su_names_roots_variable grep -q "not passed on:.* PYENV_ROOT" "$err"
# The command itself is found in that login PATH, not in root's: the same name first in a
# directory of root's PATH (in the project: the session may exec there) and in /usr/local/bin.
rootbin=$proj/rootbin
mkdir -p "$rootbin"
printf '#!/bin/sh\necho from-roots-path\n' >"$rootbin/cordon-path-probe"
printf '#!/bin/sh\necho from-login-path\n' >/usr/local/bin/cordon-path-probe
chmod 755 "$rootbin" "$rootbin/cordon-path-probe" /usr/local/bin/cordon-path-probe
check env_su_path_probe_outside_finds_roots sh -c \
	"PATH=$rootbin:\$PATH cordon-path-probe | grep -qx from-roots-path"
out=$(PATH=$rootbin:$PATH inside cordon-path-probe)
check env_su_command_found_in_login_path test "$out" = from-login-path
rm -rf "$rootbin" /usr/local/bin/cordon-path-probe

# --- exec_deny by path for a program put in place during the session (the listener's exec
# permission events), by copy and by rename; other programs in the project still run -------------
pol=$proj.execdeny.yaml
printf 'name: execdeny\nextends: builtin:offline\nprocess:\n  exec_deny:\n    - %s/tools/deploy\n' "$proj" >"$pol"
as_user sh -c "mkdir -p $proj/tools && cp /bin/echo $proj/tools/deploy"
check exec_deny_outside_runs as_user "$proj/tools/deploy" ok
rm -rf "$proj/tools"
exec_probe="echo ran; mkdir -p $proj/tools && cp /bin/echo $proj/tools/deploy && cp /bin/echo $proj/tools/other
$proj/tools/deploy copied; echo copy_rc=\$?
$proj/tools/other other-runs; echo other_rc=\$?
rm $proj/tools/deploy && mv $proj/tools/other $proj/tools/deploy && $proj/tools/deploy renamed; echo rename_rc=\$?
cat $proj/tools/deploy >/dev/null; echo read_rc=\$?"
out=$(POLICY=$pol inside sh -c "$exec_probe")
printf "%s\n" "$out" | sed "s/^/# inside: /"
check exec_deny_inside_ran sh -c "echo '$out' | grep -qx ran"
check exec_deny_copy_refused sh -c "echo '$out' | grep -qx 'copy_rc=126' && ! echo '$out' | grep -qx copied"
check exec_deny_other_program_runs sh -c "echo '$out' | grep -qx other-runs && echo '$out' | grep -qx 'other_rc=0'"
check exec_deny_renamed_in_refused sh -c "echo '$out' | grep -qx 'rename_rc=126' && ! echo '$out' | grep -qx renamed"
check exec_deny_read_still_allowed sh -c "echo '$out' | grep -qx 'read_rc=0'"
check exec_deny_record record file-open fanotify EPERM "$proj/tools/deploy"
rm -f "$pol"

# --- fail closed: the listener killed, the session dies with it --------------------------------
"$CORDON" run --user "$USER_NAME" --project "$proj" --policy offline --allow-degraded \
	-- sh -c "echo \$\$ >$proj/agent.pid; exec sleep 60" </dev/null 2>/dev/null &
listener=$!
for _ in $(seq 50); do [[ -s $proj/agent.pid ]] && break; sleep 0.1; done
agent_host_pid=$(pgrep -u "$USER_NAME" -x sleep -n)
check fan_session_running_before test -n "$agent_host_pid"
kill -9 "$listener"
sleep 1
check fan_killing_listener_kills_session sh -c "! kill -0 ${agent_host_pid:-999999} 2>/dev/null"
