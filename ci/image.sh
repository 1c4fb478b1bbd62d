#!/bin/sh
# ci/image.sh -- build the qgate OCI image from built binaries, no base image
#
# Usage: ci/image.sh BINDIR OUTDIR [REF]
#   BINDIR  the built programs (build/bin, $(B)/bin): every qgate* in it
#   OUTDIR  written as an OCI image layout (oci-layout, index.json,
#           blobs/sha256/...); the root filesystem tree it was made from is
#           kept beside it in OUTDIR.rootfs (tests run the loader from it)
#   REF     the name in index.json (org.opencontainers.image.ref.name),
#           default "qgate": skopeo inspect oci:OUTDIR:qgate
#
# The image holds one layer: the programs in /usr/local/bin (stripped copies),
# every shared library they load -- those ldd lists for the programs AND those
# they dlopen on first use (libgit2, libcurl, libcrypto: sonames from
# QG_LIBGIT2_SONAME, QG_LIBCURL_SONAME, QG_LIBCRYPTO_SONAME in the environment,
# as the Makefile computes them, else read from the programs themselves) with
# ldd run on the resolved library files too -- the dynamic loader, the CA
# bundle (/etc/ssl/certs/ca-certificates.crt), /etc/passwd and /etc/group
# with the user qgate (65532:65532) it runs as, /tmp (1777) and /work (the
# working folder; mount the data there).
#
# QG_IMAGE_REVISION=<commit id> adds org.opencontainers.image.revision.
#
# Reproducible: file times are SOURCE_DATE_EPOCH (default: the last commit's
# time, else 0), owners 0:0 (the home folder 65532:65532), names sorted, gzip
# without name or time; the same inputs give the same digests.
#
# Exit: 0 written; 2 usage; 3 a program, library, tool or the CA bundle is
# missing, or a library cannot be resolved (nothing is left half-written:
# OUTDIR is replaced only at the end).
set -eu

me=ci/image.sh
die() { rc=$1; shift; echo "$me: error: $*" >&2; exit "$rc"; }

if [ $# -lt 2 ] || [ $# -gt 3 ]; then die 2 "usage: ci/image.sh BINDIR OUTDIR [REF]"; fi
BIN=$1 OUT=${2%/} REF=${3:-qgate}
case $OUT in ''|/|.|..) die 2 "'$2': refusing to replace this folder" ;; esac
case $REF in *[!A-Za-z0-9._:-]*|'') die 2 "'$REF': a ref name is [A-Za-z0-9._:-]+" ;; esac
[ -x "$BIN/qgate" ] || die 3 "'$BIN/qgate': not found or not executable (build first: make all)"

for t in ldd readelf tar gzip sha256sum stat; do
	command -v "$t" >/dev/null 2>&1 || die 3 "'$t' not found (Debian: binutils, libc-bin, tar, gzip, coreutils)"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || die 3 "tar is not GNU tar (needed: --sort=name, --mtime)"
CA=/etc/ssl/certs/ca-certificates.crt
[ -s "$CA" ] || die 3 "'$CA': missing or empty (Debian: ca-certificates)"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)
fi
case $SOURCE_DATE_EPOCH in ''|*[!0-9]*) die 2 "SOURCE_DATE_EPOCH='$SOURCE_DATE_EPOCH': expected seconds since 1970" ;; esac
export SOURCE_DATE_EPOCH
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
# QG_IMAGE_REVISION (a commit id, e.g. $GITHUB_SHA): the revision label and
# annotation; not taken from git here, the programs may be from a dirty tree
REV=""
if [ -n "${QG_IMAGE_REVISION:-}" ]; then
	case $QG_IMAGE_REVISION in *[!0-9a-f]*) die 2 "QG_IMAGE_REVISION='$QG_IMAGE_REVISION': expected a hex commit id" ;; esac
	REV="\"org.opencontainers.image.revision\":\"$QG_IMAGE_REVISION\","
fi
VERSION=$(sed -n 's/^#define QG_VERSION "\([^"]*\)".*/\1/p' "$ROOT/include/qgate/version.h")
[ -n "$VERSION" ] || die 3 "'$ROOT/include/qgate/version.h': no '#define QG_VERSION \"X.Y.Z\"'"

