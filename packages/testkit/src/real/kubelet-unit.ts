/**
 * The real kubelet, run the way systemd runs it on a kubeadm node, for a
 * machine with no systemd: the node's root gets `/run/systemd/system` and a
 * `systemctl` shim in `/usr/bin`, so kubeadm-ts (and the real kubeadm) find
 * "systemd" and drive the kubelet unit with `systemctl stop|restart kubelet`.
 * The unit is a small supervisor: kubeadm's drop-in command line
 * (`--bootstrap-kubeconfig`, `--kubeconfig`, `--config`, then
 * `$KUBELET_KUBEADM_ARGS` from kubeadm-flags.env and `$KUBELET_EXTRA_ARGS` from
 * /etc/default/kubelet), restarted 2 s after every exit like `Restart=always`,
 * on the node (its network namespace, its folders mounted at the standard
 * paths). Its output goes to `<root>/var/log/kubelet.log`.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { RealComponents } from "./components.js"
import { type NodeHost, nodeMounts, quote } from "./node-process.js"

/** Where the node's systemctl shim sits, relative to its root, so kubeadm's `systemctl` calls reach the unit. */
export const SYSTEMCTL = "usr/bin/systemctl"
/** Where the supervised kubelet's output goes, relative to the node's root. */
export const KUBELET_LOG = "var/log/kubelet.log"

/** A real kubelet under a restart-always supervisor on one node, driven like systemd's unit through the systemctl shim. */
export interface KubeletUnit {
  /** Host path of the node's systemctl shim. */
  readonly systemctl: string
  readonly isActive: () => boolean
  readonly logTail: (lines?: number) => string
  /** `systemctl stop kubelet`: the kubelet and its supervisor are gone when this returns. */
  readonly stop: () => void
}

const supervisor = (node: NodeHost, kubelet: string) => {
  const onNode = [
    nodeMounts(node),
    `KUBELET_KUBEADM_ARGS= KUBELET_EXTRA_ARGS=`,
    `[ -f /var/lib/kubelet/kubeadm-flags.env ] && . /var/lib/kubelet/kubeadm-flags.env`,
    `[ -f /etc/default/kubelet ] && . /etc/default/kubelet`,
    `exec ${quote(kubelet)} --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS`
  ].join("\n")
  return `#!/bin/bash
# kubelet.service of test node ${node.network.name}: ExecStart with Restart=always, RestartSec=2.
while :; do
  nsenter --net=/run/netns/${node.network.netns} unshare --mount --propagation private bash -c ${quote(onNode)}
  echo "kubelet.service: exited with status $?, restarting in 2 s"
  sleep 2
done
`
}

const shim = (root: string, service: string) => `#!/bin/bash
# systemctl for a test node without systemd: knows one unit, kubelet.
# Run by a tool chroot()ed into the node's root (the real kubeadm's --rootfs), where the host's /
# is mounted at /.host: leave the chroot, so the unit is driven with its host paths.
self=${quote(join(root, SYSTEMCTL))}
if [ ! -e "$self" ] && [ -x /.host/usr/sbin/chroot ]; then exec /.host/usr/sbin/chroot /.host "$self" "$@"; fi
pidfile=${quote(join(root, "run/kubeadm-ts/kubelet.pid"))}
log=${quote(join(root, KUBELET_LOG))}
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
stop() {
  running || { rm -f "$pidfile"; return 0; }
  pgid=$(cat "$pidfile")
  kill -TERM -- "-$pgid" 2>/dev/null
  for _ in $(seq 100); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pgid" 2>/dev/null
  for _ in $(seq 50); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$pidfile"
}
start() {
  running && return 0
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
  setsid bash ${quote(service)} >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}
unit() { [ "$1" = kubelet ] || [ "$1" = kubelet.service ] || { echo "Unit $1.service could not be found." >&2; exit 5; }; }
case "$1" in
  daemon-reload) exit 0 ;;
  enable) unit "$2"; exit 0 ;;
  is-enabled) unit "$2"; echo enabled ;;
  start) unit "$2"; start ;;
  stop) unit "$2"; stop ;;
  restart) unit "$2"; stop; start ;;
  is-active) unit "$2"; if running; then echo active; else echo inactive; exit 3; fi ;;
  status)
    unit "$2"
    echo "● kubelet.service - kubelet: The Kubernetes Node Agent"
    echo "     Loaded: loaded (/lib/systemd/system/kubelet.service; enabled)"
    if running; then echo "     Active: active (running)"; else echo "     Active: inactive (dead)"; exit 3; fi ;;
  *) echo "systemctl shim: unsupported command: $*" >&2; exit 1 ;;
esac
`

const INOTIFY_INSTANCES = "/proc/sys/fs/inotify/max_user_instances"
/** Each kubelet holds a few dozen inotify instances; Debian's default of 128 per user runs out with several. */
const MIN_INOTIFY_INSTANCES = 8192

const raiseInotifyInstances = () => {
  if (Number(readFileSync(INOTIFY_INSTANCES, "utf8")) < MIN_INOTIFY_INSTANCES)
    writeFileSync(INOTIFY_INSTANCES, String(MIN_INOTIFY_INSTANCES))
}

/** Installs the kubelet unit and the systemctl shim into the node's root. Nothing runs until a `systemctl start`. */
export const installKubeletUnit = (node: NodeHost, components: RealComponents): KubeletUnit => {
  raiseInotifyInstances()
  const service = join(node.root, "usr/lib/kubeadm-ts/kubelet.service.sh")
  const systemctl = join(node.root, SYSTEMCTL)
  for (const dir of ["run/systemd/system", "usr/bin", "usr/lib/kubeadm-ts", "var/log"])
    mkdirSync(join(node.root, dir), { recursive: true })
  writeFileSync(service, supervisor(node, components.bin("kubelet")))
  writeFileSync(systemctl, shim(node.root, service))
  chmodSync(systemctl, 0o755)
  const log = join(node.root, KUBELET_LOG)
  const ctl = (command: string) => {
    try {
      execFileSync(systemctl, [command, "kubelet"], { stdio: "ignore" })
      return true
    } catch {
      return false
    }
  }
  return {
    systemctl,
    isActive: () => ctl("is-active"),
    logTail: (lines = 40) =>
      existsSync(log)
        ? readFileSync(log, "utf8")
            .split("\n")
            .slice(-lines - 1)
            .join("\n")
        : "(no kubelet log)",
    stop: () => void ctl("stop")
  }
}
