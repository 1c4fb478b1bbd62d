#!/bin/sh
# t_k8s.sh -- examples/k8s/: the manifests parsed and checked, dry-run applied,
# and the Jobs' own commands run here against s3rver
#
# 1. Every manifest parses (Debian's python3-yaml) and passes yamllint;
#    every `image:` is REPO@sha256:<64 hex> (the parsed values and the raw
#    lines alike); pods
#    and containers run as non-root (runAsNonRoot, uid 65532, no privilege
#    escalation, read-only root, no capabilities); no AWS secret is inline;
#    the Indexed Job's validate container runs `qgate data validate
#    --shard $(JOB_COMPLETION_INDEX)+1/N` itself (no pipeline stages), N its
#    completions and parallelism, in the ConfigMap's folder with its schema,
#    --out where the upload reads; the merge Job names the N shard folders
#    and reads where the upload writes.
# 2. `kubectl apply --dry-run=client` of each file. kubectl needs the API
#    server's discovery to map kinds to resources even for a client dry run
#    (without a cluster it fails, shown below), so the test serves the
#    discovery documents of v1, batch/v1 and apps/v1 on 127.0.0.1 and answers
#    404 to every object (nothing exists: apply takes the create path);
#    --validate=false, since the OpenAPI schemas are not served. A kind that
#    does not exist is refused (the dry run can fail). The objects' field
#    types, enums and required members are validated against the API's
#    schemas as the npm package kubernetes-models compiles them, and every
#    member against the fields its interfaces declare (a typo is found).
# 3. The Indexed Job's and the merge Job's containers run as the manifests
#    say, for JOB_COMPLETION_INDEX=0..N-1: env and `$(VAR)` expanded the way
#    the kubelet does (`$(JOB_COMPLETION_INDEX)+1/N` becomes `K+1/N`: the
#    pods' argv differ in that word only, each result records shard K+1/N),
#    argv executed without a shell (the upload container's
#    own `/bin/sh -c` script runs under /bin/sh, as in the pod), volume mount
#    paths mapped to folders here, the qgate image's entrypoint mapped to
#    $QG_BIN/qgate, AWS_ENDPOINT_URL pointed at s3rver. The merged verdict,
#    checks, counts, locations and fingerprint equal an unsharded run over
#    the same s3:// prefix; a shard deleted from S3 makes the merge exit 3.
# 4. `qgate-deploy pin` of deployment.yaml to the digest a real push printed:
#    one line changed, still YAML, the dry run still passes; pinning the
#    qgate image's placeholder in the Jobs changes exactly its lines.
# 5. The project's image built from the programs under test (ci/image.sh, as
#    `make image`): its config runs /usr/local/bin/qgate as 65532 (what the
#    manifests assume); every manifest pinned to its digest passes the
#    checks of 1 and the dry run.
# 6. The qgate containers of 3 again, in that image with podman and runc
#    under the pods' securityContext (read-only root, 65532, no
#    capabilities): the merge of what they wrote equals the unsharded run.
# Missing python3-yaml, kubectl, node (s3rver) or the AWS CLI skip their
# parts loudly.
. "$(dirname "$0")/lib.sh"

