/** The `control-plane-prepare/control-plane` phase: generate the static Pod manifests for the new control plane components. */
import { Effect } from "effect"
import { controlPlaneConfig } from "../control-plane/config.js"
import { writeControlPlaneManifests } from "../control-plane/manifests.js"

export const run = Effect.flatMap(controlPlaneConfig, writeControlPlaneManifests)
