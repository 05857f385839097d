/** The kubelet's TLS bootstrap (CSR) client, reused by --self-tls-bootstrap and the testkit's FakeKubelet. */
export * from "./errors.js"
export * from "./http.js"
export * from "./target.js"
export * from "./kubelet-conf.js"
export * from "./tls-bootstrap.js"
