#!/bin/sh
# t_deploy_layout.sh -- qgate-deploy and skopeo share OCI image layouts both ways
#
# An OCI layout is a format other tools write too, so qgate must keep what they
# wrote and they must keep reading what qgate writes: skopeo creates a layout
# and tags an image in it, qgate pushes beside it (skopeo's tag still reads,
# and qgate's reads with skopeo), skopeo then writes a tag into the layout qgate
# made and qgate pushes again (every tag survives). A layout of an unknown
# major version is refused (exit 3, naming the file). skopeo missing is a loud
# SKIP, never a pass.
. "$(dirname "$0")/lib.sh"

D=qgate-deploy
if ! command -v skopeo >/dev/null 2>&1; then
	skip "skopeo not installed: layout interoperability tests NOT RUN"
	echo "WARNING: t_deploy_layout: skopeo not found, tests skipped" >&2
	done_testing
	exit
fi
hex_of() { sha256sum "$1" | cut -d' ' -f1; }
tags_of() { json_get "$1/index.json" 'sorted(m.get("annotations",{}).get("org.opencontainers.image.ref.name","") for m in d["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name"))'; }

head -c 5000 /dev/urandom >"$T/model.onnx"
printf 'a,b\n1,2\n' >"$T/data.csv"

# a source image in skopeo's dir: format, from a first qgate push
expect_exit 0 "push into a new layout" $D push -q --to "oci-layout:$T/first:v1" "$T/model.onnx"
expect_exit 0 "skopeo copies it to dir:" skopeo copy -q "oci:$T/first:v1" "dir:$T/src"

# skopeo makes a layout; qgate pushes beside its tag
expect_exit 0 "skopeo writes a layout" skopeo copy -q "dir:$T/src" "oci:$T/mixed:fromskopeo"
expect_exit 0 "qgate pushes into skopeo's layout" $D push -q --to "oci-layout:$T/mixed:v1" "$T/data.csv"
QD=$(head -1 "$T/out")
expect_eq "both tags in index.json" "$(tags_of "$T/mixed")" '["fromskopeo", "v1"]'
expect_exit 0 "skopeo still reads its own tag" skopeo inspect --raw "oci:$T/mixed:fromskopeo"
expect_exit 0 "skopeo reads qgate's tag" skopeo inspect --raw "oci:$T/mixed:v1"
expect_eq "skopeo's bytes for qgate's tag hash to the digest qgate printed" "sha256:$(hex_of "$T/out")" "$QD"
expect_exit 0 "skopeo copies qgate's artifact out" skopeo copy -q "oci:$T/mixed:v1" "dir:$T/back"
if cmp -s "$T/data.csv" "$T/back/$(hex_of "$T/data.csv")"; then ok "the layer is byte-identical"
else not_ok "the layer differs"; fi

# skopeo writes a tag into a layout qgate made; qgate pushes again
expect_exit 0 "skopeo adds a tag to qgate's layout" skopeo copy -q "dir:$T/src" "oci:$T/first:byskopeo"
expect_exit 0 "qgate pushes again" $D push -q --to "oci-layout:$T/first:v2" "$T/data.csv"
expect_eq "all three tags survive" "$(tags_of "$T/first")" '["byskopeo", "v1", "v2"]'
expect_exit 0 "skopeo reads its tag after qgate rewrote index.json" skopeo inspect --raw "oci:$T/first:byskopeo"
# a qgate re-push of a tag skopeo wrote moves it
expect_exit 0 "qgate moves skopeo's tag" $D push -q --to "oci-layout:$T/first:byskopeo" "$T/data.csv"
expect_eq "one entry per tag" "$(tags_of "$T/first")" '["byskopeo", "v1", "v2"]'
expect_eq "skopeo sees the moved tag" "$(skopeo inspect --raw "oci:$T/first:byskopeo" | sha256sum | cut -d' ' -f1)" \
	"$(json_get "$T/first/index.json" '[m["digest"] for m in d["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name")=="byskopeo"][0][7:]')"

# a layout version qgate does not know
printf '{"imageLayoutVersion": "2.0.0"}' >"$T/first/oci-layout"
expect_exit 3 "imageLayoutVersion 2.0.0 is refused" $D push -q --to "oci-layout:$T/first:v3" "$T/data.csv"
expect_grep "names the file and the version" "first/oci-layout'.*2\.0\.0" "$T/err"
printf 'not json' >"$T/first/oci-layout"
expect_exit 3 "an oci-layout that does not parse is refused" $D push -q --to "oci-layout:$T/first:v3" "$T/data.csv"
expect_grep "names it" "first/oci-layout" "$T/err"

done_testing
