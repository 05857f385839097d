/**
 * A minimal CRI client: `runtime.v1.RuntimeService/Version` and `/Status` over
 * the runtime's Unix socket with @grpc/grpc-js, the messages encoded by cri-wire.ts.
 * CRI_DESCRIPTOR is the subset of cri-api.proto those messages come from, as a protobufjs
 * JSON descriptor: the tests check it against the .proto and the codec against protobufjs.
 */
import { Duration, Effect } from "effect"
import { causeText } from "../../cause-text.js"
import { HostError } from "../../host/errors.js"
import type { CriCondition, CriVersion } from "../../host/host.js"
import { decodeStatusResponse, decodeVersionResponse, encodeStatusRequest, encodeVersionRequest } from "./cri-wire.js"

/** The messages and methods of cri-api.proto the join uses, as a protobufjs JSON descriptor. */
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

/** Calls one RuntimeService method on the socket at `hostSocket` (a host path), with its codec. */
const callRuntime = <A>(
  endpoint: string,
  hostSocket: string,
  method: "Version" | "Status" | "RuntimeConfig",
  request: Buffer,
  decode: (response: Buffer) => A,
  timeout: Duration.DurationInput
) =>
  Effect.tryPromise({
    try: async () => {
      // CommonJS: under a bundler the named exports may sit on `default`.
      const grpcNs = await import("@grpc/grpc-js")
      const grpc = (grpcNs as unknown as { default?: typeof grpcNs }).default ?? grpcNs
      const client = new grpc.Client(`unix://${hostSocket}`, grpc.credentials.createInsecure(), {
        "grpc.max_reconnect_backoff_ms": 1000
      })
      try {
        return await new Promise<A>((resolve, reject) => {
          client.makeUnaryRequest(
            `/runtime.v1.RuntimeService/${method}`,
            (r: Buffer) => r,
            decode,
            request,
            { deadline: new Date(Date.now() + Duration.toMillis(Duration.decode(timeout))) },
            (err, res) => (err ? reject(err) : res === undefined ? reject(new Error("no response")) : resolve(res))
          )
        })
      } finally {
        client.close()
      }
    },
    catch: (e) => new HostError({ reason: "CriUnavailable", endpoint, detail: grpcDetail(endpoint, e), cause: e })
  })

/** `RuntimeService/Version` (asking for API v1). */
export const criVersion = (
  endpoint: string,
  hostSocket: string,
  timeout: Duration.DurationInput = "5 seconds"
): Effect.Effect<CriVersion, HostError> =>
  callRuntime(endpoint, hostSocket, "Version", encodeVersionRequest({ version: "v1" }), decodeVersionResponse, timeout)

/** `RuntimeService/Status`: the runtime's conditions. */
export const criStatus = (
  endpoint: string,
  hostSocket: string,
  timeout: Duration.DurationInput = "5 seconds"
): Effect.Effect<ReadonlyArray<CriCondition>, HostError> =>
  callRuntime(endpoint, hostSocket, "Status", encodeStatusRequest({ verbose: false }), decodeStatusResponse, timeout)

/** gRPC's UNIMPLEMENTED: the runtime does not know the method. */
const UNIMPLEMENTED = 12

/**
 * Whether the runtime implements `RuntimeConfig` (containerd 1.7+, CRI-O 1.28+): the kubelet takes
 * its cgroup driver from it; older runtimes answer UNIMPLEMENTED, and kubeadm warns.
 * The request is an empty message; the answer's content does not matter here.
 */
export const criRuntimeConfigImplemented = (
  endpoint: string,
  hostSocket: string,
  timeout: Duration.DurationInput = "5 seconds"
): Effect.Effect<boolean, HostError> =>
  callRuntime(endpoint, hostSocket, "RuntimeConfig", Buffer.alloc(0), () => true, timeout).pipe(
    Effect.catchIf(
      (e) => (e.cause as { code?: unknown } | undefined)?.code === UNIMPLEMENTED,
      () => Effect.succeed(false)
    )
  )
