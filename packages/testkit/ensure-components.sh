#!/bin/sh
# Installs the real components the tests drive (etcd, etcdctl, containerd, runc,
# iproute2, Go for tools/k8s, zsh and fish for the completion tests) when they are missing. Tests never skip: without these they fail loudly.
set -eu
need=""
command -v etcd >/dev/null 2>&1 || need="$need etcd-server"
command -v etcdctl >/dev/null 2>&1 || need="$need etcd-client"
command -v containerd >/dev/null 2>&1 || need="$need containerd"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
command -v runc >/dev/null 2>&1 || need="$need runc"
# the real-cluster tests: network namespaces, veths, nsenter/unshare; the Go build of tools/k8s
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v nsenter >/dev/null 2>&1 || need="$need util-linux"
command -v go >/dev/null 2>&1 || need="$need golang-go"
# the shell completion tests source the scripts in real shells
command -v zsh >/dev/null 2>&1 || need="$need zsh"
command -v fish >/dev/null 2>&1 || need="$need fish"
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing test components:$need (install them as root: apt-get install -y$need)" >&2
  exit 1
fi
echo "installing test components:$need" >&2
apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
