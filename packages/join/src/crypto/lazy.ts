/**
 * The certificate and CSR functions, loaded on first use. @peculiar/x509 with
 * reflect-metadata costs 40-90 ms to evaluate, so modules on the join's start-up
 * path import these wrappers instead of certs.ts / csr.ts / pin.ts (everything is
 * async here: the first call awaits the import).
 */
import type * as Certs from "./certs.js"
import type * as Csr from "./csr.js"
import type * as Pin from "./pin.js"

let certs: Promise<typeof Certs> | undefined
let csr: Promise<typeof Csr> | undefined
let pin: Promise<typeof Pin> | undefined
const loadCerts = () => (certs ??= import("./certs.js"))
const loadCsr = () => (csr ??= import("./csr.js"))
const loadPin = () => (pin ??= import("./pin.js"))

/** certs.ts's createCaCertificate, loaded on first call. */
export const createCaCertificate = async (...a: Parameters<typeof Certs.createCaCertificate>) =>
  (await loadCerts()).createCaCertificate(...a)
/** certs.ts's createCertificate, loaded on first call. */
export const createCertificate = async (...a: Parameters<typeof Certs.createCertificate>) =>
  (await loadCerts()).createCertificate(...a)
/** certs.ts's parseCertificate, loaded on first call. */
export const parseCertificate = async (...a: Parameters<typeof Certs.parseCertificate>) =>
  (await loadCerts()).parseCertificate(...a)
/** certs.ts's parseCertificates, loaded on first call. */
export const parseCertificates = async (...a: Parameters<typeof Certs.parseCertificates>) =>
  (await loadCerts()).parseCertificates(...a)
/** certs.ts's certificateMatchesKey, loaded on first call. */
export const certificateMatchesKey = async (...a: Parameters<typeof Certs.certificateMatchesKey>) =>
  (await loadCerts()).certificateMatchesKey(...a)
/** certs.ts's verifyCertificate, loaded on first call. */
export const verifyCertificate = async (...a: Parameters<typeof Certs.verifyCertificate>) =>
  (await loadCerts()).verifyCertificate(...a)
/** csr.ts's createCsr, loaded on first call. */
export const createCsr = async (...a: Parameters<typeof Csr.createCsr>) => (await loadCsr()).createCsr(...a)
/** csr.ts's parseCsr, loaded on first call. */
export const parseCsr = async (...a: Parameters<typeof Csr.parseCsr>) => (await loadCsr()).parseCsr(...a)
/** pin.ts's caCertHash, loaded on first call. */
export const caCertHash = async (...a: Parameters<typeof Pin.caCertHash>) => (await loadPin()).caCertHash(...a)
/** pin.ts's caCertHashes, loaded on first call. */
export const caCertHashes = async (...a: Parameters<typeof Pin.caCertHashes>) => (await loadPin()).caCertHashes(...a)