# The image's platform is the programs' own; ldd only resolves the host's.
mach=$(readelf -h "$BIN/qgate" | sed -n 's/^ *Machine: *//p')
case $mach in
*X86-64*) ARCH=amd64 ;;
AArch64) ARCH=arm64 ;;
*) die 3 "'$BIN/qgate': machine '$mach', expected X86-64 or AArch64" ;;
esac
hostm=$(readelf -h /bin/sh | sed -n 's/^ *Machine: *//p')
[ "$mach" = "$hostm" ] || die 3 "'$BIN/qgate' is $mach, this host is $hostm: ldd cannot list its libraries (build the image on a $mach host)"

TREE=$OUT.rootfs
mkdir -p "$(dirname "$OUT")"
# beside OUTDIR, so the last step is two renames
WORK=$(mktemp -d "$(dirname "$OUT")/.image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
R=$WORK/rootfs
mkdir -p "$R/usr/local/bin" "$R/etc/ssl/certs" "$R/tmp" "$R/work" "$R/home/qgate"
chmod 1777 "$R/tmp"
chmod 0755 "$R/work" "$R/home/qgate"

# --- programs ------------------------------------------------------------
progs="" nprog=0
for p in "$BIN"/qgate*; do
	if [ ! -f "$p" ] || [ ! -x "$p" ]; then continue; fi
	nprog=$((nprog + 1))
	n=$(basename "$p")
	cp "$p" "$R/usr/local/bin/$n"
	chmod 0755 "$R/usr/local/bin/$n"
	if command -v strip >/dev/null 2>&1; then
		strip --strip-unneeded "$R/usr/local/bin/$n" || die 3 "strip '$n' failed"
	fi
	progs="$progs $p"
done

# --- libraries -------------------------------------------------------------
# The sonames loaded with dlopen: the Makefile's, or the ones compiled in.
dl=""
for v in QG_LIBGIT2_SONAME QG_LIBCURL_SONAME QG_LIBCRYPTO_SONAME; do
	eval "s=\${$v:-}"
	if [ -z "$s" ]; then
		case $v in
		*GIT2*) pat='libgit2\.so\.[0-9][0-9.]*' ;;
		*CURL*) pat='libcurl\.so\.[0-9][0-9.]*' ;;
		*) pat='libcrypto\.so\.[0-9][0-9.]*' ;;
		esac
		# shellcheck disable=SC2086
		s=$(grep -aoh "$pat" $progs | sort -u | head -1)
		[ -n "$s" ] || die 3 "$v not set and no $pat string in the programs of '$BIN'"
	else
		# shellcheck disable=SC2086
		grep -aqF "$s" $progs || die 3 "$v='$s': no program in '$BIN' names it (built with another soname?)"
	fi
	dl="$dl $s"
done

