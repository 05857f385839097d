#!/usr/bin/env bash
# Builds the pinned real components the real-cluster tests run: kubeadm,
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kubectl from
# k8s.io/kubernetes (this folder's go.mod) and etcd from ./etcd. The binaries
# go to a cache folder outside the repo keyed by the pins, so a second run only
# checks a stamp. Prints the folder as its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v go >/dev/null || { echo "k8s:build: Go is required (go.mod asks for $(grep -m1 '^go ' "$here/go.mod"))" >&2; exit 1; }

pinned() { awk -v m="$2" '($1 == m && $2 ~ /^v/) { print $2 } ($1 == "require" && $2 == m) { print $3 }' "$1" | head -1; }
k8s_version="$(pinned "$here/go.mod" k8s.io/kubernetes)"
etcd_version="$(pinned "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)"
[ -n "$k8s_version" ] && [ -n "$etcd_version" ] || { echo "k8s:build: cannot read the pinned versions from go.mod" >&2; exit 1; }

# The key covers everything that changes the binaries: pins, sums, Go itself.
key="$(cat "$here/go.mod" "$here/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" "$here/etcd/main.go" "$0" | sha256sum | cut -c1-12)"
cache_root="${KUBEADM_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeadm-ts}"
out="$cache_root/k8s/${k8s_version}-etcd-${etcd_version}-$(go env GOVERSION)-${key}"
mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
flock 9 # one build at a time; a waiting caller then finds it done
if [ -f "$out/.complete" ]; then
  echo "k8s:build: up to date (kubernetes ${k8s_version}, etcd ${etcd_version})" >&2
  echo "$out"
  exit 0
fi
mkdir -p "$out/bin"

minor="${k8s_version#v1.}"; minor="${minor%%.*}"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp="$stamp -X $pkg.gitVersion=${k8s_version} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor}"
  stamp="$stamp -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath"
started=$SECONDS
for cmd in kubeadm kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl; do
  echo "k8s:build: ${cmd} ${k8s_version} ..." >&2
  (cd "$here" && go build -ldflags "-s -w $stamp" -o "$out/bin/$cmd" "k8s.io/kubernetes/cmd/$cmd")
done
echo "k8s:build: etcd ${etcd_version} ..." >&2
(cd "$here/etcd" && go build -ldflags "-s -w" -o "$out/bin/etcd" .)

printf 'kubernetes=%s\netcd=%s\n' "$k8s_version" "$etcd_version" > "$out/versions"
touch "$out/.complete"
# older builds are dead weight (about 460 MB each)
for old in "$cache_root"/k8s/*; do [ "$old" = "$out" ] || rm -rf "$old"; done
echo "k8s:build: built in $((SECONDS - started)) s, $(du -sh "$out" | cut -f1) in $out" >&2
echo "$out"
