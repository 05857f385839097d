/**
 * The validated input of one join: every phase reads it from here.
 * (Data derived from the cluster, such as the discovered kubeconfig and the
 * ClusterConfiguration, is computed lazily and cached by JoinData, not here.)
 */
import { Context, Layer } from "effect"
import type { JoinConfiguration, JoinOptions } from "./config/model.js"

/** The join's configuration and the options that are not part of JoinConfiguration. */
export class JoinContext extends Context.Tag("@kubeadm-ts/join/JoinContext")<
  JoinContext,
  { readonly config: JoinConfiguration; readonly options: JoinOptions }
>() {}

/** Provides one join's validated configuration and options. */
export const layer = (config: JoinConfiguration, options: JoinOptions): Layer.Layer<JoinContext> =>
  Layer.succeed(JoinContext, { config, options })
