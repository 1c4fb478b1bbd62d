#!/usr/bin/python3
"""faultproxy.py -- an HTTP/1.1 reverse proxy that injects faults (tests only)

    faultproxy.py UPSTREAM_HOST:PORT PORT_FILE RULES_FILE STATS_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE), forwards every
request to UPSTREAM and relays the answer. RULES_FILE (JSON, re-read at each
request, so a test changes faults between runs) is a list of rules:

    {"match": "PATCH /v2/", "times": 1, "cut_after": 1048576}
        forward that many bytes of the request body, then close both sides
    {"match": "POST /v2/", "times": 2, "status": 503, "retry_after": 1}
        answer this status (body read and dropped) instead of forwarding
    {"match": "HEAD /v2/", "times": 1, "delay": 3}
        wait before forwarding
    {"match": "GET /v2/team/model/manifests/", "times": 1, "corrupt_response": true}
        flip a byte of the response body
    {"match": "PUT /v2/", "times": 1, "corrupt_request": true}
        flip a byte of the request body on its way to the registry
    {"match": "GET /v2/x/referrers/", "answer": {"content_type": "...", "body": {...}}}
        answer 200 with that JSON body (a registry with the referrers API)

    {"auth": "bearer", "user": "u", "password": "p", "token": "T"}
        act as the registry's Bearer token service: a request without
        "Authorization: Bearer T" is answered 401 with a challenge whose realm
        is this proxy's /token; GET /token with Basic u:p answers {"token": T}
        (the scopes asked for are kept in the stats); forwarded requests lose
        their Authorization

"match" is a substring of "METHOD PATH"; "times" counts down (absent:
always). STATS_FILE gets, after every request, {"requests": N,
"body_bytes": bytes of request bodies forwarded upstream, "faults": N,
"by_method": {...}}. Standard library only.
"""
import json
import os
import socket
import sys
import threading
import time

UP_HOST, UP_PORT = sys.argv[1].rsplit(":", 1)
UP_PORT = int(UP_PORT)
PORT_FILE, RULES_FILE, STATS_FILE = sys.argv[2], sys.argv[3], sys.argv[4]

lock = threading.Lock()
stats = {"requests": 0, "body_bytes": 0, "faults": 0, "by_method": {}, "token_scopes": [],
         "token_refused": 0}
MY_PORT = [0]
used = {}  # rule index (in the current rules file text) -> times used


def save_stats():
    tmp = STATS_FILE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(stats, f)
    os.replace(tmp, STATS_FILE)


def bearer_rule():
    try:
        with open(RULES_FILE) as f:
            rules = json.loads(f.read() or "[]")
    except (OSError, ValueError):
        return None
    for r in rules:
        if r.get("auth") == "bearer":
            return r
    return None


def send_simple(client, status, body, extra=""):
    client.sendall(("HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
                    % (status, len(body), extra)).encode() + body)


