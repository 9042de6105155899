#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# A package registry of the test's own on loopback: one npm package with a bin, its metadata
# and tarball, so `npm install` and `npx` run for real without the internet.
# Usage: npm_registry.py PORT DIR  (writes DIR/ready once listening; logs requests to DIR/log)
import base64
import hashlib
import http.server
import io
import json
import os
import sys
import tarfile

NAME, VERSION = "cordon-hello", "1.0.0"
FILES = {
    "package/package.json": json.dumps({"name": NAME, "version": VERSION,
                                        "bin": {NAME: "bin/hello.js"}}).encode(),
    "package/bin/hello.js": b"#!/usr/bin/env node\nconsole.log('hello-from-' + process.argv.slice(2).join(' '));\n",
    "package/index.js": b"module.exports = () => 'hello-lib';\n",
}


def tarball():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in FILES.items():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), 0o755 if "/bin/" in name else 0o644, 0
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def main():
    port, d = int(sys.argv[1]), sys.argv[2]
    tgz = tarball()
    base = "http://127.0.0.1:%d" % port
    meta = {
        "name": NAME,
        "dist-tags": {"latest": VERSION},
        "versions": {VERSION: {
            "name": NAME, "version": VERSION, "bin": {NAME: "bin/hello.js"},
            "dist": {"tarball": "%s/%s/-/%s-%s.tgz" % (base, NAME, NAME, VERSION),
                     "shasum": hashlib.sha1(tgz).hexdigest(),
                     "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()},
        }},
    }
    body = json.dumps(meta).encode()
    log = open(os.path.join(d, "log"), "a", buffering=1)

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            log.write(self.path + "\n")
            if self.path.rstrip("/") == "/" + NAME:
                data, ctype = body, "application/json"
            elif self.path.endswith(".tgz"):
                data, ctype = tgz, "application/octet-stream"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    open(os.path.join(d, "ready"), "w").close()
    srv.serve_forever()


if __name__ == "__main__":
    main()
