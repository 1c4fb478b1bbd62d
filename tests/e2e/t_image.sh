#!/bin/sh
# t_image.sh -- ci/image.sh (`make image`) builds a runnable OCI image with no
# base image: an OCI layout skopeo reads (platform, user 65532:65532,
# entrypoint qgate, working folder /work), blobs whose names are their
# digests, one reproducible layer (sorted, owners 0:0 but the home folder,
# times SOURCE_DATE_EPOCH, same digests twice) under 30 MB compressed, and a
# tree in which every NEEDED entry of every program and library -- also of
# libgit2/libcurl/libcrypto, loaded with dlopen -- resolves inside the tree;
# the tree's own loader runs the programs from the tree alone. As root the
# tree runs as a root filesystem (chroot, as uid 65532). With podman the image
# runs: qgate --version and a data gate on a mounted folder, as the non-root
# user. podman missing or unable to run is a loud skip with the reason.
. "$(dirname "$0")/lib.sh"

# Release binaries: under `make check` QG_BIN is the sanitizer build.
BIN=${QG_FAULT_REL_BIN:-$QG_BIN}
SH=$QG_ROOT/ci/image.sh
IMG=$T/img
TREE=$IMG.rootfs
SDE=1700000000
export SOURCE_DATE_EPOCH=$SDE
LIMIT=$((30 * 1024 * 1024))
VER=$(sed -n 's/^#define QG_VERSION "\([^"]*\)".*/\1/p' "$QG_ROOT/include/qgate/version.h")

# --- usage and fail-closed ----------------------------------------------------
expect_exit 2 "no arguments is a usage error" sh "$SH"
expect_exit 2 "a bad ref name is a usage error" sh "$SH" "$BIN" "$T/x" 'bad/ref'
expect_exit 3 "a folder without qgate is refused" sh "$SH" "$T" "$T/x"
expect_grep "... naming the missing program" "'$T/qgate': not found" "$T/err"
expect_exit 3 "a dlopen soname no program names is refused" \
	env QG_LIBCURL_SONAME=libcurl.so.99 sh "$SH" "$BIN" "$T/x"
expect_grep "... naming it" "QG_LIBCURL_SONAME='libcurl.so.99'" "$T/err"
expect_no_file "... and nothing is written" "$T/x"
left=$(find "$T" -maxdepth 1 -name '.image.*' | wc -l)
expect_eq "... and no work folder is left" "$left" "0"

# --- build ------------------------------------------------------------------------
expect_exit 0 "ci/image.sh builds the image from $BIN" sh "$SH" "$BIN" "$IMG"
sed 's/^/# /' "$T/out"
for f in oci-layout index.json; do expect_file "layout has $f" "$IMG/$f"; done
expect_grep "oci-layout is version 1.0.0" '"imageLayoutVersion":"1.0.0"' "$IMG/oci-layout"
expect_grep "index.json names the image qgate" '"org.opencontainers.image.ref.name":"qgate"' "$IMG/index.json"

