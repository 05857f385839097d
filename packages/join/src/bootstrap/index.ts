/** The kubelet's TLS bootstrap: the CSR client (also the testkit's FakeKubelet's), and the service that runs it in-process or waits for the kubelet. */
export * from "./errors.js"
export * from "./kubelet-conf.js"
export * from "./tls-bootstrap.js"
export * from "./kubelet-bootstrap.js"
