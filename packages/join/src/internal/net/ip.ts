/**
 * Address syntax from node:net (pure functions, no socket): the one place outside the live
 * layers that imports node:net, so the rest of the package does not.
 */
export { isIP, isIPv4, isIPv6 } from "node:net"