# every blob's name is its digest
bad=""
for b in "$IMG"/blobs/sha256/*; do
	h=$(sha256sum "$b" | cut -d' ' -f1)
	[ "$h" = "$(basename "$b")" ] || bad="$bad $(basename "$b")"
done
expect_eq "every blob's name is its sha256" "$bad" ""

mf=$(json_get "$IMG/index.json" 'd["manifests"][0]["digest"]')
M=$IMG/blobs/sha256/${mf#sha256:}
expect_eq "the manifest is an OCI image manifest" \
	"$(json_get "$M" 'd["mediaType"]')" "application/vnd.oci.image.manifest.v1+json"
cf=$(json_get "$M" 'd["config"]["digest"]')
C=$IMG/blobs/sha256/${cf#sha256:}
expect_eq "one gzip layer" "$(json_get "$M" '[l["mediaType"] for l in d["layers"]]')" \
	'["application/vnd.oci.image.layer.v1.tar+gzip"]'
lf=$(json_get "$M" 'd["layers"][0]["digest"]')
LAYER=$IMG/blobs/sha256/${lf#sha256:}
lsize=$(stat -c %s "$LAYER")
expect_eq "the manifest's layer size is the blob's" "$(json_get "$M" 'd["layers"][0]["size"]')" "$lsize"
gzip -dc "$LAYER" >"$T/layer.tar"
usize=$(stat -c %s "$T/layer.tar")
diag "image size: $lsize bytes compressed ($((lsize / 1024)) KiB), $usize bytes uncompressed"
if [ "$lsize" -lt "$LIMIT" ]; then ok "compressed image $lsize bytes < 30 MB"; else
	not_ok "compressed image $lsize bytes >= 30 MB"; fi
expect_eq "the config's diff_id is the uncompressed layer's sha256" \
	"$(json_get "$C" 'd["rootfs"]["diff_ids"][0]')" "sha256:$(sha256sum "$T/layer.tar" | cut -d' ' -f1)"
expect_eq "config: user 65532:65532" "$(json_get "$C" 'd["config"]["User"]')" "65532:65532"
expect_eq "config: entrypoint qgate" "$(json_get "$C" 'd["config"]["Entrypoint"]')" '["/usr/local/bin/qgate"]'
expect_eq "config: working folder /work" "$(json_get "$C" 'd["config"]["WorkingDir"]')" "/work"
expect_eq "config: created is SOURCE_DATE_EPOCH" "$(json_get "$C" 'd["created"]')" "2023-11-14T22:13:20Z"
expect_eq "config: no revision label unless given" "$(json_get "$C" '"org.opencontainers.image.revision" in d["config"]["Labels"]')" "false"
expect_eq "config: version label" "$(json_get "$C" 'd["config"]["Labels"]["org.opencontainers.image.version"]')" "$VER"

# --- skopeo reads it -------------------------------------------------------------
if command -v skopeo >/dev/null 2>&1; then
	expect_exit 0 "skopeo inspect oci:DIR:qgate" skopeo inspect "oci:$IMG:qgate"
	cp "$T/out" "$T/inspect.json"
	expect_eq "skopeo: architecture amd64 or arm64" \
		"$(json_get "$T/inspect.json" 'd["Architecture"] in ("amd64", "arm64")')" "true"
	expect_eq "skopeo: os linux" "$(json_get "$T/inspect.json" 'd["Os"]')" "linux"
	expect_eq "skopeo: the one layer" "$(json_get "$T/inspect.json" 'd["Layers"]')" "[\"$lf\"]"
	expect_exit 0 "skopeo inspect --config" skopeo inspect --config "oci:$IMG:qgate"
	cp "$T/out" "$T/config.json"
	expect_eq "skopeo: user 65532:65532" "$(json_get "$T/config.json" 'd["config"]["User"]')" "65532:65532"
	expect_exit 0 "skopeo copies it to an oci-archive" skopeo copy "oci:$IMG:qgate" "oci-archive:$T/qgate.tar:qgate"
else
	skip "skopeo not installed (Debian: skopeo): skopeo inspect NOT RUN"
fi

# --- the layer ------------------------------------------------------------------------
tar -tvf "$T/layer.tar" --numeric-owner --full-time >"$T/list"
awk '{ print $6 }' "$T/list" >"$T/names"
# the home folder (owned by the user) is appended after the sorted rest
grep -v '^\./home/qgate/\?$' "$T/names" >"$T/names-rest"
sorted=no
LC_ALL=C sort -c "$T/names-rest" 2>/dev/null && sorted=yes
expect_eq "layer entries sorted by name" "$sorted" "yes"
expect_grep "the programs are in /usr/local/bin" '^\./usr/local/bin/qgate$' "$T/names"
for g in "$BIN"/qgate-*; do
	expect_grep "$(basename "$g") is in the image" "^\\./usr/local/bin/$(basename "$g")\$" "$T/names"
done
expect_grep "the CA bundle" '^\./etc/ssl/certs/ca-certificates\.crt$' "$T/names"
expect_grep "/tmp is 1777" '^drwxrwxrwt 0/0 .* \./tmp/$' "$T/list"
expect_grep "/work exists" '^d.* 0/0 .* \./work/$' "$T/list"
expect_grep "the home folder is the user's" '^d.* 65532/65532 .* \./home/qgate/$' "$T/list"
expect_no_grep "every other entry is 0/0" '^[^ ]+ ([1-9][0-9]*/|0/[1-9])[^ ]* .* \./(usr|etc|lib|tmp|work)' "$T/list"
if grep -v ' 2023-11-14 22:13:20 ' "$T/list" | grep -q .; then
	not_ok "an entry's time is not SOURCE_DATE_EPOCH"; grep -v ' 2023-11-14 22:13:20 ' "$T/list" | head -3 | sed 's/^/#   /'
