# SPDX-License-Identifier: GPL-2.0-only
# The fleet suite's attacks and legitimate work, run as the user outside cordon (the control)
# and inside sessions: one "NAME=ok" or "NAME=ERRNO" line each.
import errno
import os
import socket

home = os.environ["HOME"]


def attempt(name, action):
    try:
        action()
        print(f"{name}=ok", flush=True)
    except OSError as e:
        print(f"{name}={errno.errorcode.get(e.errno, e.errno)}", flush=True)


def read(path):
    with open(path) as f:
        f.read()


def write(path):
    with open(path, "w") as f:
        f.write("written\n")


def connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def unix_connect(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)


attempt("read_ssh_key", lambda: read(home + "/.ssh/id_rsa"))
attempt("read_key_via_link", lambda: read(home + "/proj/key-link"))
attempt("connect_9090", lambda: connect(9090))
attempt("connect_8000", lambda: connect(8000))
attempt("connect_8050", lambda: connect(8050))
# The user's own service manager and session bus: a session that reached either could have a
# command started outside it (systemd-run --user, without the refused systemd-run binary).
run_user = f"/run/user/{os.getuid()}"
attempt("connect_user_bus", lambda: unix_connect(run_user + "/bus"))
attempt("connect_user_systemd", lambda: unix_connect(run_user + "/systemd/private"))
attempt("connect_system_bus", lambda: unix_connect("/run/dbus/system_bus_socket"))
attempt("write_outside", lambda: write(home + "/outside.txt"))
attempt("write_project", lambda: write(home + "/proj/made-in-session.txt"))
