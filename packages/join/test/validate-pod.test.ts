/** control-plane-prepare/control-plane: a schema violation is a user-facing error; any other failure of the check is a defect. */
import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import type { Pod } from "../src/manifests/static-pods.js"
import { ControlPlaneJoinError } from "../src/control-plane/errors.js"
import { validatePod } from "../src/control-plane/manifests.js"

const pod = (spec: unknown): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "kube-apiserver", namespace: "kube-system" },
  spec
})

describe("validatePod", () => {
  it("accepts a valid Pod", async () => {
    await Effect.runPromise(
      validatePod(pod({ containers: [{ name: "kube-apiserver", image: "k8s.gcr.io/kube-apiserver:v1.15.12" }] }))
    )
  })

  it("a schema violation is a ControlPlaneJoinError naming the manifest", async () => {
    const exit = await Effect.runPromiseExit(validatePod(pod({ containers: [{ name: 42 }] })))
    const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
    expect(failure?._tag === "Some" && failure.value).toBeInstanceOf(ControlPlaneJoinError)
    expect(failure?._tag === "Some" && failure.value.message).toMatch(
      /^the generated manifest for "kube-apiserver" is not a valid Pod: /
    )
  })

  it("an exception that is not a schema violation is a defect, not a ControlPlaneJoinError", async () => {
    const broken = pod({ containers: [] })
    Object.defineProperty(broken, "spec", {
      enumerable: true,
      get: () => {
        throw new TypeError("boom")
      }
    })
    const exit = await Effect.runPromiseExit(validatePod(broken))
    expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)._tag).toBe("None")
    expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
  })
})
