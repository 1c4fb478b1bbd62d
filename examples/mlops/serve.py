#!/usr/bin/python3
"""serve.py -- the example's model server: serves whatever model a tag of an OCI layout names

Usage: serve.py --layout DIR --port-file FILE

Listens on 127.0.0.1 on a free port (written to FILE once listening) and
answers GET /TAG/health (TAG: staging, production, ...) by resolving TAG in
DIR/index.json on every request -- as a deployment pulling by tag would --
loading the model.pkl layer of that manifest (once per digest) and scoring one
canned customer with it. 200 with
  {"status": "ok", "tag", "digest" (the manifest), "model_version",
   "model_sha256", "smoke_score"}
when all of that worked; 503 with {"status": "unavailable", "error"} when the
tag is missing or the model does not load or score; 404 for other paths.
The demo (demo.sh) starts it and kills it at exit; qgate-deploy health and
promote --health probe it.
"""
import argparse
import hashlib
import json
import os
import pickle
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

CANNED = {"region": "eu", "plan": "basic", "tenure_months": 3, "monthly_spend": 19.0,
          "support_tickets": 4, "days_since_login": 30}
LOADED = {}  # layer digest -> model


def blob(layout, digest):
    algo, _, hexd = digest.partition(":")
    if algo != "sha256" or len(hexd) != 64 or any(c not in "0123456789abcdef" for c in hexd):
        raise ValueError("bad digest %r" % digest)
    with open(os.path.join(layout, "blobs", "sha256", hexd), "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != hexd:
        raise ValueError("blob %s does not match its digest" % digest)
    return data


def resolve(layout, tag):
    with open(os.path.join(layout, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    for m in index.get("manifests", []):
        if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag:
            manifest = json.loads(blob(layout, m["digest"]))
            for layer in manifest.get("layers", []):
                if (layer.get("annotations") or {}).get("org.opencontainers.image.title") == "model.pkl":
                    return m["digest"], layer["digest"]
            raise ValueError("%s has no model.pkl layer" % m["digest"])
    raise LookupError("no tag %r in %s" % (tag, layout))


def score(model):
    x = [1.0 if CANNED["region"] == r else 0.0 for r in ("eu", "us", "apac")]
    x += [1.0 if CANNED["plan"] == p else 0.0 for p in ("basic", "pro", "team")]
    x += [float(CANNED[n]) for n in ("tenure_months", "monthly_spend", "support_tickets",
                                     "days_since_login")]
    return float(model["estimator"].predict_proba([[x[c] for c in model["columns"]]])[0][1])


class Handler(BaseHTTPRequestHandler):
    layout = "."

    def reply(self, code, doc):
        body = (json.dumps(doc, sort_keys=True) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[1] != "health":
            self.reply(404, {"status": "not found", "path": self.path})
            return
        tag = parts[0]
        try:
            digest, layer = resolve(self.layout, tag)
            if layer not in LOADED:
                # the layout's blobs are content-addressed and verified above: our own bytes
                LOADED[layer] = pickle.loads(blob(self.layout, layer))
            model = LOADED[layer]
            self.reply(200, {"status": "ok", "tag": tag, "digest": digest,
                             "model_version": model["version"], "model_sha256": layer,
                             "smoke_score": round(score(model), 6)})
        except Exception as e:  # any failure is an unhealthy answer, never a crash
            self.reply(503, {"status": "unavailable", "tag": tag, "error": str(e)})

    def log_message(self, fmt, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    Handler.layout = a.layout
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
