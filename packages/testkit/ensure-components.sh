#!/bin/sh
# Installs the real components the tests drive (etcd, etcdctl, containerd) when
# they are missing. Tests never skip: without these they fail loudly.
set -eu
need=""
command -v etcd >/dev/null 2>&1 || need="$need etcd-server"
command -v etcdctl >/dev/null 2>&1 || need="$need etcd-client"
command -v containerd >/dev/null 2>&1 || need="$need containerd"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing test components:$need (install them as root: apt-get install -y$need)" >&2
  exit 1
fi
echo "installing test components:$need" >&2
apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