K8S=$QG_ROOT/examples/k8s
QGATE_REPO=registry.example.com/qgate/qgate
S3PID='' APIPID=''
cleanup() {
	[ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null
	[ -n "$APIPID" ] && kill "$APIPID" 2>/dev/null
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

if ! "$DEBIAN_PY" -c 'import yaml' 2>/dev/null; then
	skip "python3-yaml missing: K8S MANIFEST TESTS NOT RUN"
	echo "WARNING: t_k8s: $DEBIAN_PY has no yaml module (apt-get install python3-yaml)" >&2
	done_testing
	exit
fi

# ---------------------------------------------------------------- 1. static
cat >"$T/check.py" <<'EOP'
# Prints "ok NAME" / "not ok NAME: WHY" lines about examples/k8s; also writes
# N to argv[2] and the validate container's qgate-data args (without --shard
# and --out) to argv[3].
import json, re, sys, glob, os
import yaml

k8s, nfile, argsfile = sys.argv[1], sys.argv[2], sys.argv[3]
out = []
def check(name, cond, why=""):
    out.append(("ok " + name) if cond else ("not ok %s: %s" % (name, why)))

PIN = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$")
docs = {}
for path in sorted(glob.glob(os.path.join(k8s, "*.yaml"))):
    base = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        ds = [d for d in yaml.safe_load_all(text) if d is not None]
    except Exception as e:
        check("%s parses as YAML" % base, False, e)
        continue
    check("%s parses as YAML (%d documents)" % (base, len(ds)), len(ds) > 0, "no document")
    for d in ds:
        docs[(d.get("kind"), d["metadata"]["name"])] = (base, d)
    # every image: value, parsed, pinned by digest; the raw lines agree
    images = []
    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "image":
                    images.append(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    for d in ds:
        walk(d)
    raw = re.findall(r"^\s*(?:-\s*)?image:", text, re.M)
    check("%s: %d image: lines, %d parsed" % (base, len(raw), len(images)), len(raw) == len(images),
          "a line the parser does not see as an image")
    bad = [i for i in images if not (isinstance(i, str) and PIN.match(i))]
    check("%s: every image pinned by digest (%d)" % (base, len(images)), not bad, "not NAME@sha256:<64 hex>: %s" % bad)
    # security: pod and every container
    for d in ds:
        spec = d.get("spec", {})
        pod = spec.get("template", {}).get("spec") if d.get("kind") in ("Job", "Deployment") else None
        if pod is None:
            continue
        name = "%s %s/%s" % (base, d["kind"], d["metadata"]["name"])
        psc = pod.get("securityContext", {})
        check(name + ": pod runs as non-root (runAsNonRoot, uid 65532, seccomp)",
              psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 65532 and psc.get("runAsGroup") == 65532
              and psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", psc)
        check(name + ": no service account token", pod.get("automountServiceAccountToken") is False)
        for c in pod.get("initContainers", []) + pod.get("containers", []):
            sc = c.get("securityContext", {})
            check("%s container %s: non-root, no escalation, read-only root, capabilities dropped" % (name, c["name"]),
                  sc.get("runAsNonRoot") is True and sc.get("allowPrivilegeEscalation") is False
                  and sc.get("readOnlyRootFilesystem") is True and sc.get("capabilities", {}).get("drop") == ["ALL"]
                  and sc.get("runAsUser", 65532) != 0 and not sc.get("privileged"), sc)
            check("%s container %s: memory limit" % (name, c["name"]), "memory" in c.get("resources", {}).get("limits", {}))
            for e in c.get("env", []):
                if e["name"] in ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"):
                    check("%s container %s: %s from a Secret, not inline" % (name, c["name"], e["name"]),
                          "value" not in e and "secretKeyRef" in e.get("valueFrom", {}), e)

# the Indexed Job against the ConfigMap and the merge Job
vbase, vjob = docs[("Job", "qgate-validate-clicks")]
_, cm = docs[("ConfigMap", "qgate-shards")]
_, mjob = docs[("Job", "qgate-merge-clicks")]
js = vjob["spec"]
n = js.get("completions")
check("validate Job is Indexed", js.get("completionMode") == "Indexed", js.get("completionMode"))
check("completions == parallelism (%s)" % n, isinstance(n, int) and n == js.get("parallelism"), js.get("parallelism"))
pod = js["template"]["spec"]
check("restartPolicy Never (podFailurePolicy needs it)", pod.get("restartPolicy") == "Never")
val = [c for c in pod["containers"] if c["name"] == "validate"][0]
va = val.get("args", [])
check("validate container: the qgate image's entrypoint with args data validate",
      val["image"].startswith("registry.example.com/qgate/qgate@") and "command" not in val and va[:2] == ["data", "validate"],
      (val.get("command"), va))
sh = [va[i + 1] for i in range(len(va) - 1) if va[i] == "--shard"]
check("validate container: --shard $(JOB_COMPLETION_INDEX)+1/%s, once" % n, sh == ["$(JOB_COMPLETION_INDEX)+1/%s" % n], sh)
check("no pipeline stages: the ConfigMap holds no qgate.json", "qgate.json" not in cm["data"], sorted(cm["data"]))
mounts = {m["name"]: m["mountPath"] for m in val["volumeMounts"]}
check("validate container works in the ConfigMap's folder", val.get("workingDir") == mounts.get("config"),
      (val.get("workingDir"), mounts))
check("the config volume is the ConfigMap", [v for v in pod["volumes"] if v["name"] == "config"][0]["configMap"]["name"]
      == cm["metadata"]["name"])
outs = [va[i + 1] for i in range(len(va) - 1) if va[i] == "--out"]
check("validate container: --out is the results volume", outs == [mounts.get("results")], (outs, mounts))
common = [x for i, x in enumerate(va[1:]) if x not in ("--shard", "--out") and va[i] not in ("--shard", "--out")]
check("the shards read an s3:// prefix", any(x.startswith("s3://") and x.endswith("/") for x in common), common)
check("the shards' schema is in the ConfigMap", common[common.index("--schema") + 1] in cm["data"])
schema = json.loads(cm["data"][common[common.index("--schema") + 1]])
check("the shards' schema has no check shards cannot prove (unique, primaryKey, foreignKeys)",
      "primaryKey" not in schema and "foreignKeys" not in schema and
      not any(f.get("constraints", {}).get("unique") for f in schema["fields"]))
up = [c for c in pod["containers"] if c["name"] == "upload"][0]
upenv = {e["name"]: e.get("value") for e in up["env"]}
mpod = mjob["spec"]["template"]["spec"]
dl = mpod["initContainers"][0]
dlenv = {e["name"]: e.get("value") for e in dl["env"]}
check("the merge Job downloads where the shards upload", upenv.get("RESULTS_URL") == dlenv.get("RESULTS_URL"),
      (upenv.get("RESULTS_URL"), dlenv.get("RESULTS_URL")))
check("the validate pod's upload waits for what qgate-data validate writes (%s)" % upenv.get("RESULT"),
      upenv.get("RESULTS") == (outs or [None])[0] and upenv.get("RESULT") == "data-" + common[0], upenv)
mg = [c for c in mpod["containers"] if c["name"] == "merge"][0]
want = ["merge", "--out", mg["args"][2]] + ["%s/shard-%d" % (dlenv["SHARDS"], k) for k in range(n)]
check("the merge container merges the %d shard folders" % n, mg["args"] == want, mg["args"])
mup = [c for c in mpod["containers"] if c["name"] == "upload"][0]
mupenv = {e["name"]: e.get("value") for e in mup["env"]}
check("the merged result is uploaded beside the shards'", mupenv.get("RESULTS_URL") == dlenv.get("RESULTS_URL"), mupenv)
check("the merge's upload waits for what qgate merge writes (%s)" % mupenv.get("RESULT"),
      mupenv.get("MERGED") == mg["args"][2] and mupenv.get("RESULT") == "data-" + common[0], mupenv)
pfp = js.get("podFailurePolicy", {}).get("rules", [])
check("a verdict (exit 1, 2) fails the index without retries",
      any(r["action"] == "FailIndex" and r["onExitCodes"]["values"] == [1, 2] for r in pfp) and "backoffLimitPerIndex" in js)
digests = {i.split("@")[1] for (b, d) in docs.values() for i in re.findall(r"registry\.example\.com/qgate/qgate@sha256:[0-9a-f]+", json.dumps(d))}
check("one qgate image digest in every manifest", len(digests) == 1, digests)
with open(nfile, "w") as f:
    f.write("%d\n" % n)
with open(argsfile, "w") as f:
    json.dump(common, f)
print("\n".join(out))
EOP
"$DEBIAN_PY" "$T/check.py" "$K8S" "$T/n" "$T/common.json" >"$T/check.out" 2>"$T/check.err"
rc=$?
if [ "$rc" -ne 0 ]; then
	not_ok "manifest checks crashed (exit $rc)"; sed 's/^/#   /' "$T/check.err"
fi
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	*) not_ok "${line#not ok }" ;;
	esac
done <"$T/check.out"
N=$(cat "$T/n" 2>/dev/null || echo 0)
if command -v yamllint >/dev/null 2>&1; then
	expect_exit 0 "yamllint (default rules; lines up to 100, document-start off)" yamllint -f parsable \
		-d '{extends: default, rules: {line-length: {max: 100, allow-non-breakable-inline-mappings: true}, document-start: disable}}' \
		"$K8S"/*.yaml
else
	skip "yamllint not installed: YAMLLINT NOT RUN"
fi

# ---------------------------------------------------------------- 2. kubectl
cat >"$T/fakeapi.py" <<'EOP'
# The discovery documents of v1, batch/v1 and apps/v1 and a 404 for every
# object: what kubectl apply --dry-run=client asks a server. argv[1]: port file.
import json, os, sys, http.server, socketserver
RES = {
    "/api/v1": ("v1", [("configmaps", "ConfigMap", True), ("services", "Service", True), ("secrets", "Secret", True),
                        ("pods", "Pod", True), ("namespaces", "Namespace", False)]),
    "/apis/batch/v1": ("batch/v1", [("jobs", "Job", True), ("cronjobs", "CronJob", True)]),
    "/apis/apps/v1": ("apps/v1", [("deployments", "Deployment", True), ("statefulsets", "StatefulSet", True)]),
}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        sys.stderr.write("%s %s\n" % (self.command, self.path))
    def send(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"],
                                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if p == "/apis":
            return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": g + "/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": g + "/v1", "version": "v1"}} for g in ("batch", "apps")]})
        if p in RES:
            gv, items = RES[p]
            return self.send(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
                {"name": r, "singularName": k.lower(), "namespaced": ns, "kind": k,
                 "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]} for r, k, ns in items]})
        self.send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "not found",
                        "reason": "NotFound", "code": 404})
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.server_address[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOP
KUBECTL_OK=0
if ! command -v kubectl >/dev/null 2>&1; then
	skip "kubectl not installed: kubectl apply --dry-run=client NOT RUN"
	echo "WARNING: t_k8s: kubectl missing, dry runs skipped" >&2
else
	printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$T/empty.kubeconfig"
	KUBECONFIG=$T/empty.kubeconfig kubectl apply --dry-run=client --validate=false --cache-dir "$T/kcache0" \
		-f "$K8S/config.yaml" >"$T/nocluster.out" 2>&1
	rc=$?
	diag "without any server, kubectl apply --dry-run=client exits $rc: $(tail -1 "$T/nocluster.out")"
	"$DEBIAN_PY" "$T/fakeapi.py" "$T/api.port" 2>"$T/api.log" &
	APIPID=$!
	i=0
	while [ ! -s "$T/api.port" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if [ ! -s "$T/api.port" ]; then
		not_ok "the discovery server did not start"; sed 's/^/#   /' "$T/api.log"
	else
		cat >"$T/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: discovery-only
  cluster: {server: "http://127.0.0.1:$(cat "$T/api.port")"}
contexts:
- name: discovery-only
  context: {cluster: discovery-only, namespace: qgate}
current-context: discovery-only
users: []
EOF
		KUBECTL_OK=1
	fi
fi
kdry() { # FILE: kubectl apply --dry-run=client against the discovery server
	KUBECONFIG=$T/kubeconfig kubectl apply --dry-run=client --validate=false --cache-dir "$T/kcache" -f "$1"
}
if [ "$KUBECTL_OK" = 1 ]; then
	for f in "$K8S"/*.yaml; do
		b=$(basename "$f")
		ndocs=$("$DEBIAN_PY" -c 'import sys,yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d))' "$f")
		expect_exit 0 "kubectl apply --dry-run=client -f $b" kdry "$f"
		expect_eq "$b: $ndocs objects created (dry run)" "$(grep -c ' created (dry run)$' "$T/out")" "$ndocs"
	done
	sed 's/^kind: Job$/kind: Jobb/' "$K8S/merge-job.yaml" >"$T/badkind.yaml"
	expect_exit 1 "the dry run refuses a kind the API does not have" kdry "$T/badkind.yaml"
	expect_grep "naming it" 'no matches for kind "Jobb"' "$T/err"
fi

# The field types, enums and required members of every object: the API's
# OpenAPI schemas as the npm package kubernetes-models compiles them (ajv).
# They do not reject unknown members; the checks of part 1 cover ours.
NPM_DIR=$QG_ROOT/build/npm-k8s
KM_VERSION=4.5.1
if [ ! -f "$NPM_DIR/node_modules/kubernetes-models/package.json" ] && command -v npm >/dev/null 2>&1; then
	npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" "kubernetes-models@$KM_VERSION" >"$T/npm.log" 2>&1
fi
if ! command -v node >/dev/null 2>&1 || [ ! -f "$NPM_DIR/node_modules/kubernetes-models/package.json" ]; then
	skip "node or the npm package kubernetes-models@$KM_VERSION unavailable: SCHEMA VALIDATION OF THE OBJECTS NOT RUN"
	echo "WARNING: t_k8s: kubernetes-models not installed: $(tail -1 "$T/npm.log" 2>/dev/null)" >&2
else
	cat >"$T/validate.cjs" <<'EOJ'
// validate.cjs DOCS.json: [{file, doc}] -> "ok"/"not ok" lines, one a document
'use strict'
const fs = require('node:fs')
for (const { file, doc } of JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))) {
  const [group, version] = doc.apiVersion.includes('/') ? doc.apiVersion.split('/') : ['', doc.apiVersion]
  const name = `${file}: ${doc.kind}/${doc.metadata.name}`
  let Model
  try {
    Model = require(`kubernetes-models/${group ? group + '/' : ''}${version}/${doc.kind}`)[doc.kind]
  } catch (e) {
    console.log(`not ok ${name}: no schema for ${doc.apiVersion} ${doc.kind}`)
    continue
  }
  try {
    new Model(doc).validate()
    console.log(`ok ${name} validates against the ${doc.apiVersion} ${doc.kind} schema`)
  } catch (e) {
    console.log(`not ok ${name}: ${String(e.message).replace(/\n/g, ' ').slice(0, 400)}`)
  }
}
EOJ
	"$DEBIAN_PY" - "$K8S" "$T/docs.json" "$T/bad.json" <<'EOP'
import glob, json, os, sys, yaml
docs = [{"file": os.path.basename(p), "doc": d} for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml")))
        for d in yaml.safe_load_all(open(p)) if d]
json.dump(docs, open(sys.argv[2], "w"))
bad = [json.loads(json.dumps(x)) for x in docs if x["doc"]["metadata"]["name"] == "qgate-validate-clicks"]
bad[0]["doc"]["spec"]["completions"] = "4"
bad[0]["doc"]["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes"
bad[0]["doc"]["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]["operatr"] = "In"
bad[0]["doc"]["spec"]["template"]["spec"]["volumes"][0]["configMap"]["nam"] = "x"
json.dump(bad, open(sys.argv[3], "w"))
EOP
	NODE_PATH=$NPM_DIR/node_modules node "$T/validate.cjs" "$T/docs.json" >"$T/km.out" 2>&1
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		*) not_ok "${line#not ok }" ;;
		esac
	done <"$T/km.out"
	NODE_PATH=$NPM_DIR/node_modules node "$T/validate.cjs" "$T/bad.json" >"$T/km-bad.out" 2>&1
	expect_grep "the schemas refuse completions as a string" 'spec/completions must be integer' "$T/km-bad.out"
	expect_grep "and an imagePullPolicy that does not exist" 'imagePullPolicy must be equal to one of the allowed values' "$T/km-bad.out"
	# unknown members (a typo the API server's strict field validation would
	# refuse): every key against the members the package's interfaces declare
	cat >"$T/unknown.py" <<'EOP'
# unknown.py MODELS_DIR DOCS.json: members no schema names (the API's field
# names as kubernetes-models declares them in its .d.ts interfaces).
import glob, json, os, re, sys
root, docsfile = sys.argv[1], sys.argv[2]
ifaces, kinds = {}, {}
for p in glob.glob(os.path.join(root, "**", "*.d.ts"), recursive=True):
    t = open(p, encoding="utf-8").read()
    m = re.search(r"^export interface (I\w+)(?: extends ([\w, ]+))? \{\n(.*?)^\}", t, re.M | re.S)
    if not m:
        continue
    body = re.sub(r"/\*\*.*?\*/", "", m.group(3), flags=re.S)
    members = {}
    for mm in re.finditer(r'^    "([^"]+)"\??: ', body, re.M):
        i, depth = mm.end(), 0
        while i < len(body) and not (body[i] == ";" and depth == 0):
            depth += body[i] in "{<(" and 1 or body[i] in "}>)" and -1 or 0
            i += 1
        members[mm.group(1)] = " ".join(body[mm.end():i].split())
    if m.group(2) and "TypeMeta" in m.group(2):
        members.update({"apiVersion": "string", "kind": "string"})
    names = [m.group(1)] + [a for a in re.findall(r"export \{ " + m.group(1) + r" as (\w+)", t)]
    for n in names:
        ifaces.setdefault(n, members)
    rel = os.path.relpath(p, os.path.join(root, "kubernetes-models"))[:-len(".d.ts")]
    kinds[rel] = members
def check(x, ty, where, out):
    ty = ty.strip()
    a = re.match(r"^Array<(.*)>$", ty)
    if a:
        for i, v in enumerate(x if isinstance(x, list) else []):
            check(v, a.group(1), "%s[%d]" % (where, i), out)
        return
    if ty in ifaces and isinstance(x, dict):
        mem = ifaces[ty]
        for k, v in x.items():
            if k not in mem:
                out.append("%s: unknown member '%s'" % (where, k))
            else:
                check(v, mem[k], where + "." + k, out)
for e in json.load(open(docsfile)):
    d = e["doc"]
    gv = d["apiVersion"].split("/")
    key = os.path.join(*gv, d["kind"])
    name = "%s: %s/%s" % (e["file"], d["kind"], d["metadata"]["name"])
    if key not in kinds:
        print("not ok %s: no schema for %s" % (name, key)); continue
    out = []
    for k, v in d.items():
        if k not in kinds[key]:
            out.append("unknown member '%s'" % k)
        else:
            check(v, kinds[key][k], k, out)
    print(("ok %s: every member is one the API defines" % name) if not out else ("not ok %s: %s" % (name, "; ".join(out[:5]))))
EOP
	"$DEBIAN_PY" "$T/unknown.py" "$NPM_DIR/node_modules" "$T/docs.json" >"$T/unk.out" 2>&1
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		*) not_ok "${line#not ok }" ;;
		esac
	done <"$T/unk.out"
	"$DEBIAN_PY" "$T/unknown.py" "$NPM_DIR/node_modules" "$T/bad.json" >"$T/unk-bad.out" 2>&1
	expect_grep "a misspelt member deep in a pod is found" \
		"podFailurePolicy.rules\\[0\\].onExitCodes: unknown member 'operatr'.*configMap: unknown member 'nam'" "$T/unk-bad.out"
fi

# ---------------------------------------------------------------- 3. run the Jobs
cat >"$T/pod.py" <<'EOP'
# pod.py MANIFEST KIND/NAME CONTAINER INDEX PODDIR: run one container of a
# Job's pod template here as the kubelet would start it: env built in order
# (value with $(VAR) expanded, secretKeyRef from QG_K8S_SECRET_<KEY>,
# fieldRef metadata.namespace), JOB_COMPLETION_INDEX for Indexed Jobs, command
# and args expanded the kubelet's way, executed with argv (no shell of ours).
# workingDir is honoured (mapped like a mount path). Volume mounts are folders PODDIR/<volume> (ConfigMaps written out read-only,
# each key a link through ..data as the kubelet makes them);
# an argument or env value that is a mount path or under one is mapped there.
# The qgate image's entrypoint is $QG_BIN/qgate; AWS_ENDPOINT_URL and PATH
# come from our environment. Exits with the container's status.
import os, subprocess, sys
import yaml

manifest, ref, cname, index, poddir = sys.argv[1:6]
kind, name = ref.split("/")
docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(manifest)) if d}
cm_docs = {}
for f in os.listdir(os.path.dirname(manifest)):
    if f.endswith(".yaml"):
        for d in yaml.safe_load_all(open(os.path.join(os.path.dirname(manifest), f))):
            if d and d["kind"] == "ConfigMap":
                cm_docs[d["metadata"]["name"]] = d
