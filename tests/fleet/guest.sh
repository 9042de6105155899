#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fleet suite inside the VM, run by fleet-test.service once systemd has booted: the package
# installed, upgraded, removed and purged under the real systemd, an ordinary user's sessions
# attacked through a PAM login, the audit file and journal read, the Ansible role applied.
# Prints TAP between CORDON-VM-BEGIN and CORDON-VM-END on the serial console.
set -u

FLEET=/fleet
OUT=$FLEET/out
# MODE (bpf or nobpf), ANSIBLE (1: apply the role), DEB and DEB_UP (the package and its
# rebuild with a bumped version, paths under /fleet).
# shellcheck source=/dev/null
. "$FLEET/env"
mkdir -p "$OUT"
export LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin

pass=0
fail=0
skip=0
ok() {
	echo "ok - $*"
	pass=$((pass + 1))
}
notok() {
	echo "not ok - $*"
	fail=$((fail + 1))
}
diag() { sed 's/^/# /'; }
# check NAME COMMAND...: the command's output goes to the log, shown only when it fails.
check() {
	local name=$1 log
	shift
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		ok "$name"
		rm -f "$log"
		return 0
	fi
	notok "$name"
	head -n 20 "$log" | diag
	rm -f "$log"
	return 1
}

U=dev
H=/home/$U
P=$H/proj
# as_user CMD: through a real PAM login (su -l: pam_systemd registers a logind session).
as_user() { su -l "$U" -c "$1"; }
# Sessions on a kernel without BPF LSM run with what the host tier gives (Landlock, seccomp,
# cgroup BPF): the shipped policy's name patterns need BPF LSM.
RUNOPT=
[[ $MODE == nobpf ]] && RUNOPT=--allow-degraded

echo "CORDON-VM-BEGIN $MODE"

# --- 1. the system ------------------------------------------------------------------------------
check systemd_is_pid1 test "$(cat /proc/1/comm)" = systemd
state=$(timeout 180 systemctl is-system-running --wait 2>&1)
if ! check "system_running_no_failed_units (state $state)" test "$state" = running; then
	systemctl --failed --no-legend | diag
fi
lsm=$(cat /sys/kernel/security/lsm)
echo "# kernel $(uname -r), lsm=$lsm"
if [[ $MODE == bpf ]]; then
	check lsm_list_has_bpf grep -qw bpf <<<"${lsm//,/ }"
else
	check lsm_list_lacks_bpf sh -c "! echo '${lsm//,/ }' | grep -qw bpf"
fi

# --- 2. the package -----------------------------------------------------------------------------
check dpkg_i_package dpkg -i "$FLEET/$DEB"
main_pid() { systemctl show -p MainPID --value cordon; }
wait_active() {
	for _ in $(seq 60); do
		[[ $(systemctl is-active cordon) == active && -S /run/cordon/cordon.sock ]] && return 0
		sleep 1
	done
	systemctl status --no-pager cordon
	return 1
}
check service_active_after_install wait_active
check service_is_type_notify test "$(systemctl show -p Type --value cordon)" = notify
status=$(systemctl show -p StatusText --value cordon)
check "service_status_text_serving ($status)" grep -q serving <<<"$status"
check socket_mode_0666 test "$(stat -c %a /run/cordon/cordon.sock)" = 666
exposure=$(systemd-analyze security --no-pager cordon 2>/dev/null | tail -n 1)
echo "# systemd-analyze security: $exposure"
echo "$exposure" >"$OUT/exposure"
fig=$(grep -oE '[0-9]+\.[0-9]+' <<<"$exposure" | head -n 1)
# The unit gives up mount and seccomp sandboxing on purpose (the agent would inherit it): the
# figure is recorded, and only a step to UNSAFE (9.6+, everything dropped) fails.
check "systemd_analyze_security_figure ($fig)" awk -v f="${fig:-99}" 'BEGIN { exit !(f < 9.6) }'

