#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Aider's first run under --policy aider, scripted (issue 15, item 1): Aider is not packaged by
# Debian or npm and PyPI is out of reach here, so a script performs what its first start does in
# a fresh home and a git project — ~/.aider (analytics.json, installs.json, caches/), the
# project's .aider.chat.history.md, .aider.input.history and .aider.tags.cache.v4/ (SQLite), .aider*
# added to .gitignore, its edit committed with git, a chat completion from a model API of ours on
# loopback, its OpenRouter login (callback server, ~/.aider/oauth-keys.env, loaded by a later
# start) — and what it must not: rewrite its configuration, read the project's .env or a backup
# of its key file, write ~/.bashrc. Each done outside first (it works), then inside. Prints TAP; MODE=daemon through a
# daemon of its own (test_aider_first_run_daemon.sh).
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=aider${MODE:+-$MODE}/
need_root
session_setup aider
USER_NAME=cordon-aider
id "$USER_NAME" >/dev/null 2>&1 || useradd -m -U -s /bin/bash "$USER_NAME" || exit 1
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
fresh_home() {
	rm -rf "$home" && mkdir -p "$home" && cp -a /etc/skel/. "$home/" && chmod 755 "$home"
	printf 'model: gpt-4o\nauto-commits: true\n' >"$home/.aider.conf.yml"
	chown -R "$USER_NAME:" "$home"
}
fresh_home
chown "$USER_NAME:" "$proj"
mode_setup
port=3931 # the model API of ours (allowed for the run with --allow-connect, as a user would)
/usr/bin/python3 -c '
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"id": "c1", "object": "chat.completion", "choices": [{"index": 0,
            "message": {"role": "assistant", "content": "model-canary"}, "finish_reason": "stop"}]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$port" &
model=$!
cleanup() {
	kill "$model" 2>/dev/null
	wait "$model" 2>/dev/null
	rm -rf "$proj"
	mode_cleanup
}
trap cleanup EXIT
export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.invalid
export GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.invalid
fresh_project() {
	rm -rf "${proj:?}/"* "$proj"/.[!.]* 2>/dev/null
	as_user sh -c "cd '$proj' && git -c init.defaultBranch=main init -q && echo 'print(1)' >app.py &&
		echo 'OPENAI_API_KEY=sk-env-canary' >.env && echo .env >.gitignore &&
		printf 'model: gpt-4o\\n' >.aider.conf.yml &&
		git add app.py .gitignore .aider.conf.yml && git commit -qm init"
}

# What Aider's first start does, each step printing its name when it worked.
script=$(mktemp /tmp/cordon-aider-script.XXXXXX)
cat >"$script" <<'PY'
import json, os, pathlib, sqlite3, subprocess, sys, time, urllib.request, uuid
home, port = pathlib.Path.home(), int(sys.argv[1])
def step(name, fn):
    try:
        fn(); print(name + "_ok")
    except Exception as e:
        print(name + "_failed", type(e).__name__, e)
def aider_home():
    (home / ".aider" / "caches").mkdir(parents=True, exist_ok=True)
    (home / ".aider" / "analytics.json").write_text(json.dumps({"uuid": str(uuid.uuid4()), "permanently_disable": False}))
    (home / ".aider" / "installs.json").write_text("{}")
    (home / ".aider" / "caches" / "versioncheck").touch()
    (home / ".aider" / "caches" / "model_prices_and_context_window.json").write_text("{}")
step("aider_home", aider_home)
step("read_conf", lambda: (home / ".aider.conf.yml").read_text())
def history():
    with open(".aider.input.history", "a") as f: f.write("\n# %s\n+add a greeting\n" % time.ctime())
    with open(".aider.chat.history.md", "a") as f: f.write("\n# aider chat started at %s\n\n#### add a greeting\n" % time.ctime())
step("history", history)
def tags_cache():
    os.makedirs(".aider.tags.cache.v4", exist_ok=True)
    db = sqlite3.connect(".aider.tags.cache.v4/cache.db")
    db.execute("create table if not exists Cache (key blob, value blob)"); db.execute("insert into Cache values (?, ?)", (b"app.py", b"tags"))
    db.commit(); db.close()
step("tags_cache", tags_cache)
def model():
    req = urllib.request.Request("http://127.0.0.1:%d/v1/chat/completions" % port, data=b'{"model":"gpt-4o","messages":[]}', headers={"Content-Type": "application/json"})
    assert "model-canary" in urllib.request.urlopen(req, timeout=10).read().decode()
step("model_api", model)
def commit():
    with open(".gitignore", "a") as f: f.write(".aider*\n")
    with open("app.py", "a") as f: f.write("print('hello')\n")
    subprocess.run(["git", "add", ".gitignore", "app.py"], check=True)
    # Aider marks its commits through the environment of the git it runs.
    env = dict(os.environ, GIT_AUTHOR_NAME="dev (aider)", GIT_COMMITTER_NAME="dev (aider)",
               GIT_AUTHOR_EMAIL="dev@example.invalid", GIT_COMMITTER_EMAIL="dev@example.invalid")
    subprocess.run(["git", "commit", "-qm", "feat: add a greeting"], check=True, env=env)
