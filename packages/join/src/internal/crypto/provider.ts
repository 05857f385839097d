/**
 * One place that prepares @peculiar/x509: it needs reflect-metadata loaded before it and a
 * WebCrypto implementation (node's) as its provider. Import x509 only through this module.
 */
import "reflect-metadata"
import { webcrypto } from "node:crypto"
import * as x509 from "@peculiar/x509"

export const subtle: SubtleCrypto = webcrypto.subtle as SubtleCrypto
x509.cryptoProvider.set(webcrypto as Crypto)

export { x509 }