job = docs[(kind, name)]
pod = job["spec"]["template"]["spec"]
c = [x for x in pod.get("initContainers", []) + pod["containers"] if x["name"] == cname][0]

def expand(s, env):
    # k8s.io/kubernetes third_party/forked/golang/expansion: $$ is $, $(NAME)
    # is NAME's value or stays as written when NAME is not defined.
    out, i = [], 0
    while i < len(s):
        if s[i] == "$" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt == "$":
                out.append("$"); i += 2; continue
            if nxt == "(":
                j = s.find(")", i + 2)
                if j >= 0:
                    n = s[i + 2:j]
                    out.append(env[n] if n in env else "$(" + n + ")")
                    i = j + 1; continue
                out.append("$("); i += 2; continue
            out.append("$" + nxt); i += 2; continue
        out.append(s[i]); i += 1
    return "".join(out)

mounts = {}
for m in c.get("volumeMounts", []):
    vol = [v for v in pod["volumes"] if v["name"] == m["name"]][0]
    d = os.path.join(poddir, m["name"])
    if not os.path.isdir(d):
        os.makedirs(d)
        if "emptyDir" in vol:
            os.chmod(d, 0o777)  # as the kubelet makes an emptyDir
        if "configMap" in vol:
            # laid out as the kubelet does: the keys are links through ..data
            # to a timestamped folder (swapped atomically on an update)
            ts = os.path.join(d, "..2026_12_07_04_00_00.000000001")
            os.makedirs(ts)
            os.symlink(os.path.basename(ts), os.path.join(d, "..data"))
            for k, v in cm_docs[vol["configMap"]["name"]]["data"].items():
                with open(os.path.join(ts, k), "w") as f:
                    f.write(v)
                os.chmod(os.path.join(ts, k), 0o444)
                os.symlink(os.path.join("..data", k), os.path.join(d, k))
            os.chmod(ts, 0o555)
            os.chmod(d, 0o555)
    mounts[m["mountPath"]] = d