# --- 3. an ordinary user, outside cordon first --------------------------------------------------
useradd -m -s /bin/bash "$U"
install -d -o "$U" -g "$U" -m 0700 "$H/.ssh" "$P"
echo "-----BEGIN FLEET TEST KEY-----" >"$H/.ssh/id_rsa"
chown "$U:$U" "$H/.ssh/id_rsa"
chmod 0600 "$H/.ssh/id_rsa"
ln -s "$H/.ssh/id_rsa" "$P/key-link"
cp "$FLEET/attack.py" "$FLEET/probe.sh" "$P/"
chown -h "$U:$U" "$P"/*
# Listeners on the loopback: 8000 and 8050 are in the shipped policy's allowed range, 9090 is not.
/usr/bin/python3 "$FLEET/listen.py" 8000 8050 9090 &
listener=$!
sleep 2

cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
logind=$(as_user 'cat /proc/self/cgroup')
check "pam_login_is_a_logind_session ($logind)" grep -q 'user-[0-9]*\.slice/session-.*\.scope' \
	<<<"$logind"
as_user "cd $P && python3 attack.py" >"$OUT/control.out" 2>&1
for r in read_ssh_key read_key_via_link connect_9090 connect_8050 write_outside connect_user_bus \
	connect_user_systemd connect_system_bus; do
	check "control_unconfined_$r" grep -qx "$r=ok" "$OUT/control.out"
done
rm -f "$H/outside.txt" "$P/made-in-session.txt"

# Refusals: Landlock and BPF LSM say EACCES, the cgroup socket programs EPERM, a path of the
# session's read-only view EROFS.
DENIED='(EACCES|EPERM|EROFS)'
# expect FILE NAME=RESULT...: each attack's result as attack.py printed it (extended regexps).
expect() {
	local f=$1 e
	shift
	for e; do
		grep -qxE "$e" "$f" || {
			echo "expected $e in:"
			cat "$f"
			return 1
		}
	done
}

# --- 4. a session through the daemon: attacks and legitimate work ------------------------------
as_user "cd $P && cordon run $RUNOPT -- sh -c 'echo ran=\$(id -un); python3 attack.py;
	cat ~/.ssh/id_rsa; echo cat_rc=\$?;
	XDG_RUNTIME_DIR=/run/user/\$(id -u) DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/\$(id -u)/bus \
	timeout 60 systemd-run --user --wait --pipe --quiet cat ~/.ssh/id_rsa; echo sdrun_rc=\$?'" \
	>"$OUT/s1.out" 2>"$OUT/s1.err"
s1=$(sed -n 's/^cordon: session \([0-9a-f]*\) .*/\1/p' "$OUT/s1.err" | head -n 1)
check "session_made_by_daemon ($s1)" grep -q 'cgroup_bpf=on' "$OUT/s1.err" ||
	diag <"$OUT/s1.err"
check session_command_ran_as_user grep -qx "ran=$U" "$OUT/s1.out"
check session_refuses_ssh_key expect "$OUT/s1.out" "read_ssh_key=$DENIED" \
	"read_key_via_link=$DENIED"
check session_refuses_shell_read_of_key sh -c "grep -qx 'cat_rc=1' '$OUT/s1.out' &&
	! grep -q 'BEGIN FLEET' '$OUT/s1.out'"
check session_refuses_connect_outside_policy expect "$OUT/s1.out" "connect_9090=$DENIED"
check session_refuses_write_outside_project expect "$OUT/s1.out" "write_outside=$DENIED"
# The user's sockets (reachable in the control above) may also be absent from the session's view.
check session_refuses_user_and_system_managers expect "$OUT/s1.out" \
	"connect_user_bus=($DENIED|ENOENT)" "connect_user_systemd=($DENIED|ENOENT)" \
	"connect_system_bus=$DENIED"
check session_allows_project_work expect "$OUT/s1.out" connect_8000=ok connect_8050=ok \
	write_project=ok
check session_systemd_run_user_gets_no_key sh -c "grep -q '^sdrun_rc=' '$OUT/s1.out' &&
	! grep -q 'BEGIN FLEET' '$OUT/s1.out'"
grep '^sdrun_rc=' "$OUT/s1.out" | diag

sleep 1
audit=/var/log/cordon/audit.jsonl
check audit_file_records_ssh_key_refusal sh -c "grep -F '\"session\":\"$s1' $audit |
	grep '\"outcome\":\"failure\"' | grep -q id_rsa"
