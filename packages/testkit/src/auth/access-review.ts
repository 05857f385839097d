/** SelfSubjectAccessReview (`kubectl auth can-i`): the request's own user asked about one action. */
import type { UserInfo } from "./authentication.js"
import { authorize } from "./authorization.js"
import type { Reply } from "../api-server/handlers.js"
import { badRequest } from "../api-server/status.js"
import type { Store } from "../api-server/store.js"

interface ReviewSpec {
  resourceAttributes?: {
    verb?: string
    group?: string
    resource?: string
    subresource?: string
    namespace?: string
    name?: string
  }
  nonResourceAttributes?: { path?: string; verb?: string }
}

/** Answers a SelfSubjectAccessReview body with the same authorizer the server uses, `status.allowed` filled in. */
export const selfSubjectAccessReview = (store: Store, user: UserInfo, body: string): Reply => {
  let review: { spec?: ReviewSpec }
  try {
    review = JSON.parse(body) as { spec?: ReviewSpec }
  } catch {
    throw badRequest("the request body is not valid JSON")
  }
  const r = review.spec?.resourceAttributes
  const n = review.spec?.nonResourceAttributes
  const allowed = r
    ? authorize(store, user, {
        verb: r.verb ?? "",
        group: r.group ?? "",
        resource: r.resource ?? "",
        subresource: r.subresource || undefined,
        namespace: r.namespace || undefined,
        name: r.name || undefined
      })
    : n
      ? authorize(store, user, { verb: n.verb ?? "", group: "", resource: "", path: n.path ?? "" })
      : false
  return {
    status: 201,
    body: {
      kind: "SelfSubjectAccessReview",
      apiVersion: "authorization.k8s.io/v1",
      metadata: {},
      spec: review.spec ?? {},
      status: { allowed }
    }
  }
}
