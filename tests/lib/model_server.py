#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# A scripted model for the real-agent end-to-end test: speaks enough of the Anthropic Messages
# API and of the OpenAI Responses API (streaming SSE or JSON) to walk a CLI through a fixed list of tool calls, records every
# request and every tool_result it gets back, and counts bytes sent to an "exfil" listener.
"""Usage: model_server.py SCRIPT.json LOGDIR

SCRIPT.json: {"steps": [{"name": N, "tool": T, "input": {...}}, ...]}; "@EXFIL_PORT@" in an
input stands for the exfil listener's port.
Writes LOGDIR/port (model API), LOGDIR/exfil_port, LOGDIR/requests.jsonl (every request),
LOGDIR/results/NAME (the text of the tool_result for step NAME, "ERROR: " first when is_error),
LOGDIR/exfil.log (whatever reached the exfil listener). Stdlib only; binds 127.0.0.1 for the
model API and 0.0.0.0 for the exfil listener (reached through a non-loopback address)."""

import json
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPT = json.load(open(sys.argv[1]))["steps"]
LOG = sys.argv[2]
LOCK = threading.Lock()
EXFIL_PORT = 0


def log_line(name, obj):
    with LOCK, open(os.path.join(LOG, name), "a") as f:
        f.write(json.dumps(obj) + "\n")


def result_text(block):
    c = block.get("content", "")
    if isinstance(c, list):
        c = "\n".join(x.get("text", "") for x in c if isinstance(x, dict))
    return ("ERROR: " if block.get("is_error") else "") + str(c)


def record_results(messages):
    """Every tool_result in the conversation, by the step its tool_use id names."""
    for m in messages:
        if m.get("role") != "user" or not isinstance(m.get("content"), list):
            continue
        for b in m["content"]:
            if b.get("type") == "tool_result" and b.get("tool_use_id", "").startswith("toolu_e2e_"):
                name = SCRIPT[int(b["tool_use_id"][len("toolu_e2e_"):])]["name"]
                with LOCK, open(os.path.join(LOG, "results", name), "w") as f:
                    f.write(result_text(b))


def next_reply(body):
    """The main loop (its tools include Bash) gets the next step; any side request
    (titles, summaries) gets a short text."""
    tools = [t.get("name") for t in body.get("tools") or []]
    if "Bash" not in tools:
        return [{"type": "text", "text": "ok"}], "end_turn"
    msgs = body.get("messages", [])
    record_results(msgs)
    # Steps already taken: the tool_use blocks in the conversation (the CLI merges consecutive
    # assistant turns into one message, so count blocks, not messages).
    done = sum(1 for m in msgs if m.get("role") == "assistant" and isinstance(m.get("content"), list)
               for b in m["content"] if b.get("type") == "tool_use")
    if done >= len(SCRIPT):
        return [{"type": "text", "text": "E2E-SCRIPT-DONE"}], "end_turn"
    return [{"type": "tool_use", "id": "toolu_e2e_%02d" % done, "name": SCRIPT[done]["tool"],
             "input": step_input(done)}], "tool_use"


def step_input(i):
    # The exfil listener's port is known only once it listens: "@EXFIL_PORT@" in the script.
    return json.loads(json.dumps(SCRIPT[i]["input"]).replace("@EXFIL_PORT@", str(EXFIL_PORT)))


def next_response(body):
    """The OpenAI Responses API (Codex): tool calls are function_call items in the output,
    their results function_call_output items in the next request's input."""
    items = body.get("input") or []
    if isinstance(items, str) or not body.get("tools"):
        return {"type": "message", "role": "assistant", "id": "msg_e2e",
                "content": [{"type": "output_text", "text": "ok", "annotations": []}]}
    for it in items:
        cid = it.get("call_id", "") if isinstance(it, dict) else ""
        if it.get("type") in ("function_call_output", "custom_tool_call_output") and cid.startswith("call_e2e_"):
            out = it.get("output")
            if isinstance(out, dict):
                out = out.get("content", json.dumps(out))
            elif isinstance(out, list):
                out = "\n".join(x.get("text", "") for x in out if isinstance(x, dict))
            with LOCK, open(os.path.join(LOG, "results", SCRIPT[int(cid[len("call_e2e_"):])]["name"]), "w") as f:
                f.write(str(out))
    done = sum(1 for it in items if isinstance(it, dict) and it.get("type") in ("function_call", "custom_tool_call"))
    if done >= len(SCRIPT):
        return {"type": "message", "role": "assistant", "id": "msg_e2e",
                "content": [{"type": "output_text", "text": "E2E-SCRIPT-DONE", "annotations": []}]}
    return {"type": "function_call", "id": "fc_e2e_%02d" % done, "call_id": "call_e2e_%02d" % done,
            "name": SCRIPT[done]["tool"], "arguments": json.dumps(step_input(done))}