check audit_file_records_connect_refusal sh -c "grep -F '\"session\":\"$s1' $audit |
	grep '\"outcome\":\"failure\"' | grep -q 9090"
check audit_file_records_write_refusal sh -c "grep -F '\"session\":\"$s1' $audit |
	grep '\"outcome\":\"failure\"' | grep -q outside.txt"
check audit_file_mode_0600 test "$(stat -c %a "$audit")" = 600

# --- 5. reload: the configuration (journal on) and a floor that narrows the network ------------
pid0=$(main_pid)
sed -i 's/^  journal: false/  journal: true/' /etc/cordon/cordon.yaml
# Auto-confinement (BPF LSM only): a configured agent executable, started from a login shell
# without `cordon run`, runs confined. The "agent" here is a copy of cat.
if [[ $MODE == bpf ]]; then
	install -m 0755 /usr/bin/cat /usr/local/bin/fleet-agent
	printf 'confine:\n  - exec: /usr/local/bin/fleet-agent\n    policy: agent\n' \
		>>/etc/cordon/cordon.yaml
fi
cat >/etc/cordon/floor.yaml <<'EOF'
name: site-floor
network:
  connect: ["127.0.0.1:8000"]
EOF
check floor_checks cordon policy check /etc/cordon/floor.yaml
check systemctl_reload systemctl reload cordon
sleep 2
check reload_keeps_main_pid test "$(main_pid)" = "$pid0"
check reload_logged_new_policy_set sh -c \
	"journalctl -u cordon -o cat | grep -q 'policy set 2 in use.*floor /etc/cordon/floor.yaml'"
if [[ $MODE == bpf ]]; then
	check auto_confine_control_cat_reads_key sh -c "su -l $U -c 'cat ~/.ssh/id_rsa' |
		grep -q 'BEGIN FLEET'"
	as_user "cd $P && /usr/local/bin/fleet-agent ~/.ssh/id_rsa; echo rc=\$?" >"$OUT/auto.out" 2>&1
	check auto_confine_agent_from_login_shell_refused sh -c "grep -qx rc=1 '$OUT/auto.out' &&
		grep -q 'Permission denied' '$OUT/auto.out' && ! grep -q 'BEGIN FLEET' '$OUT/auto.out'"
	diag <"$OUT/auto.out"
fi
as_user "cd $P && cordon run $RUNOPT -- python3 attack.py" >"$OUT/s2.out" 2>"$OUT/s2.err"
s2=$(sed -n 's/^cordon: session \([0-9a-f]*\) .*/\1/p' "$OUT/s2.err" | head -n 1)
check reload_floor_narrows_new_sessions expect "$OUT/s2.out" connect_8000=ok \
	"connect_8050=$DENIED" "read_ssh_key=$DENIED"
sleep 2

# The journal: the records of the session, selected by the unit, with their fields and priority.
journalctl -u cordon -o json >"$OUT/journal.json"
check journal_has_session_records_with_fields python3 "$FLEET/journal_check.py" \
	"$OUT/journal.json" "$s2"
# A user sends an entry that claims to be cordon's (identifier, fields, even UNIT=); journald
# stamps _SYSTEMD_UNIT itself, so `-u cordon` must not show it.
as_user "printf 'SYSLOG_IDENTIFIER=cordon\nCORDON_SESSION=forged0000\nCORDON_OUTCOME=failure\nUNIT=cordon.service\n_SYSTEMD_UNIT=cordon.service\nMESSAGE={\"forged\":true}\n' |
	logger --journald"
sleep 1
check forged_entry_reached_the_journal sh -c \
	"journalctl SYSLOG_IDENTIFIER=cordon -o json | grep -q forged0000"
check forged_entry_not_under_unit sh -c "! journalctl -u cordon -o json | grep -q forged0000"
rm -f /etc/cordon/floor.yaml
systemctl reload cordon
sleep 1
# For the host, which validates every record against docs/audit-schema.json.
cp -f "$audit" "$OUT/audit.jsonl"

