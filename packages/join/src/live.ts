/**
 * The live layers of a join, composed once: what the CLI provides to the join
 * workflow. Each service adds its live layer here as it arrives.
 */
import { Layer } from "effect"
import type { JoinConfiguration, JoinOptions } from "./config/model.js"
import { joinContext } from "./join-context.js"
import { consoleOutput } from "./output.js"

export const joinLive = (config: JoinConfiguration, options: JoinOptions) =>
  Layer.mergeAll(joinContext(config, options), consoleOutput(options.verbosity))
