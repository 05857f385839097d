/**
 * `Health`: one GET against a component's health endpoint (the kubelet's /healthz,
 * the control plane's /livez and /healthz), answering the HTTP status. kubeadm
 * checks the controller manager and scheduler without verifying their serving
 * certificates (self-signed); the API server is checked with admin.conf's CA and
 * client certificate.
 */
import { Context, Effect, Layer } from "effect"
import * as live from "../internal/health/live.js"
import type { HealthCheckError } from "./errors.js"

export { HealthCheckError } from "./errors.js"

/** TLS for an https check: without a CA the server is not verified (kubeadm's InsecureSkipVerify). */
export interface HealthTls {
  readonly caPem?: string
  readonly certPem?: string
  readonly keyPem?: string
}

/** One HTTP(S) GET returning the status code, for the control-plane, etcd and kubelet health waits. */
export interface HealthService {
  readonly get: (url: string, tls?: HealthTls) => Effect.Effect<number, HealthCheckError>
}

/** Resolves to the HTTP(S) prober the health waits poll with. */
export class Health extends Context.Tag("@kubeadm-ts/join/Health")<Health, HealthService>() {}

/** The live Health: node's http/https, one short request each. */
export const layer: Layer.Layer<Health> = Layer.succeed(Health, live.service)

/**
 * The `--dry-run` Health: every endpoint answers 200 at once. No component of this node is
 * started in a dry run, so the waits for them succeed without asking, as kubeadm's dry-run waiter does.
 */
export const layerDryRun: Layer.Layer<Health> = Layer.succeed(Health, { get: () => Effect.succeed(200) })

/** A Health whose get, when not given, dies naming the URL. */
export const layerTest = (partial: Partial<HealthService> = {}): Layer.Layer<Health> =>
  Layer.succeed(Health, { get: (url) => Effect.die(`Health.get(${url}) was not expected by this test`), ...partial })