# Log shipping as the README shows it, with Debian's own shipper (Vector and Fluent Bit are not
# packaged in Debian 12): rsyslog reads the file with the package's example configuration and
# writes every record, parsed, to a local file sink.
ex=/usr/share/doc/cordon/examples/rsyslog-cordon.conf
check rsyslog_example_installed test -f "$ex"
install -m 0644 "$ex" /etc/rsyslog.d/cordon.conf
check rsyslog_config_valid rsyslogd -N1
check rsyslog_restart systemctl restart rsyslog
sink=/var/log/cordon-shipped/audit.jsonl
n=$(wc -l <"$OUT/audit.jsonl")
for _ in $(seq 60); do
	[ "$(cat "$sink" 2>/dev/null | wc -l)" -ge "$n" ] && break
	sleep 1
done
check "rsyslog_ships_every_record_parsed ($n)" python3 "$FLEET/shipped_check.py" \
	"$OUT/audit.jsonl" "$sink"
check rsyslog_nothing_unparsed test ! -s /var/log/cordon-shipped/unparsed.log

# --- 6. a running session through restart, daemon-reload, user managers, upgrade, removal -------
as_user "cd $P && setsid cordon run $RUNOPT -- sh probe.sh >probe.out 2>probe.err </dev/null &"
for _ in $(seq 60); do
	[[ -s $P/pid ]] && break
	sleep 1
done
# The agent's pid as this namespace sees it (the session has a pid namespace of its own).
apid=$(pgrep -o -u "$U" -f '^sh probe\.sh$')
cg0=$(cgroup_of "${apid:-0}")
check "probe_session_in_cordon_cgroup ($cg0)" grep -q '^/cordon/' <<<"$cg0"
n=0
# probe NAME: the running session attacks again; still refused, same process, same cgroup.
probe() {
	local name=$1
	n=$((n + 1))
	touch "$P/go-$n"
	for _ in $(seq 60); do
		[[ -f $P/res-$n ]] && break
		sleep 1
	done
	if ! check "${name}_session_alive_same_cgroup" test "$(cgroup_of "$apid")" = "$cg0"; then
		echo "agent $apid now in '$(cgroup_of "$apid")', was in $cg0" | diag
	fi
	check "${name}_session_still_confined" expect "$P/res-$n" "read_ssh_key=$DENIED" \
		"connect_9090=$DENIED" "write_outside=$DENIED" connect_8000=ok
}
probe started

pid0=$(main_pid)
check systemctl_restart systemctl restart cordon
check restart_new_daemon_active wait_active
check restart_new_main_pid test "$(main_pid)" != "$pid0"
probe after_restart

check systemctl_daemon_reload systemctl daemon-reload
probe after_daemon_reload

pid0=$(main_pid)
check dpkg_i_upgrade dpkg -i "$FLEET/$DEB_UP"
check upgrade_version_installed test "$(dpkg-query -W -f '${Version}' cordon)" = "$UP_VERSION"
check upgrade_service_active wait_active
check upgrade_restarted_daemon test "$(main_pid)" != "$pid0"
probe after_upgrade

# A corrupted upgrade: a daemon binary that cannot start. The failure shows in systemctl status,
# the session stays confined by what is pinned; installing the good package again (a downgrade)
# brings the service back.
# The postinst fails when the daemon does not start: dpkg (and apt, Ansible) report it.
dpkg -i "$FLEET/$DEB_BAD" >"$OUT/bad-upgrade.log" 2>&1
rc=$?
echo "# dpkg -i of the corrupted package: exit $rc"
check corrupted_upgrade_fails_dpkg test "$rc" -ne 0
check corrupted_upgrade_says_why grep -q "the daemon did not restart" "$OUT/bad-upgrade.log"
check corrupted_upgrade_installed sh -c "dpkg-query -W -f '\${Version}' cordon | grep -q 'fleet2$'"
sleep 3
systemctl status --no-pager cordon >"$OUT/bad-status.log" 2>&1
check corrupted_upgrade_not_active sh -c '! systemctl is-active -q cordon'
check corrupted_upgrade_visible_in_status grep -qE 'status=1|failed|exit-code' \
	"$OUT/bad-status.log"
grep -E 'Active:|Process:|Main PID:' "$OUT/bad-status.log" | diag
probe after_corrupted_upgrade
check reinstall_good_package dpkg -i "$FLEET/$DEB_UP"
check reinstall_service_active wait_active

