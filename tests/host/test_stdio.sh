#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# What crosses into a session on stdio: a socket made outside the session never passes its
# cgroup hooks, so an inherited UDP socket would reach any address. Outside cordon the send
# arrives; under cordon the launch is refused with a clear error and nothing arrives. A connected
# unix socketpair (how Node.js and other event loops pass stdio) still works. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=stdio/
session_setup stdio
trap 'rm -rf "$proj"' EXIT

# One python3 driver: a UDP receiver on loopback, the sender given the UDP socket as stdin.
CORDON=$CORDON USER_NAME=$USER_NAME PROJ=$proj /usr/bin/python3 - <<'EOF'
import os, socket, subprocess, sys

cordon, user, proj = os.environ["CORDON"], os.environ["USER_NAME"], os.environ["PROJ"]
run = [cordon, "run", "--user", user, "--project", proj, "--policy", "offline",
       "--allow-degraded", "--"]
send = ["/usr/bin/python3", "-c",
        "import socket,sys; s=socket.socket(fileno=0); s.sendto(b'leak', ('127.0.0.1', int(sys.argv[1])))"]

def check(ok, name, diag=""):
    print(("ok - " if ok else "not ok - ") + "stdio/" + name)
    for line in diag.splitlines():
        print("# " + line)

def attempt(prefix):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(1.0)
    port = rx.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    p = subprocess.run(prefix + send + [str(port)], stdin=tx.fileno(), capture_output=True,
                       text=True, timeout=60)
    try:
        got = rx.recv(16)
    except socket.timeout:
        got = b""
    return p, got

p, got = attempt(["setpriv", "--reuid", user, "--regid", user, "--clear-groups"])
check(got == b"leak", "inherited_udp_socket_sends_outside", p.stderr)
p, got = attempt(run)
check(p.returncode == 1, "inherited_udp_socket_launch_refused", "exit %d" % p.returncode)
check("standard input is a network socket" in p.stderr, "inherited_udp_socket_error_says_why",
      p.stderr)
check(got == b"", "inherited_udp_socket_nothing_sent")

a, b = socket.socketpair()
p = subprocess.run(run + ["sh", "-c", "echo via-socketpair"], stdin=b.fileno(),
                   stdout=b.fileno(), stderr=subprocess.PIPE, text=True, timeout=60)
b.close()
a.settimeout(5)
try:
    out = a.recv(64)
except socket.timeout:
    out = b""
check(p.returncode == 0 and out == b"via-socketpair\n", "connected_unix_socketpair_stdio_works",
      p.stderr)

u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
p = subprocess.run(run + ["true"], stdout=u.fileno(), capture_output=False,
                   stderr=subprocess.PIPE, text=True, timeout=60)
check(p.returncode == 1 and "unconnected socket" in p.stderr,
      "unconnected_unix_socket_stdout_refused", p.stderr)
EOF
