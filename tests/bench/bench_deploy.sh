#!/bin/sh
# bench_deploy.sh -- push a large file to a local docker-registry: qgate-deploy vs skopeo copy
#
#   tests/bench/bench_deploy.sh [SIZE_MB] [ROUNDS]     (default 1024 MB, 3 rounds)
#
# One plain-HTTP docker-registry on 127.0.0.1 (a temp folder; its storage is cleared
# between runs so every push sends every byte). The same bytes are pushed by
#   qgate-deploy push --to oci://.../bench/q:rN --insecure FILE
#   skopeo copy dir:SRC docker://.../bench/s:rN        (SRC: the same file as the one layer
#                                                         of a dir: image skopeo reads)
# interleaved, ROUNDS times each. Wall, user+sys CPU and max RSS of the client are taken
# with GNU time (/usr/bin/time -f); the registry's own work is the same for both.
# Env: B (build dir, default build), CHUNK (qgate --chunk-size, default its own),
# BENCH_CWD (where the clients run; default the temp folder, outside any git work tree).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
QG=$ROOT/$B/bin/qgate-deploy
SIZE_MB=${1:-1024}
ROUNDS=${2:-3}
for p in docker-registry skopeo /usr/bin/time; do
	command -v "$p" >/dev/null 2>&1 || { echo "bench_deploy: $p missing" >&2; exit 77; }
done
[ -x "$QG" ] || { echo "bench_deploy: $QG not built (make B=$B)" >&2; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/qgate-bench-deploy.XXXXXX")
REG_PID=
trap '[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$W"' EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start_registry() {
	rm -rf "$W/data"
	mkdir -p "$W/data"
	cat >"$W/config.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $W/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
YML
	docker-registry serve "$W/config.yml" >"$W/registry.log" 2>&1 &
	REG_PID=$!
	i=0
	until /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$PORT" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -lt 100 ] || { cat "$W/registry.log"; exit 1; }; sleep 0.1
	done
}
stop_registry() { kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null || true; REG_PID=; }

echo "making $SIZE_MB MB of random bytes and a dir: image of them for skopeo"
head -c $((SIZE_MB * 1048576)) /dev/urandom >"$W/model.bin"
HEX=$(sha256sum "$W/model.bin" | cut -c1-64)
SIZE=$(stat -c %s "$W/model.bin")
mkdir -p "$W/src"
ln "$W/model.bin" "$W/src/$HEX"
printf '{}' >"$W/src/44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
printf 'Directory Transport Version: 1.1\n' >"$W/src/version"
cat >"$W/src/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/octet-stream","digest":"sha256:$HEX","size":$SIZE}]}
JSON
cat "$W/model.bin" >/dev/null # warm the page cache for both

run() { # LABEL CMD...: one timed run on an empty registry
	label=$1; shift
	start_registry
	# from the temp folder: outside a git work tree push skips the commit
	# lookup (its status walk of a large tree is the git code's cost, not
	# the transfer's; BENCH_CWD=DIR measures it)
	cd "${BENCH_CWD:-$W}"
	/usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >"$W/out" 2>&1 || { cat "$W/out"; exit 1; }
	read -r wall user sys rss <"$W/time"
	stop_registry
	cpu=$(echo "$user $sys" | awk '{printf "%.2f", $1 + $2}')
	echo "$label $wall $cpu $rss" >>"$W/results"
	printf '%-8s wall %6.2f s  cpu %6.2f s  max RSS %7d KiB\n' "$label" "$wall" "$cpu" "$rss"
}

: >"$W/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	run qgate "$QG" push --to "oci://127.0.0.1:$PORT/bench/q:r$r" --insecure ${CHUNK:+--chunk-size "$CHUNK"} \
		--no-provenance "$W/model.bin"
	run skopeo skopeo copy -q --dest-tls-verify=false "dir:$W/src" "docker://127.0.0.1:$PORT/bench/s:r$r"
	r=$((r + 1))
done
echo
for k in qgate skopeo; do
	printf '%-8s median wall %6.2f s\n' "$k" "$(awk -v k="$k" '$1 == k {print $2}' "$W/results" | sort -n |
		awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')"
done
awk '{ n[$1]++; w[$1]+=$2; c[$1]+=$3; if ($4 > m[$1]) m[$1]=$4 }
     END { for (k in n) printf "%-8s mean wall %6.2f s  mean cpu %6.2f s  max RSS %7d KiB  (%d runs)\n", k, w[k]/n[k], c[k]/n[k], m[k], n[k];
           if (n["qgate"] && n["skopeo"]) printf "qgate/skopeo wall ratio %.2f, cpu ratio %.2f\n", (w["qgate"]/n["qgate"])/(w["skopeo"]/n["skopeo"]), (c["qgate"]/n["qgate"])/(c["skopeo"]/n["skopeo"]) }' "$W/results"
