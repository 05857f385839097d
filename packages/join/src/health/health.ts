/**
 * `Health`: one GET against a component's health endpoint (the kubelet's /healthz,
 * the control plane's /livez and /healthz), answering the HTTP status. kubeadm
 * checks the controller manager and scheduler without verifying their serving
 * certificates (self-signed); the API server is checked with admin.conf's CA and
 * client certificate.
 */
import { Context, Data, Effect, Layer } from "effect"

export class HealthCheckError extends Data.TaggedError("HealthCheckError")<{
  readonly url: string
  readonly cause?: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause ?? "no answer")
    return `GET ${this.url} failed: ${detail}`
  }
}

/** TLS for an https check: without a CA the server is not verified (kubeadm's InsecureSkipVerify). */
export interface HealthTls {
  readonly caPem?: string
  readonly certPem?: string
  readonly keyPem?: string
}

export interface HealthService {
  readonly get: (url: string, tls?: HealthTls) => Effect.Effect<number, HealthCheckError>
}

export class Health extends Context.Tag("@kubeadm-ts/join/Health")<Health, HealthService>() {}

export const layerTest = (partial: Partial<HealthService> = {}): Layer.Layer<Health> =>
  Layer.succeed(Health, { get: (url) => Effect.die(`Health.get(${url}) was not expected by this test`), ...partial })
