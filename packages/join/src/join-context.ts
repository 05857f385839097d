/**
 * The validated input of one join: every phase reads it from here.
 * (Data derived from the cluster — discovered kubeconfig, ClusterConfiguration —
 * is computed lazily and cached by the services that need it, not here.)
 */
import { Context, Layer } from "effect"
import type { JoinConfiguration, JoinOptions } from "./config/model.js"

export class JoinContext extends Context.Tag("@kubeadm-ts/join/JoinContext")<
  JoinContext,
  { readonly config: JoinConfiguration; readonly options: JoinOptions }
>() {}

export const joinContext = (config: JoinConfiguration, options: JoinOptions) =>
  Layer.succeed(JoinContext, { config, options })
