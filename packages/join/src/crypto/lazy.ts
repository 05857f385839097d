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

export const createCaCertificate = async (...a: Parameters<typeof Certs.createCaCertificate>) => (await loadCerts()).createCaCertificate(...a)
export const createCertificate = async (...a: Parameters<typeof Certs.createCertificate>) => (await loadCerts()).createCertificate(...a)
export const parseCertificate = async (...a: Parameters<typeof Certs.parseCertificate>) => (await loadCerts()).parseCertificate(...a)
export const parseCertificates = async (...a: Parameters<typeof Certs.parseCertificates>) => (await loadCerts()).parseCertificates(...a)
export const certificateMatchesKey = async (...a: Parameters<typeof Certs.certificateMatchesKey>) => (await loadCerts()).certificateMatchesKey(...a)
export const verifyCertificate = async (...a: Parameters<typeof Certs.verifyCertificate>) => (await loadCerts()).verifyCertificate(...a)
export const createCsr = async (...a: Parameters<typeof Csr.createCsr>) => (await loadCsr()).createCsr(...a)
export const parseCsr = async (...a: Parameters<typeof Csr.parseCsr>) => (await loadCsr()).parseCsr(...a)
export const caCertHash = async (...a: Parameters<typeof Pin.caCertHash>) => (await loadPin()).caCertHash(...a)
export const caCertHashes = async (...a: Parameters<typeof Pin.caCertHashes>) => (await loadPin()).caCertHashes(...a)