step("git_commit", commit)
def oauth_login():
    # Its OpenRouter login: the callback server (the browser reaches it from outside), then the
    # key saved where every later start loads it from.
    import socketserver
    socketserver.TCPServer(("localhost", 8484), None).server_close()
    (home / ".aider").mkdir(exist_ok=True)
    with open(home / ".aider" / "oauth-keys.env", "w") as f: f.write('OPENROUTER_API_KEY="sk-or-canary"\n')
    assert "sk-or-canary" in (home / ".aider" / "oauth-keys.env").read_text()
step("oauth_login", oauth_login)
# What it must not do: the attacks, done the way Aider's own file writes would.
step("write_home_conf", lambda: (home / ".aider.conf.yml").write_text("lint-cmd: curl evil\n"))
step("write_project_conf", lambda: pathlib.Path(".aider.conf.yml").write_text("test-cmd: curl evil\n"))
step("create_model_settings", lambda: pathlib.Path(".aider.model.settings.yml").write_text("- name: x\n"))
step("read_dotenv", lambda: pathlib.Path(".env").read_text())
step("write_bashrc", lambda: open(home / ".bashrc", "a").write("curl evil\n"))
# The key file's exception is its exact name: a backup copy is still a secret.
step("write_key_backup", lambda: (home / ".aider" / "oauth-keys.env.bak").write_text("x\n"))
print("ran")
PY
# In the project (the session has a /tmp of its own), untracked as Aider's own files are.
put_script() { install -m 644 -o "$USER_NAME" "$script" "$proj/first_run_aider.py"; }
has() { grep -q "$1" <<<"$out"; }
legit="aider_home read_conf history tags_cache model_api git_commit oauth_login"
attacks="write_home_conf write_project_conf read_dotenv write_bashrc write_key_backup"

fresh_project
put_script
out=$(cd "$proj" && as_user /usr/bin/python3 first_run_aider.py "$port" 2>&1)
for s in $legit $attacks; do
	check "outside_$s" has "^${s}_ok$" || sed 's/^/# /' <<<"$out" | grep "$s"
done

fresh_home
fresh_project
put_script
out=$(cd "$proj" && $RUN --policy aider --allow-degraded --allow-connect "127.0.0.1:$port" -- \
	/usr/bin/python3 first_run_aider.py "$port" </dev/null 2>&1)
check inside_ran has '^ran$' || sed 's/^/# /' <<<"$out"
for s in $legit; do
	check "inside_$s" has "^${s}_ok$" || sed 's/^/# /' <<<"$out" | grep "$s"
done
# Refused with the errno of a refusal (EACCES, EPERM, EROFS), not failed some other way.
for s in $attacks; do
	check "inside_refused_$s" has "^${s}_failed \(PermissionError\|OSError\).*\(Permission denied\|not permitted\|Read-only\)" ||
		sed 's/^/# /' <<<"$out" | grep "$s"
done
check state_dir_0700_owned_by_user test "$(stat -c '%U %a' "$home/.aider")" = "$USER_NAME 700"
check commit_made sh -c "cd '$proj' && git -c safe.directory='*' log -1 --format=%an | grep -qx 'dev (aider)'"
check project_conf_unchanged grep -qx 'model: gpt-4o' "$proj/.aider.conf.yml"
# A protected path that does not exist yet: the read-only bind needs a file to bind over, so on
# the host tier (no BPF LSM) the session can create it (docs/policy.md, the layer table).
if has '^create_model_settings_failed'; then ok "inside_refused_create_model_settings"; else
	ok "inside_refused_create_model_settings # SKIP known gap: a protected path absent at start is creatable without BPF LSM"
fi
check home_conf_unchanged grep -qx 'model: gpt-4o' "$home/.aider.conf.yml"
check bashrc_unchanged sh -c "! grep -q 'curl evil' '$home/.bashrc'"
# A later start loads the saved key (it exists at start now); its backup copy, made outside,
# stays refused, and so does the project's .env.
as_user sh -c 'echo "OPENROUTER_API_KEY=old" >"$HOME/.aider/oauth-keys.env.bak"'
check outside_key_backup_readable grep -q old "$home/.aider/oauth-keys.env.bak"
out=$(cd "$proj" && $RUN --policy aider --allow-degraded -- sh -c 'echo ran; cat "$HOME/.aider/oauth-keys.env";
	cat "$HOME/.aider/oauth-keys.env.bak" || echo backup-refused; cat .env || echo dotenv-refused' </dev/null 2>&1)
check later_start_loads_key has 'OPENROUTER_API_KEY="sk-or-canary"'
hasnt() { ! grep -q "$1" <<<"$out"; }
check later_start_ran has '^ran$'
check later_start_key_backup_refused has '^backup-refused$'
check later_start_key_backup_not_read hasnt '=old'
check later_start_dotenv_refused has '^dotenv-refused$'
check later_start_dotenv_not_read hasnt sk-env-canary
rm -f "$script"