# soname -> file, as the loader would find it (ld.so.cache)
resolve() {
	f=$(ldconfig -p 2>/dev/null | awk -v s="$1" '$1 == s && /x86-64|AArch64|64bit/ { print $NF; exit }')
	if [ -z "$f" ]; then
		for d in /lib/*-linux-gnu /usr/lib/*-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
			[ -e "$d/$1" ] && { f=$d/$1; break; }
		done
	fi
	[ -n "$f" ] || die 3 "'$1' (loaded with dlopen): not found by ldconfig -p nor in the library folders (Debian: install the runtime package)"
	echo "$f"
}

: >"$WORK/libs"
ldd_in=""
for s in $dl; do
	f=$(resolve "$s") || exit 3
	echo "$f" >>"$WORK/libs"
	ldd_in="$ldd_in $f"
done
# ldd on the programs and on the dlopen'd libraries: their full closure
# shellcheck disable=SC2086
for f in $progs $ldd_in; do
	ldd "$f" >"$WORK/ldd" 2>&1 || die 3 "ldd '$f' failed: $(head -1 "$WORK/ldd")"
	if grep -q 'not found' "$WORK/ldd"; then
		die 3 "'$f': $(grep 'not found' "$WORK/ldd" | head -1 | tr -s ' \t' ' ')"
	fi
	# "libx.so.1 => /path (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' "$WORK/ldd" >>"$WORK/libs"
done
sort -u "$WORK/libs" >"$WORK/libs.u"

# A library goes to the same path in the tree, its folder resolved
# (merged /usr: /lib/x86_64-linux-gnu/libc.so.6 -> usr/lib/x86_64-linux-gnu),
# as a regular file named as the loader asks for it.
while IFS= read -r f; do
	[ -e "$f" ] || die 3 "'$f': listed by ldd but missing"
	d=$(cd "$(dirname "$f")" && pwd -P)
	mkdir -p "$R$d"
	cp -L "$f" "$R$d/$(basename "$f")"
	chmod 0755 "$R$d/$(basename "$f")"
done <"$WORK/libs.u"
# the host's top-level links (/lib -> usr/lib, /lib64 -> usr/lib64), so the
# loader's paths (PT_INTERP, the system search path) are the same
for l in lib lib64 lib32 libx32 bin sbin; do
	if [ -L "/$l" ]; then
		tgt=$(readlink "/$l")
		[ -e "$R/$l" ] && [ ! -L "$R/$l" ] && die 3 "'/$l' is a link on this host but the tree has a folder there"
		case $tgt in /*) tgt=${tgt#/} ;; esac
		[ -d "$R/$tgt" ] && ln -sfn "$tgt" "$R/$l"
	fi
done
interp=$(readelf -l "$BIN/qgate" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] || die 3 "'$BIN/qgate': no program interpreter (static build?)"
[ -e "$R$interp" ] || die 3 "'$interp' (the loader) did not land in the tree"

# --- /etc ------------------------------------------------------------------
cp -L "$CA" "$R/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$R/etc/ssl/certs/ca-certificates.crt"
# OpenSSL's compiled-in default (OPENSSLDIR=/usr/lib/ssl on Debian)
mkdir -p "$R/usr/lib/ssl"
ln -s /etc/ssl/certs "$R/usr/lib/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$R/usr/lib/ssl/cert.pem"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
qgate:x:65532:65532:qgate:/home/qgate:/sbin/nologin
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
qgate:x:65532:
EOF
cat >"$R/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
chmod 0644 "$R/etc/passwd" "$R/etc/group" "$R/etc/nsswitch.conf" "$R/etc/hosts"

# --- layer -----------------------------------------------------------------
L=$WORK/layout
mkdir -p "$L/blobs/sha256"
TAROPT="--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
--sort=name --mtime=@$SOURCE_DATE_EPOCH --numeric-owner --no-acls --no-xattrs --no-selinux"
# shellcheck disable=SC2086
tar -C "$R" $TAROPT --owner=0 --group=0 --exclude=./home/qgate -cf "$WORK/layer.tar" . ||
	die 3 "tar of the tree failed"
# shellcheck disable=SC2086
tar -C "$R" $TAROPT --owner=65532 --group=65532 -rf "$WORK/layer.tar" ./home/qgate ||
	die 3 "tar of home/qgate failed"
gzip -n -9 -c "$WORK/layer.tar" >"$WORK/layer.tar.gz"

blob() { # FILE -> digest hex; moves it into blobs/sha256
	h=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$L/blobs/sha256/$h"
	echo "$h"
}
size() { stat -c %s "$1"; }

diff_id=$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)
layer_size=$(size "$WORK/layer.tar.gz")
layer=$(blob "$WORK/layer.tar.gz")

printf '{"architecture":"%s","config":{"Entrypoint":["/usr/local/bin/qgate"],"Env":["PATH=/usr/local/bin:/usr/bin:/bin","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],"Labels":{%s"org.opencontainers.image.title":"qgate","org.opencontainers.image.version":"%s"},"User":"65532:65532","WorkingDir":"/work"},"created":"%s","history":[{"created":"%s","created_by":"ci/image.sh"}],"os":"linux","rootfs":{"diff_ids":["sha256:%s"],"type":"layers"}}' \
	"$ARCH" "$REV" "$VERSION" "$CREATED" "$CREATED" "$diff_id" >"$WORK/config.json"
config_size=$(size "$WORK/config.json")
config=$(blob "$WORK/config.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}],"annotations":{"org.opencontainers.image.created":"%s",%s"org.opencontainers.image.title":"qgate","org.opencontainers.image.version":"%s"}}' \
	"$config" "$config_size" "$layer" "$layer_size" "$CREATED" "$REV" "$VERSION" >"$WORK/manifest.json"
manifest_size=$(size "$WORK/manifest.json")
manifest=$(blob "$WORK/manifest.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
	"$manifest" "$manifest_size" "$ARCH" "$REF" >"$L/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"

# --- publish -----------------------------------------------------------------
rm -rf "$OUT" "$TREE"
mv "$L" "$OUT"
mv "$R" "$TREE"
nlib=$(wc -l <"$WORK/libs.u")
echo "image: $OUT ($REF, $ARCH): $nprog programs, $nlib libraries; layer $layer_size bytes compressed, $(size "$WORK/layer.tar") uncompressed"
echo "image: manifest sha256:$manifest"