# The user's own systemd works (control). Asked by the user to take an agent into a scope of its
# own, PID 1 moves it (it moves processes of the caller's uid on the caller's behalf) out of its
# session cgroup, where the session's cgroup programs and limits would no longer apply: the
# session kills it (the daemon, through a pidfd; the programs themselves at the move on 6.13+)
# and records a cgroup-escape naming PID 1 as the mover. A session of its own, while the daemon
# runs; the probe session above is left alone.
check user_systemd_run_works as_user 'timeout 60 systemd-run --user --wait --quiet true'
as_user "cd $P && setsid cordon run $RUNOPT -- sh -c 'exec sleep 601' >grab-run.out 2>grab-run.err </dev/null &"
for _ in $(seq 60); do
	gpid=$(pgrep -o -u "$U" -x -f 'sleep 601')
	[[ -n $gpid ]] && break
	sleep 1
done
check "grab_agent_in_cordon_cgroup ($(cgroup_of "${gpid:-0}"))" grep -q '^/cordon/' \
	<<<"$(cgroup_of "${gpid:-0}")"
as_user "busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
	org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' grab.scope fail 1 \
	PIDs au 1 ${gpid:-0} 0" >"$OUT/grab.out" 2>&1
echo "# StartTransientUnit: exit $?"
diag <"$OUT/grab.out"
# gone PID: exited, or a zombie its parent has not reaped yet, within 5 s.
gone() {
	for _ in $(seq 50); do
		[[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null || echo X) == [XZ] ]] && return 0
		sleep 0.1
	done
	echo "pid $1 alive in '$(cgroup_of "$1")'"
	return 1
}
check user_manager_move_kills_agent gone "${gpid:-0}"
sleep 1
escape_recorded() {
	python3 - "$audit" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == "cgroup-escape" and
            str(r.get("process", {}).get("pid")) == sys.argv[2] and
            c.get("mover_pid") == 1 and c.get("killed") is True):
        print(line.strip())
        sys.exit(0)
sys.exit(1)
PY
}
check user_manager_move_recorded escape_recorded "${gpid:-0}"
grep cgroup-escape "$audit" | tail -n 2 | diag
probe after_user_manager_grab
# For the host, which validates every record against docs/audit-schema.json.
cp -f "$audit" "$OUT/audit.jsonl"

check apt_remove apt-get remove -y -q cordon
check remove_stops_service sh -c '! systemctl is-active -q cordon'
check remove_removes_binary test ! -e /usr/bin/cordon
check remove_keeps_configuration test -f /etc/cordon/cordon.yaml
probe after_remove

# A policy of the site's own, which the package does not own: purge leaves it.
mkdir -p /etc/cordon/policies
printf 'name: site\nextends: agent\n' >/etc/cordon/policies/site.yaml
check apt_purge apt-get purge -y -q cordon
check purge_removes_package_configuration test ! -e /etc/cordon/cordon.yaml
check purge_keeps_site_policy test -f /etc/cordon/policies/site.yaml
rm -rf /etc/cordon
check purge_removes_audit_logs test ! -e /var/log/cordon
check purge_removes_unit sh -c "! systemctl cat cordon >/dev/null 2>&1 &&
	test ! -e /etc/systemd/system/multi-user.target.wants/cordon.service"
probe after_purge
echo "# after purge: /run/cordon holds $(find /run/cordon -mindepth 1 -maxdepth 1 2>/dev/null |
	wc -l) entries, /sys/fs/bpf/cordon $(find /sys/fs/bpf/cordon -mindepth 1 2>/dev/null | wc -l)"

# The session ends as any process does.
kill -KILL "$apid" 2>/dev/null
touch "$P/stop"

# --- 7. the Ansible role, applied with the local connection -------------------------------------
if [[ ${ANSIBLE:-0} == 1 ]]; then
	# shellcheck source=tests/fleet/ansible.sh
	. "$FLEET/ansible.sh"
fi

kill "$listener" 2>/dev/null
echo "CORDON-VM-END pass=$pass fail=$fail skip=$skip"