def bearer(client, cf, method, path, headers, length, rule):
    """True when the request was answered here (token or 401)."""
    import base64
    import urllib.parse
    auth = header(headers, "authorization") or ""
    if path.startswith("/token"):
        want = "Basic " + base64.b64encode(("%s:%s" % (rule["user"], rule["password"])).encode()).decode()
        q = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        relay_body(cf, None, length)
        if auth != want:
            with lock:
                stats["token_refused"] += 1
            send_simple(client, 401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
        else:
            with lock:
                stats["token_scopes"] += q.get("scope", [])
            send_simple(client, 200, json.dumps({"token": rule["token"]}).encode())
        return True
    if auth == "Bearer " + rule["token"]:
        return False
    relay_body(cf, None, length)
    parts = path.split("/")
    scope = ""
    if len(parts) > 3 and parts[1] == "v2":
        for i, p in enumerate(parts):
            if p in ("blobs", "manifests", "tags", "referrers"):
                scope = ',scope="repository:%s:pull,push"' % "/".join(parts[2:i])
                break
    send_simple(client, 401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                'WWW-Authenticate: Bearer realm="http://127.0.0.1:%d/token",service="faultproxy"%s\r\n'
                % (MY_PORT[0], scope))
    return True


def pick_rule(line):
    """The first rule matching "METHOD PATH" with times left (counted)."""
    try:
        with open(RULES_FILE) as f:
            text = f.read()
        rules = json.loads(text) if text.strip() else []
    except (OSError, ValueError):
        return None
    for i, r in enumerate(rules):
        if "auth" in r or r.get("match", "") not in line:
            continue
        key = (text, i)
        with lock:
            n = used.get(key, 0)
            if "times" in r and n >= r["times"]:
                continue
            used[key] = n + 1
            stats["faults"] += 1
        return r
    return None


def read_head(f):
    """Request or response head as (first line, [(name, value)], raw bytes)."""
    raw = b""
    first = f.readline()
    if not first or not first[:1].isalpha():  # a TLS hello or garbage: hang up
        return None, None, None
    raw += first
    headers = []
    while True:
        line = f.readline()
        if not line:
            return None, None, None
        raw += line
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return first.decode("latin-1").strip(), headers, raw


def header(headers, name):
    for n, v in headers:
        if n == name:
            return v
    return None


def relay_body(src, dst, length, count=None, cut_after=None, corrupt=False):
    """Copy length bytes; returns False when cut."""
    sent = 0
    while sent < length:
        want = min(65536, length - sent)
        if cut_after is not None:
            if sent >= cut_after:
                return False
            want = min(want, cut_after - sent)
        chunk = src.read(want)
        if not chunk:
            return False
        if corrupt and sent == 0:
            chunk = bytes([chunk[0] ^ 0x01]) + chunk[1:]
        if dst is not None:
            dst.sendall(chunk)
        sent += len(chunk)
        if count is not None:
            with lock:
                stats["body_bytes"] += len(chunk)
    return True


def relay_chunked(src, dst):
    while True:
        line = src.readline()
        dst.sendall(line)
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:
                t = src.readline()
                dst.sendall(t)
                if t in (b"\r\n", b"\n", b""):
                    return
        data = src.read(size + 2)
        dst.sendall(data)


def handle(client):
    cf = client.makefile("rb")
    up = None
    uf = None
    try:
        while True:
            line, headers, raw = read_head(cf)
            if line is None:
                return
            method, path = line.split(" ")[0], line.split(" ")[1]
            key = method + " " + path
            length = int(header(headers, "content-length") or 0)
            rule = pick_rule(key)
            with lock:
                stats["requests"] += 1
                stats["by_method"][method] = stats["by_method"].get(method, 0) + 1
            br = bearer_rule()
            if br is not None:
                if bearer(client, cf, method, path, headers, length, br):
                    with lock:
                        save_stats()
                    continue
                raw = b"".join(l for l in raw.splitlines(True)
                               if not l.lower().startswith(b"authorization:"))
            if rule and "delay" in rule:
                time.sleep(rule["delay"])
            if rule and "answer" in rule:
                relay_body(cf, None, length)
                body = json.dumps(rule["answer"]["body"]).encode()
                client.sendall(
                    ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                     % (rule["answer"]["content_type"], len(body))).encode() + body)
                with lock:
                    save_stats()
                continue
            if rule and "status" in rule:
                relay_body(cf, None, length)
                body = b'{"errors":[{"code":"UNAVAILABLE","message":"injected by faultproxy"}]}'
                extra = "Retry-After: %s\r\n" % rule["retry_after"] if "retry_after" in rule else ""
                client.sendall(("HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\n"
                                "Content-Length: %d\r\n%s\r\n" % (rule["status"], len(body), extra)).encode()
                               + body)
                with lock:
                    save_stats()
                continue
            if up is None:
                up = socket.create_connection((UP_HOST, UP_PORT))
                uf = up.makefile("rb")
            up.sendall(raw)
            cut = rule.get("cut_after") if rule else None
            if not relay_body(cf, up, length, count=True, cut_after=cut,
                              corrupt=bool(rule and rule.get("corrupt_request"))):
                with lock:
                    save_stats()
                return  # cut: both sides closed in finally
            rline, rheaders, rraw = read_head(uf)
            if rline is None:
                return
            status = int(rline.split(" ")[1])
            if rule and rule.get("corrupt_response") and method == "GET":
                rlen = int(header(rheaders, "content-length") or 0)
                body = bytearray(uf.read(rlen))
                if body:
                    body[len(body) // 2] ^= 0x20
                client.sendall(rraw + bytes(body))
            else:
                client.sendall(rraw)
                if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
                    pass
                elif header(rheaders, "transfer-encoding") == "chunked":
                    relay_chunked(uf, client)
                elif header(rheaders, "content-length") is not None:
                    relay_body(uf, client, int(header(rheaders, "content-length")))
                else:
                    while True:
                        d = uf.read(65536)
                        if not d:
                            break
                        client.sendall(d)
                    return
            with lock:
                save_stats()
            if (header(headers, "connection") or "").lower() == "close":
                return
    except (OSError, ValueError):
        return
    finally:
        for s in (client, up):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    MY_PORT[0] = srv.getsockname()[1]
    save_stats()
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.replace(PORT_FILE + ".tmp", PORT_FILE)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