def local(s):
    for mp, d in sorted(mounts.items(), key=lambda x: -len(x[0])):
        if s == mp or s.startswith(mp + "/"):
            return d + s[len(mp):]
    return s

# QG_K8S_PODMAN (a podman command) and QG_K8S_IMAGE (an image id): the
# qgate image's containers run in that image with podman instead, as the pod
# would run them: read-only root, the pod's uid and gid, no capabilities, no
# new privileges, the volumes bound at their mount paths, env passed by name.
in_podman = bool(os.environ.get("QG_K8S_PODMAN")) and c["image"].split("@")[0] == "registry.example.com/qgate/qgate"
if in_podman:
    local = lambda s: s
env = {}
if job["spec"].get("completionMode") == "Indexed":
    env["JOB_COMPLETION_INDEX"] = index
for e in c.get("env", []):
    if "value" in e:
        env[e["name"]] = local(expand(e["value"], env))
    elif "secretKeyRef" in e.get("valueFrom", {}):
        env[e["name"]] = os.environ["QG_K8S_SECRET_" + e["valueFrom"]["secretKeyRef"]["key"]]
    elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
        env[e["name"]] = "qgate"
    else:
        sys.exit("pod.py: env %s: unsupported source %s" % (e["name"], e))
argv = [expand(a, env) for a in c.get("command", [])]
args = [local(expand(a, env)) for a in c.get("args", [])]
image = c["image"].split("@")[0]
if not argv:
    if image != "registry.example.com/qgate/qgate":
        sys.exit("pod.py: %s: no command and no entrypoint known for %s" % (cname, image))
    argv = [os.path.join(os.environ["QG_BIN"], "qgate")]