else ok "every entry's time is SOURCE_DATE_EPOCH"; fi
tar -xOf "$T/layer.tar" ./etc/passwd >"$T/passwd"
tar -xOf "$T/layer.tar" ./etc/group >"$T/group"
expect_grep "/etc/passwd has qgate 65532" '^qgate:x:65532:65532:' "$T/passwd"
expect_grep "/etc/group has qgate 65532" '^qgate:x:65532:$' "$T/group"

# --- reproducible ---------------------------------------------------------------------
expect_exit 0 "a second build" sh "$SH" "$BIN" "$T/img2"
expect_eq "the same inputs give the same manifest digest" \
	"$(json_get "$T/img2/index.json" 'd["manifests"][0]["digest"]')" "$mf"
rm -rf "$T/img2" "$T/img2.rootfs"
expect_exit 0 "QG_IMAGE_REVISION labels the revision" env QG_IMAGE_REVISION=0123abc sh "$SH" "$BIN" "$T/img3"
m3=$(json_get "$T/img3/index.json" 'd["manifests"][0]["digest"]')
M3=$T/img3/blobs/sha256/${m3#sha256:}
expect_eq "... in the manifest's annotations" "$(json_get "$M3" 'd["annotations"]["org.opencontainers.image.revision"]')" "0123abc"
c3=$(json_get "$M3" 'd["config"]["digest"]')
expect_eq "... and the config's labels" "$(json_get "$T/img3/blobs/sha256/${c3#sha256:}" 'd["config"]["Labels"]["org.opencontainers.image.revision"]')" "0123abc"
rm -rf "$T/img3" "$T/img3.rootfs"
expect_exit 2 "a QG_IMAGE_REVISION that is not a commit id is refused" env QG_IMAGE_REVISION='x"y' sh "$SH" "$BIN" "$T/img3"

# --- the tree resolves its own libraries ----------------------------------------------------
interp=$(readelf -l "$BIN/qgate" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
LD=$TREE$interp
expect_file "the loader $interp is in the tree" "$LD"
# the loader's system folders, inside the tree (links within the tree resolve)
LIBDIRS=""
for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
	[ -d "$TREE$d" ] && LIBDIRS="$LIBDIRS $TREE$d"
done
: >"$T/elves"
for f in "$TREE"/usr/local/bin/* $(find "$TREE" -name '*.so*' -type f); do
	if readelf -h "$f" >/dev/null 2>&1; then echo "$f" >>"$T/elves"; fi
done
nelf=$(wc -l <"$T/elves")
: >"$T/unresolved"
while IFS= read -r f; do
	for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=no
		for d in $LIBDIRS; do [ -e "$d/$n" ] && { found=yes; break; }; done
		[ $found = yes ] || echo "${f#"$TREE"} needs $n" >>"$T/unresolved"
	done
done <"$T/elves"
diag "$nelf ELF files in the tree"
if [ -s "$T/unresolved" ]; then
	not_ok "every NEEDED entry resolves inside the tree"; head -10 "$T/unresolved" | sed 's/^/#   /'
else ok "every NEEDED entry of $nelf programs and libraries resolves inside the tree"; fi
for v in QG_LIBGIT2_SONAME QG_LIBCURL_SONAME QG_LIBCRYPTO_SONAME; do
	case $v in *GIT2*) p='libgit2\.so\.[0-9.]*' ;; *CURL*) p='libcurl\.so\.[0-9.]*' ;; *) p='libcrypto\.so\.[0-9.]*' ;; esac
	s=$(grep -aoh "$p" "$BIN/qgate-deploy" "$BIN/qgate-data" | sort -u | head -1)
	found=no
	for d in $LIBDIRS; do [ -n "$s" ] && [ -e "$d/$s" ] && found=yes; done
	expect_eq "the dlopen'd $s ($v) is in the tree" "$found" "yes"
	DL="${DL:-} $s"
done

LP=$(printf '%s' "${LIBDIRS# }" | tr ' ' ':')
expect_exit 0 "the tree's loader runs the tree's qgate --version" "$LD" --library-path "$LP" "$TREE/usr/local/bin/qgate" --version
expect_grep "... qgate $VER" "^qgate $VER\$" "$T/out"
# --list with the dlopen'd libraries preloaded: every library the programs
# can load comes from the tree (the library path is searched before the host's)
"$LD" --library-path "$LP" --preload "${DL# }" --list "$TREE/usr/local/bin/qgate-deploy" >"$T/list-libs" 2>&1
expect_eq "loader --list with the dlopen'd libraries preloaded exits 0" "$?" "0"
grep '=>' "$T/list-libs" | grep -v "=> $TREE/" >"$T/outside" || :
if [ -s "$T/outside" ]; then not_ok "a library resolves outside the tree"; sed 's/^/#   /' "$T/outside"
else ok "all $(grep -c '=>' "$T/list-libs") libraries of qgate-deploy + dlopen resolve inside the tree"; fi

mkdir -p "$T/data"
cp "$QG_ROOT/examples/data/train.csv" "$QG_ROOT/examples/data/train.schema.json" "$T/data/"
( cd "$T/data" && "$LD" --library-path "$LP" "$TREE/usr/local/bin/qgate-data" validate \
	--schema train.schema.json train.csv --json r.json ) >"$T/out" 2>&1
expect_eq "the tree's qgate-data validates a CSV (exit 0)" "$?" "0"
validate_result "its result" "$T/data/r.json"

# --- the tree as a root filesystem (root only) ----------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v chroot >/dev/null 2>&1; then
	cp "$T/data/train.csv" "$T/data/train.schema.json" "$TREE/work/"
	chmod 0644 "$TREE/work/train.csv" "$TREE/work/train.schema.json"
	CHR="env -i PATH=/usr/local/bin HOME=/home/qgate $(command -v chroot) --userspec=65532:65532 $TREE"
	$CHR /usr/local/bin/qgate --version >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 125 ] || { [ $rc -ne 0 ] && grep -q 'cannot change root' "$T/err"; }; then
		skip "chroot into the tree refused ($(head -1 "$T/err")): root-filesystem run NOT RUN"
	else
		expect_eq "chroot as 65532: qgate --version (exit 0)" "$rc" "0"
		expect_grep "... prints qgate $VER" "^qgate $VER\$" "$T/out"
		$CHR /usr/local/bin/qgate data validate \
			--schema /work/train.schema.json /work/train.csv >"$T/out" 2>"$T/err"
		expect_eq "chroot as 65532: qgate data validate finds qgate-data beside it (exit 0)" "$?" "0"
		expect_grep "... and passes" 'qgate-data: PASS' "$T/out"
		# https:// from inside: libcurl, libcrypto and their dependencies load
		# from the tree (dlopen); TLS is verified against the image's bundle
		. "$QG_ROOT/tests/e2e/servers/nginx-tls.sh"
		trap '[ -n "${NGX_PID:-}" ] && kill "$NGX_PID" 2>/dev/null; rm -rf "$T"' EXIT
		mkdir -p "$T/www"
		cp "$T/data/train.csv" "$T/www/"
		nginx_tls_start "$T/ngx" "$T/www"
		rc=$?
		if [ $rc -eq 0 ]; then
			cp "$NGX_CERT" "$TREE/work/ca.pem"
			chmod 0644 "$TREE/work/ca.pem"
			$CHR /usr/local/bin/qgate data validate --schema /work/train.schema.json \
				"https://127.0.0.1:$NGX_PORT/train.csv" >"$T/out" 2>"$T/err"
			expect_eq "chroot: https:// with a certificate not in the image's CA bundle is exit 3" "$?" "3"
			expect_grep "... a certificate failure (libcurl loaded, TLS verified)" "certificate" "$T/err"
			env -i PATH=/usr/local/bin QG_CA_BUNDLE=/work/ca.pem "$(command -v chroot)" --userspec=65532:65532 "$TREE" \
				/usr/local/bin/qgate data validate --schema /work/train.schema.json \
				"https://127.0.0.1:$NGX_PORT/train.csv" >"$T/out" 2>"$T/err"
			expect_eq "chroot: https:// with the CA given validates (exit 0)" "$?" "0"
			sed 's/^/#   err: /' "$T/err" | head -5
		else
			skip "nginx/openssl missing or nginx failed (rc $rc): https:// inside the image NOT RUN"
		fi
	fi
else
	skip "not root (or no chroot): the tree as a root filesystem NOT RUN"
fi

# --- podman ------------------------------------------------------------------------------------
if ! command -v podman >/dev/null 2>&1; then
	skip "podman not installed (Debian: podman runc; ci/install-deps lists podman): running the image with podman NOT RUN"
	done_testing; exit
fi
if ! command -v runc >/dev/null 2>&1; then
	# crun (podman's other runtime) refuses hosts with cgroups in hybrid mode
	skip "runc not installed (Debian: runc; ci/install-deps should list it beside podman): podman run --runtime runc NOT RUN"
	done_testing; exit
fi
PM="podman --root $T/pm/root --runroot $T/pm/run --storage-driver vfs"
mkdir -p "$T/pm"
if ! $PM load -i "$T/qgate.tar" >"$T/load" 2>&1 && ! $PM pull "oci:$IMG:qgate" >"$T/load" 2>&1; then
	skip "podman cannot load the image here ($(tail -1 "$T/load")): podman run NOT RUN"
	done_testing; exit
fi
ok "podman loads the image"
id=$($PM images -q | head -1)
# limits lowered, never raised: a container host without CAP_SYS_RESOURCE
# refuses podman's default nproc/nofile limits
RUN="$PM run --rm --runtime runc --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
$RUN "$id" --version >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ] && grep -Eqi '^Error: .*(OCI|runtime|cgroup|namespace|newuidmap|setrlimit|permission denied|not permitted)' "$T/err"; then
	skip "podman cannot run containers here ($(head -1 "$T/err")): podman run NOT RUN"
	done_testing; exit
fi
expect_eq "podman run qgate --version (exit 0)" "$rc" "0"
expect_grep "... prints qgate $VER" "^qgate $VER\$" "$T/out"
chmod 0755 "$T/data"; chmod 0644 "$T/data"/*
$RUN -v "$T/data:/work:ro" "$id" data validate --schema /work/train.schema.json /work/train.csv >"$T/out" 2>"$T/err"
expect_eq "podman run: qgate data validate on the mounted folder (exit 0)" "$?" "0"
expect_grep "... passes" 'qgate-data: PASS' "$T/out"
$RUN -v "$T/data:/work:ro" "$id" data validate --schema /work/train.schema.json /work/missing.csv >"$T/out" 2>"$T/err"
expect_eq "podman run: a missing file in the mounted folder is exit 3" "$?" "3"
$PM inspect --format '{{.Config.User}}' "$id" >"$T/user" 2>&1
expect_grep "podman: the image runs as 65532:65532" '^65532:65532$' "$T/user"
$PM rmi -a -f >/dev/null 2>&1 || :
done_testing
