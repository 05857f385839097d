/**
 * A minimal CRI client: `runtime.v1.RuntimeService/Version` and `/Status` over
 * the runtime's Unix socket with @grpc/grpc-js. The message definitions are the
 * subset in cri-api.proto, inlined here as a protobufjs JSON descriptor so the
 * bundled CLI needs no .proto file at run time.
 */
import { Duration, Effect } from "effect"
import { causeText } from "../../cause-text.js"
import { HostError } from "../../host/errors.js"
import type { CriCondition, CriVersion } from "../../host/host.js"

export const CRI_DESCRIPTOR = {
  nested: {
    runtime: {
      nested: {
        v1: {
          nested: {
            RuntimeService: {
              methods: {
                Version: { requestType: "VersionRequest", responseType: "VersionResponse" },
                Status: { requestType: "StatusRequest", responseType: "StatusResponse" },
                RuntimeConfig: { requestType: "RuntimeConfigRequest", responseType: "RuntimeConfigResponse" }
              }
            },
            VersionRequest: { fields: { version: { type: "string", id: 1 } } },
            VersionResponse: {
              fields: {
                version: { type: "string", id: 1 },
                runtime_name: { type: "string", id: 2 },
                runtime_version: { type: "string", id: 3 },
                runtime_api_version: { type: "string", id: 4 }
              }
            },
            StatusRequest: { fields: { verbose: { type: "bool", id: 1 } } },
            RuntimeCondition: {
              fields: {
                type: { type: "string", id: 1 },
                status: { type: "bool", id: 2 },
                reason: { type: "string", id: 3 },
                message: { type: "string", id: 4 }
              }
            },
            RuntimeStatus: { fields: { conditions: { rule: "repeated", type: "RuntimeCondition", id: 1 } } },
            StatusResponse: {
              fields: {
                status: { type: "RuntimeStatus", id: 1 },
                info: { keyType: "string", type: "string", id: 2 }
              }
            },
            RuntimeConfigRequest: { fields: {} },
            RuntimeConfigResponse: { fields: {} }
          }
        }
      }
    }
  }
} as const

/** `unix:///path` or `/path` -> `/path`. */
export const socketPath = (endpoint: string): string => endpoint.replace(/^unix:\/\//, "")

/** A gRPC failure in a line: what went wrong with which endpoint, without grpc-js's resolver notes. */
const grpcDetail = (endpoint: string, e: unknown): string => {
  const text = causeText(e)
    .replace(/\s*Resolution note:.*$/s, "")
    .trim()
  if (/ENOENT/.test(text)) return `cannot connect to ${endpoint}: no such socket`
  if (/ECONNREFUSED/.test(text)) return `cannot connect to ${endpoint}: connection refused`
  if (/EACCES/.test(text)) return `cannot connect to ${endpoint}: permission denied`
  return `${endpoint}: ${text}`
}

type Method = "Version" | "Status" | "RuntimeConfig"

type Unary = (req: object, options: { deadline: Date }, cb: (err: Error | null, res: unknown) => void) => void

/** Calls one RuntimeService method on the socket at `hostSocket` (a host path). */
const callRuntime = (
  endpoint: string,
  hostSocket: string,
  method: Method,
  request: object,
  timeout: Duration.DurationInput
) =>
  Effect.tryPromise({
    try: async () => {
      // Both are CommonJS: under a bundler the named exports may sit on `default`.
      const [grpcNs, loaderNs] = await Promise.all([import("@grpc/grpc-js"), import("@grpc/proto-loader")])
      const grpc = (grpcNs as unknown as { default?: typeof grpcNs }).default ?? grpcNs
      const loader = (loaderNs as unknown as { default?: typeof loaderNs }).default ?? loaderNs
      const definition = loader.fromJSON(CRI_DESCRIPTOR as unknown as Parameters<typeof loader.fromJSON>[0], {
        keepCase: true,
        defaults: true
      })
      const pkg = grpc.loadPackageDefinition(definition) as unknown as {
        runtime: {
          v1: {
            RuntimeService: new (
              address: string,
              creds: unknown,
              options?: object
            ) => Record<Method, Unary> & { close(): void }
          }
        }
      }
      const client = new pkg.runtime.v1.RuntimeService(`unix://${hostSocket}`, grpc.credentials.createInsecure(), {
        "grpc.max_reconnect_backoff_ms": 1000
      })
      try {
        return await new Promise<unknown>((resolve, reject) => {
          const fn = client[method].bind(client)
          fn(request, { deadline: new Date(Date.now() + Duration.toMillis(Duration.decode(timeout))) }, (err, res) =>
            err ? reject(err) : resolve(res)
          )
        })
      } finally {
        client.close()
      }
    },
    catch: (e) => new HostError({ reason: "CriUnavailable", endpoint, detail: grpcDetail(endpoint, e), cause: e })
  })

export const criVersion = (endpoint: string, hostSocket: string, timeout: Duration.DurationInput = "5 seconds") =>
  Effect.map(callRuntime(endpoint, hostSocket, "Version", { version: "v1" }, timeout), (r): CriVersion => {
    // Field names as in the .proto (keepCase): the JSON descriptor is not camel-cased by the loader.
    const v = r as { runtime_name?: string; runtime_version?: string; runtime_api_version?: string }
    return {
      runtimeName: v.runtime_name ?? "",
      runtimeVersion: v.runtime_version ?? "",
      runtimeApiVersion: v.runtime_api_version ?? ""
    }
  })

export const criStatus = (endpoint: string, hostSocket: string, timeout: Duration.DurationInput = "5 seconds") =>
  Effect.map(
    callRuntime(endpoint, hostSocket, "Status", { verbose: false }, timeout),
    (r): ReadonlyArray<CriCondition> => {
      const s = r as { status?: { conditions?: ReadonlyArray<Partial<CriCondition>> } }
      return (s.status?.conditions ?? []).map((c) => ({
        type: c.type ?? "",
        status: c.status === true,
        reason: c.reason ?? "",
        message: c.message ?? ""
      }))
    }
  )

/** gRPC's UNIMPLEMENTED: the runtime does not know the method. */
const UNIMPLEMENTED = 12

/**
 * Whether the runtime implements `RuntimeConfig` (containerd 1.7+, CRI-O 1.28+): the kubelet takes
 * its cgroup driver from it; older runtimes answer UNIMPLEMENTED, and kubeadm warns.
 */
export const criRuntimeConfigImplemented = (
  endpoint: string,
  hostSocket: string,
  timeout: Duration.DurationInput = "5 seconds"
): Effect.Effect<boolean, HostError> =>
  callRuntime(endpoint, hostSocket, "RuntimeConfig", {}, timeout).pipe(
    Effect.as(true),
    Effect.catchIf(
      (e) => (e.cause as { code?: unknown } | undefined)?.code === UNIMPLEMENTED,
      () => Effect.succeed(false)
    )
  )
