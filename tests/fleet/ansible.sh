# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by guest.sh: tools/ansible/site.yml (the shipped example) applied to this machine with
# the local connection: installs, is idempotent, and refuses a broken floor without touching the
# running set.

# Only the minimal facts (the role needs os_family): the hardware ones take a minute under TCG.
export ANSIBLE_CONFIG=$FLEET/ansible/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_GATHER_SUBSET=min
inv=$OUT/inventory.ini
# Already root: no become method (sudo is not installed).
printf '[workstations]\nlocalhost ansible_connection=local ansible_become=false ansible_python_interpreter=/usr/bin/python3\n' >"$inv"
# play N [EXTRA ARGS]: one run, its output in ansible-N.log, its recap's changed= count echoed.
play() {
	local n=$1
	shift
	(cd "$FLEET/ansible" && timeout 600 ansible-playbook -i "$inv" site.yml \
		-e "cordon_deb=$FLEET/$DEB" "$@") >"$OUT/ansible-$n.log" 2>&1
}
changed() { sed -n 's/^localhost *:.* changed=\([0-9]*\).*/\1/p' "$OUT/ansible-$1.log"; }

t0=$SECONDS
play 1
rc=$?
echo "# ansible run 1: $((SECONDS - t0)) s, changed=$(changed 1)"
if ! check ansible_first_run_succeeds test $rc -eq 0; then
	tail -n 20 "$OUT/ansible-1.log" | diag
fi
check ansible_first_run_changes test "$(changed 1)" -gt 0
check ansible_service_active wait_active
check ansible_floor_installed_and_valid cordon policy check /etc/cordon/floor.yaml
check ansible_policy_installed test -f /etc/cordon/policies/team-agent.yaml
check ansible_journal_configured grep -q 'journal: true' /etc/cordon/cordon.yaml
check ansible_daemon_uses_floor sh -c "journalctl -u cordon -o cat |
	grep -q 'policy set [0-9]* in use.*floor /etc/cordon/floor.yaml'"

t0=$SECONDS
play 2
rc=$?
echo "# ansible run 2: $((SECONDS - t0)) s, changed=$(changed 2)"
check ansible_second_run_succeeds test $rc -eq 0
check "ansible_second_run_changed_0 (changed=$(changed 2))" test "$(changed 2)" = 0

# A broken floor: the role's validation (cordon policy check) refuses it before it replaces the
# installed file, and the daemon is neither reloaded nor restarted.
sum0=$(sha256sum /etc/cordon/floor.yaml)
pid0=$(main_pid)
# From the floor's task on: the package and configuration tasks before it were proven above.
play 3 -e cordon_floor_mode=bogus --start-at-task 'Install the site floor'
rc=$?
check ansible_broken_floor_fails test $rc -ne 0
check ansible_broken_floor_refused_by_validation grep -q 'failed to validate' "$OUT/ansible-3.log"
check ansible_broken_floor_not_installed test "$(sha256sum /etc/cordon/floor.yaml)" = "$sum0"
check ansible_broken_floor_daemon_untouched test "$(main_pid)" = "$pid0"

# A developer's session under what the role shipped.
as_user "cd $P && cordon run $RUNOPT --policy team-agent -- python3 attack.py" \
	>"$OUT/s3.out" 2>"$OUT/s3.err"
if ! check ansible_session_with_shipped_policy expect "$OUT/s3.out" "read_ssh_key=$DENIED" \
	"connect_9090=$DENIED" write_project=ok; then
	diag <"$OUT/s3.err"
fi
