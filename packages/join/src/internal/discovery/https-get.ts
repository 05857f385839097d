/** The one HTTPS GET of file discovery: node's https, trusting only the CA bundle given. */
import { Duration, Effect } from "effect"
import * as https from "node:https"
import { collectBody } from "../../body-limit.js"
import { unmapIpv4Url } from "../../config/formats.js"
import { goDuration } from "../../discovery/duration.js"

/** GET an https URL trusting only `caPem`, at most `maxBytes` of body; the body whatever the status (as kubeadm). */
export const httpsGet = (
  url: string,
  caPem: string,
  timeout: Duration.Duration,
  maxBytes: number
): Effect.Effect<string, Error> =>
  Effect.async<string, Error>((resume) => {
    const req = https.get(unmapIpv4Url(url), { ca: caPem, agent: false, timeout: Duration.toMillis(timeout) }, (res) =>
      collectBody(res, maxBytes, (r) =>
        resume(Buffer.isBuffer(r) ? Effect.succeed(r.toString("utf8")) : Effect.fail(r))
      )
    )
    req.on("timeout", () => req.destroy(new Error(`no answer within ${goDuration(timeout)}`)))
    req.on("error", (e) => resume(Effect.fail(e)))
    return Effect.sync(() => req.destroy())
  })