class Model(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, ctype, data):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        log_line("requests.jsonl", {"method": "GET", "path": self.path})
        self.send(404, "application/json", b'{"type":"error","error":{"type":"not_found_error"}}')

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        log_line("requests.jsonl", {"method": "POST", "path": self.path, "body": raw.decode("utf-8", "replace")})
        if "count_tokens" in self.path:
            return self.send(200, "application/json", b'{"input_tokens":10}')
        if self.path.split("?")[0].endswith("/responses"):
            return self.answer_responses(body)
        if not self.path.split("?")[0].endswith("/v1/messages"):
            return self.send(404, "application/json", b'{"type":"error","error":{"type":"not_found_error"}}')
        content, stop = next_reply(body)
        msg = {"id": "msg_e2e", "type": "message", "role": "assistant",
               "model": body.get("model", "e2e"), "content": content, "stop_reason": stop,
               "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 10}}
        if body.get("stream"):
            self.stream(msg)
        else:
            self.send(200, "application/json", json.dumps(msg).encode())

    def stream(self, msg):
        ev = []
        start = dict(msg, content=[], stop_reason=None)
        start["usage"] = {"input_tokens": 10, "output_tokens": 1}
        ev.append(("message_start", {"type": "message_start", "message": start}))
        for i, b in enumerate(msg["content"]):
            if b["type"] == "text":
                ev.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                   "content_block": {"type": "text", "text": ""}}))
                delta = {"type": "text_delta", "text": b["text"]}
            else:
                ev.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                   "content_block": dict(b, input={})}))
                delta = {"type": "input_json_delta", "partial_json": json.dumps(b["input"])}
            ev.append(("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}))
            ev.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
        ev.append(("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None},
                                     "usage": {"output_tokens": 10}}))
        ev.append(("message_stop", {"type": "message_stop"}))
        data = "".join("event: %s\ndata: %s\n\n" % (k, json.dumps(v)) for k, v in ev).encode()
        self.send(200, "text/event-stream", data)


    def answer_responses(self, body):
        item = next_response(body)
        resp = {"id": "resp_e2e", "object": "response", "status": "completed", "model": body.get("model", "e2e"),
                "output": [item], "usage": {"input_tokens": 10, "output_tokens": 10, "total_tokens": 20,
                                            "input_tokens_details": {"cached_tokens": 0},
                                            "output_tokens_details": {"reasoning_tokens": 0}}}
        if not body.get("stream"):
            return self.send(200, "application/json", json.dumps(resp).encode())
        ev = [("response.created", {"type": "response.created", "response": dict(resp, status="in_progress", output=[])}),
              ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0, "item": item}),
              ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
              ("response.completed", {"type": "response.completed", "response": resp})]
        data = "".join("event: %s\ndata: %s\n\n" % (k, json.dumps(v)) for k, v in ev).encode()
        self.send(200, "text/event-stream", data)


def exfil(sock):
    """Log whatever any connection sends (an attack that reached the outside)."""
    while True:
        c, addr = sock.accept()
        c.settimeout(2)
        data = b""
        try:
            while len(data) < 65536:
                d = c.recv(4096)
                if not d:
                    break
                data += d
                if b"\r\n\r\n" in data:
                    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nEXFIL\n")
                    break
        except OSError:
            pass
        c.close()
        log_line("exfil.log", {"from": addr[0], "data": data.decode("utf-8", "replace")})


def main():
    global EXFIL_PORT
    os.makedirs(os.path.join(LOG, "results"), exist_ok=True)
    x = socket.socket()
    x.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    x.bind(("0.0.0.0", 0))
    x.listen(16)
    EXFIL_PORT = x.getsockname()[1]
    threading.Thread(target=exfil, args=(x,), daemon=True).start()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Model)
    for name, port in (("exfil_port", x.getsockname()[1]), ("port", srv.server_address[1])):
        with open(os.path.join(LOG, name + ".tmp"), "w") as f:
            f.write("%d\n" % port)
        os.rename(os.path.join(LOG, name + ".tmp"), os.path.join(LOG, name))
    srv.serve_forever()


if __name__ == "__main__":
    main()