run_env = dict(env)
for k in ("PATH", "AWS_ENDPOINT_URL"):
    if k in os.environ:
        run_env[k] = os.environ[k]
with open(os.path.join(poddir, cname + ".argv"), "w") as f:
    f.write("\n".join(argv + args) + "\n")
if in_podman:
    psc, sc = pod.get("securityContext", {}), c.get("securityContext", {})
    user = "%d:%d" % (sc.get("runAsUser", psc["runAsUser"]), sc.get("runAsGroup", psc["runAsGroup"]))
    pm = os.environ["QG_K8S_PODMAN"].split() + [
        "run", "--rm", "--runtime", "runc", "--network", "host", "--user", user,
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
    if sc.get("readOnlyRootFilesystem"):
        pm.append("--read-only")
    if sc.get("capabilities", {}).get("drop") == ["ALL"]:
        pm += ["--cap-drop", "ALL"]
    if sc.get("allowPrivilegeEscalation") is False:
        pm += ["--security-opt", "no-new-privileges"]
    for m in c.get("volumeMounts", []):
        pm += ["-v", "%s:%s%s" % (mounts[m["mountPath"]], m["mountPath"], ":ro" if m.get("readOnly") else "")]
    for k in list(env) + ["AWS_ENDPOINT_URL"]:
        pm += ["-e", k]
    if c.get("workingDir"):
        pm += ["-w", c["workingDir"]]
    argv = pm + [os.environ["QG_K8S_IMAGE"]]
cwd = poddir if in_podman or not c.get("workingDir") else local(c["workingDir"])
sys.exit(subprocess.run(argv + args, env=run_env, cwd=cwd).returncode)
EOP

port=
if [ "$N" -lt 1 ]; then
	not_ok "no N from the manifests: the Jobs were not run"
elif ! command -v aws >/dev/null 2>&1; then
	skip "the AWS CLI (the upload and download containers' program) is not installed: JOB RUNS NOT DONE"
	echo "WARNING: t_k8s: aws missing, the Jobs' commands were not run" >&2
else
	port=$(sh "$QG_ROOT/tests/e2e/servers/start-s3rver.sh" "$T/s3" qgate-data "$T/s3.pid" 2>"$T/s3.err")
	rc=$?
	[ -f "$T/s3.pid" ] && S3PID=$(cat "$T/s3.pid")
	if [ "$rc" -eq 77 ]; then
		skip "s3rver unavailable, JOB RUNS NOT DONE: $(tr '\n' ' ' <"$T/s3.err")"
		echo "WARNING: t_k8s: the Jobs' commands were not run: $(cat "$T/s3.err")" >&2
		port=
	elif [ "$rc" -ne 0 ]; then
		not_ok "s3rver failed to start"; sed 's/^/#   /' "$T/s3.err"
		port=
	else
		ok "s3rver started on 127.0.0.1:$port"
	fi
fi
if [ -n "$port" ]; then
	EP=http://127.0.0.1:$port
	s3put() { # BUCKET/KEY FILE
		curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
			-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$2" "$EP/$1" >"$T/curl.out" 2>&1
	}
	s3mb() { # BUCKET
		curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
			-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X PUT "$EP/$1" >"$T/curl.out" 2>&1
	}
	# the dataset: 2N-1 CSV files; those with k mod N = 1 or 2 break the
	# schema (so shards 2/N and 3/N fail, the others pass)
	"$DEBIAN_PY" - "$T/data" "$N" >"$T/planted" <<'EOP'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
row = 0
for k in range(2 * n - 1):
    with open(os.path.join(d, "part-%02d.csv" % k), "w") as f:
        f.write("event_id,user_id,country,amount,ts\n")
        for r in range(40):
            row += 1
            user, country, amount = row, "DEFRGBNLUS"[2 * (row % 5):2 * (row % 5) + 2], "%d.%02d" % (row % 900, row % 100)
            if k % n == 1 and r in (3, 17, 30):
                amount = "12000"
            if k % n == 2 and r in (5, 21):
                country, user = "XX", 0
            f.write("ev-%06d,%d,%s,%s,2026-12-%02dT10:%02d:00Z\n" % (row, user, country, amount, 1 + r % 28, r % 60))
bad1, bad2 = (sum(1 for k in range(2 * n - 1) if k % n == j) for j in (1, 2))
print('[["field.amount.maximum", %d], ["field.country.enum", %d], ["field.user_id.minimum", %d]]' % (3 * bad1, 2 * bad2, 2 * bad2))
EOP
	up=0
	s3mb qgate-results || up=1
	for f in "$T"/data/*.csv; do s3put "qgate-data/datasets/clicks/$(basename "$f")" "$f" || up=1; done
	if [ "$up" = 0 ]; then ok "dataset uploaded ($(ls "$T"/data | wc -l) objects) and the results bucket made"; else
		not_ok "upload to s3rver failed"; sed 's/^/#   /' "$T/curl.out"; fi

	export QG_BIN AWS_ENDPOINT_URL="$EP" QG_K8S_SECRET_AWS_ACCESS_KEY_ID=S3RVER QG_K8S_SECRET_AWS_SECRET_ACCESS_KEY=S3RVER
	# the AWS CLI honours AWS_ENDPOINT_URL only from 1.29 / 2.13 (Debian 12
	# ships 2.9): a shim first on the pods' PATH gives it as --endpoint-url
	mkdir -p "$T/shim"
	printf '#!/bin/sh\nexec %s --endpoint-url "$AWS_ENDPOINT_URL" "$@"\n' "$(command -v aws)" >"$T/shim/aws"
	chmod +x "$T/shim/aws"
	PATH=$T/shim:$PATH
	pod() { # MANIFEST KIND/NAME CONTAINER INDEX PODDIR
		mkdir -p "$5" && "$DEBIAN_PY" "$T/pod.py" "$K8S/$1" "$2" "$3" "$4" "$5"
	}
	k=0
	while [ "$k" -lt "$N" ]; do
		i=$((k + 1))
		want=0
		{ [ "$k" -eq 1 ] || [ "$k" -eq 2 ]; } && want=1
		expect_exit "$want" "index $k: the validate container (qgate data validate --shard $k+1/$N)" \
			pod validate-job.yaml Job/qgate-validate-clicks validate "$k" "$T/pod-$k"
		# the argv of every pod but index 0 against index 0's: --shard's value
		# and the mapped --out folder differ, nothing else
		sed -e "s|^$k+1/$N\$|K+1/N|" -e "s|^$T/pod-$k/|PODDIR/|" "$T/pod-$k/validate.argv" >"$T/argv-$k"
		expect_eq "index $k: argv as the kubelet makes it" "$(sed -n '2,7p' "$T/pod-$k/validate.argv" | tr '\n' ' ')" \
			"data validate --schema clicks.schema.json --shard $k+1/$N "
		if [ "$k" -gt 0 ]; then
			if cmp -s "$T/argv-0" "$T/argv-$k"; then
				ok "index $k: the argv of index 0 but the --shard value"
			else
				not_ok "index $k: argv differs from index 0's beyond --shard"; diff "$T/argv-0" "$T/argv-$k" | sed 's/^/#   /'
			fi
		fi
		validate_result "index $k: the shard's result" "$T/pod-$k/results/data-validate.json"
		validate_junit "index $k: the shard's JUnit" "$T/pod-$k/results/data-validate.xml"
		expect_eq "index $k: the result says shard $i/$N (invocation and metrics)" \
			"$(json_get "$T/pod-$k/results/data-validate.json" '[d["invocation"]["shard"], d["metrics"]["shard"]]')" "[\"$i/$N\", \"$i/$N\"]"
		expect_exit 0 "index $k: the upload container" pod validate-job.yaml Job/qgate-validate-clicks upload "$k" "$T/pod-$k"
		k=$i
	done
	fps=$(for k in $(seq 0 $((N - 1))); do json_get "$T/pod-$k/results/data-validate.json" 'd["invocation"]["fingerprint"]'; done | sort -u | wc -l)
	expect_eq "the $N shards share one fingerprint" "$fps" 1
	expect_exit 0 "list the uploaded results" env -u AWS_PROFILE HOME="$T" AWS_ACCESS_KEY_ID=S3RVER \
		AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 aws s3 ls --recursive s3://qgate-results/clicks/run-1/
	expect_eq "S3 holds the $N shards' results" "$(grep -Ec '/shard-[0-9]+/data-validate.json$' "$T/out")" "$N"

	expect_exit 0 "merge Job: the download init container" pod merge-job.yaml Job/qgate-merge-clicks download 0 "$T/pod-merge"
	expect_exit 1 "merge Job: qgate merge of the $N shards fails (shards 2 and 3 did)" \
		pod merge-job.yaml Job/qgate-merge-clicks merge 0 "$T/pod-merge"
	M=$T/pod-merge/merged/data-validate.json
	validate_result "the merged result" "$M"
	validate_junit "the merged JUnit" "$T/pod-merge/merged/data-validate.xml"
	expect_exit 0 "merge Job: the upload container" pod merge-job.yaml Job/qgate-merge-clicks upload 0 "$T/pod-merge"
	expect_exit 0 "fetch the merged result from S3" env -u AWS_PROFILE HOME="$T" AWS_ACCESS_KEY_ID=S3RVER \
		AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 aws s3 cp --only-show-errors \
		s3://qgate-results/clicks/run-1/merged/data-validate.json "$T/merged-from-s3.json"
	if cmp -s "$M" "$T/merged-from-s3.json"; then ok "S3 holds the merged result, byte for byte"; else
		not_ok "the merged result in S3 differs from the pod's"; fi

	# the unsharded run: the validate container's arguments without --shard
	# and --out, in the config folder (its workingDir)
	expect_exit 1 "the unsharded run over the same s3:// prefix" env HOME="$T" AWS_ACCESS_KEY_ID=S3RVER \
		AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=eu-west-1 "$DEBIAN_PY" -c '
import json, os, sys
a = json.load(open(sys.argv[1]))
os.chdir(sys.argv[2])
os.execvp("qgate-data", ["qgate-data"] + a + ["--json", sys.argv[3]])' "$T/common.json" "$T/pod-0/config" "$T/unsharded.json"
	validate_result "the unsharded result" "$T/unsharded.json"
	cat >"$T/same.py" <<'EOP'
import json, sys
u, m = (json.load(open(p)) for p in sys.argv[1:3])
def checks(r):
    return [(c["id"], c["status"], c["count"]) for c in r["checks"]]
def locs(r):
    return {c["id"]: [(l["file"], l.get("line"), l.get("column"), l.get("message")) for l in c.get("locations", [])]
            for c in r["checks"]}
for what, a, b in (("status", u["status"], m["status"]), ("checks (id, status, count)", checks(u), checks(m)),
                   ("locations", locs(u), locs(m)),
                   ("rows, violations", (u["metrics"]["rows"], u["metrics"]["violations"]),
                    (m["metrics"]["rows"], m["metrics"]["violations"])),
                   ("fingerprint", u["invocation"]["fingerprint"], m["invocation"]["fingerprint"])):
    print(("ok merged = unsharded: %s" % what) if a == b else ("not ok merged != unsharded: %s: %r vs %r" % (what, a, b)))
print("ok figures: %d rows, %d violations, %d checks, %d failed" % (
    u["metrics"]["rows"], u["metrics"]["violations"], len(u["checks"]), sum(c["status"] == "fail" for c in u["checks"])))
EOP
	if "$DEBIAN_PY" "$T/same.py" "$T/unsharded.json" "$M" >"$T/same.out" 2>"$T/same.err"; then :; else
		not_ok "comparing merged and unsharded crashed"; sed 's/^/#   /' "$T/same.err"; fi
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		*) not_ok "${line#not ok }" ;;
		esac
	done <"$T/same.out"
	expect_eq "the failed checks are the planted ones" \
		"$(json_get "$M" 'sorted((c["id"], c["count"]) for c in d["checks"] if c["status"] == "fail")')" \
		"$(cat "$T/planted")"

	# a shard whose upload is gone: the merge says which (exit 3)
	last=$((N - 1))
	expect_exit 0 "remove shard-$last's upload from S3" env -u AWS_PROFILE HOME="$T" AWS_ACCESS_KEY_ID=S3RVER \
		AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 aws s3 rm --recursive --only-show-errors "s3://qgate-results/clicks/run-1/shard-$last/"
	expect_exit 0 "merge Job again: download" pod merge-job.yaml Job/qgate-merge-clicks download 0 "$T/pod-merge2"
	expect_exit 3 "merge Job again: a missing shard is exit 3" pod merge-job.yaml Job/qgate-merge-clicks merge 0 "$T/pod-merge2"
	expect_grep "naming the missing shard's folder" "shard-$last'" "$T/err"
fi

# ---------------------------------------------------------------- 4. pin
mkdir -p "$T/pin" && cp "$K8S"/*.yaml "$T/pin/" && printf 'churn model v7\n' >"$T/model.bin"
expect_exit 0 "push a model to production (oci-layout)" qgate-deploy push --to "oci-layout:$T/reg:production" "$T/model.bin"
DIG=$(head -1 "$T/out")
expect_grep "push printed the digest" '^sha256:[0-9a-f]{64}$' "$T/out"
expect_exit 0 "qgate-deploy pin deployment.yaml to it" qgate-deploy pin --file "$T/pin/deployment.yaml" \
	--image registry.example.com/ml/churn --digest "$DIG" --json "$T/pin.json"
validate_result "pin result" "$T/pin.json"
diff "$K8S/deployment.yaml" "$T/pin/deployment.yaml" >"$T/pin.diff"
expect_eq "one line changed" "$(grep -c '^[<>]' "$T/pin.diff")" 2
expect_eq "the server image line, now pinned to the pushed digest" "$(sed -n 's/^> //p' "$T/pin.diff")" \
	"$(sed -n 's/^< //p' "$T/pin.diff" | sed "s/@sha256:[0-9a-f]*/@$DIG/")"
expect_grep "that line names the pushed digest" "^> +image: registry.example.com/ml/churn@$DIG\$" "$T/pin.diff"
expect_eq "still YAML, the server's image the pushed digest" \
	"$("$DEBIAN_PY" -c 'import sys,yaml; d=list(yaml.safe_load_all(open(sys.argv[1]))); print(d[0]["spec"]["template"]["spec"]["containers"][0]["image"])' "$T/pin/deployment.yaml")" \
	"registry.example.com/ml/churn@$DIG"
[ "$KUBECTL_OK" = 1 ] && expect_exit 0 "the pinned deployment.yaml still passes the dry run" kdry "$T/pin/deployment.yaml"
# the qgate image's placeholder: pin sets the real digest in every manifest
for f in validate-job.yaml merge-job.yaml deployment.yaml; do
	n=$(grep -c "image: $QGATE_REPO@" "$K8S/$f")
	cp "$T/pin/$f" "$T/pin/$f.before"
	expect_exit 0 "pin the qgate image in $f" qgate-deploy pin --file "$T/pin/$f" --image "$QGATE_REPO" --digest "$DIG" --json "$T/pin-q.json"
	expect_eq "$f: its $n qgate image line(s) and nothing else changed" \
		"$(diff "$T/pin/$f.before" "$T/pin/$f" | grep -c '^>')/$(diff "$T/pin/$f.before" "$T/pin/$f" | grep -c "^> .*image: $QGATE_REPO@$DIG\$")" "$n/$n"
done
expect_exit 1 "pin of an image no manifest names is exit 1" qgate-deploy pin --file "$T/pin/merge-job.yaml" \
	--image registry.example.com/ml/churn --digest "$DIG"

# ---------------------------------------------------------------- 5. the project's image
# `make image` (ci/image.sh) from the programs under test; every manifest
# pinned to its digest, which names a manifest in the layout whose config
# runs qgate as the uid the pods require (the Jobs give the qgate image
# args only: its entrypoint must be qgate).
BIN=${QG_FAULT_REL_BIN:-$QG_BIN}
if ! sh "$QG_ROOT/ci/image.sh" "$BIN" "$T/image" >"$T/image.log" 2>&1; then
	skip "ci/image.sh could not build the image here ($(tail -1 "$T/image.log")): PIN TO THE PROJECT'S IMAGE NOT RUN"
	echo "WARNING: t_k8s: ci/image.sh failed: $(tail -1 "$T/image.log")" >&2
else
	IDIG=$(json_get "$T/image/index.json" 'd["manifests"][0]["digest"]')
	echo "$IDIG" >"$T/idig"
	expect_grep "ci/image.sh wrote the image's digest to index.json" '^sha256:[0-9a-f]{64}$' "$T/idig"
	cat >"$T/imgcfg.py" <<'EOP'
import json, sys
lay, dig = sys.argv[1], sys.argv[2]
blob = lambda d: json.load(open("%s/blobs/sha256/%s" % (lay, d.split(":")[1])))
m = blob(dig)
c = blob(m["config"]["digest"])["config"]
print(json.dumps([c.get("User"), c.get("Entrypoint")]))
EOP
	expect_eq "the image's config: user 65532, entrypoint qgate" "$("$DEBIAN_PY" "$T/imgcfg.py" "$T/image" "$IDIG")" \
		'["65532:65532", ["/usr/local/bin/qgate"]]'
	mkdir -p "$T/img" && cp "$K8S"/*.yaml "$T/img/"
	for f in validate-job.yaml merge-job.yaml deployment.yaml; do
		expect_exit 0 "pin $f to the project's image" qgate-deploy pin --file "$T/img/$f" --image "$QGATE_REPO" --digest "$IDIG"
	done
	"$DEBIAN_PY" "$T/check.py" "$T/img" "$T/n2" "$T/common2.json" >"$T/check2.out" 2>&1
	expect_eq "the pinned manifests pass the same checks" "$(grep -c '^not ok' "$T/check2.out")" 0
	expect_eq "and name the image's digest: the 2 Jobs and the deployment's health hook" \
		"$(cat "$T"/img/*.yaml | grep -c "image: $QGATE_REPO@$IDIG\$")" 3
	if [ "$KUBECTL_OK" = 1 ]; then
		for f in validate-job.yaml merge-job.yaml deployment.yaml; do
			expect_exit 0 "dry run of $f pinned to the image" kdry "$T/img/$f"
		done
	fi
	IMAGE_OK=1
fi

# ---------------------------------------------------------------- 6. the Jobs in the image
# The qgate containers of part 3 again, now in the image of part 5 with
# podman (runc), as the pods' securityContext says: read-only root, uid and
# gid 65532, no capabilities, no new privileges; the AWS CLI containers run
# here as before. The merge of what the image wrote equals the unsharded run.
if [ "${IMAGE_OK:-0}" != 1 ] || [ -z "$port" ]; then
	skip "no image or no s3rver: THE JOBS IN THE IMAGE NOT RUN"
elif ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
	skip "podman or runc not installed (Debian: podman runc): THE JOBS IN THE IMAGE NOT RUN"
	echo "WARNING: t_k8s: podman/runc missing, the Jobs did not run in the image" >&2
else
	PM="podman --root $T/pm/root --runroot $T/pm/run --storage-driver vfs"
	# shellcheck disable=SC2086
	# (a pull names the image after its folder, which must be lowercase: pull
	# the relative path from $T)
	if ! (cd "$T" && $PM pull -q "oci:image:qgate") >"$T/pm.pull" 2>&1; then
		skip "podman cannot load the image ($(tail -1 "$T/pm.pull")): THE JOBS IN THE IMAGE NOT RUN"
	else
		# shellcheck disable=SC2086
		IID=$($PM images -q | head -1)
		# shellcheck disable=SC2086
		$PM run --rm --runtime runc --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
			"$IID" --version >"$T/pm.out" 2>"$T/pm.err"
		rc=$?
		if [ "$rc" -ne 0 ] && grep -Eqi '^Error: .*(OCI|runtime|cgroup|namespace|newuidmap|setrlimit|permission denied|not permitted)' "$T/pm.err"; then
			skip "podman cannot run containers here ($(head -1 "$T/pm.err")): THE JOBS IN THE IMAGE NOT RUN"
		else
			export QG_K8S_PODMAN="$PM" QG_K8S_IMAGE="$IID"
			k=0
			while [ "$k" -lt "$N" ]; do
				want=0
				{ [ "$k" -eq 1 ] || [ "$k" -eq 2 ]; } && want=1
				expect_exit "$want" "in the image: index $k's validate container" \
					pod validate-job.yaml Job/qgate-validate-clicks validate "$k" "$T/ipod-$k"
				expect_eq "in the image: index $k's result written by uid 65532" \
					"$(stat -c %u "$T/ipod-$k/results/data-validate.json" 2>&1)" 65532
				expect_exit 0 "in the image: index $k's upload container" \
					pod validate-job.yaml Job/qgate-validate-clicks upload "$k" "$T/ipod-$k"
				k=$((k + 1))
			done
			expect_exit 0 "in the image: the merge Job's download" pod merge-job.yaml Job/qgate-merge-clicks download 0 "$T/ipod-merge"
			expect_exit 1 "in the image: qgate merge" pod merge-job.yaml Job/qgate-merge-clicks merge 0 "$T/ipod-merge"
			validate_result "in the image: the merged result" "$T/ipod-merge/merged/data-validate.json"
			"$DEBIAN_PY" "$T/same.py" "$T/unsharded.json" "$T/ipod-merge/merged/data-validate.json" >"$T/same2.out" 2>&1
			while IFS= read -r line; do
				case $line in
				"ok figures"*) ;;
				"ok "*) ok "in the image: ${line#ok }" ;;
				*) not_ok "in the image: ${line#not ok }" ;;
				esac
			done <"$T/same2.out"
			unset QG_K8S_PODMAN QG_K8S_IMAGE
		fi
		# shellcheck disable=SC2086
		$PM rmi -a -f >/dev/null 2>&1 || :
	fi
fi
done_testing
