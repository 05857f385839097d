/**
 * kubeadm's JoinConfiguration validation (spec join-node §1.4 I, §1.6): every
 * problem is collected with its field path, nothing stops at the first one.
 */
import { type FieldError, invalid, required } from "./errors.js"
import {
  certificateKeyError,
  dns1123SubdomainErrors,
  endpointError,
  isBootstrapToken,
  isIpAddress,
  parseCaCertHash,
  redactToken,
  splitHostPortError,
  urlScheme
} from "./formats.js"
import { imagePullPolicies, type JoinConfiguration } from "./model.js"

/** What validation needs from the machine, passed in so validation stays pure. */
export interface ValidationEnv {
  /** Whether a discovery file given without a scheme exists (looked up inside the rootfs). */
  readonly fileExists: (path: string) => boolean
}

const tokenInvalid = (field: string, token: string) =>
  invalid(field, redactToken(token), "the bootstrap token is invalid")

const validateDiscovery = (config: JoinConfiguration, env: ValidationEnv): FieldError[] => {
  const { bootstrapToken: bt, file, tlsBootstrapToken } = config.discovery
  const errors: FieldError[] = []
  if (bt === undefined && file === undefined)
    errors.push(invalid("discovery", "", "bootstrapToken or file must be set"))
  if (bt !== undefined && file !== undefined)
    errors.push(invalid("discovery", "", "bootstrapToken and file cannot both be set"))
  if (bt !== undefined) {
    if (bt.apiServerEndpoint === "") errors.push(required("discovery.bootstrapToken", "APIServerEndpoint is not set"))
    if (bt.caCertHashes.length === 0 && !bt.unsafeSkipCAVerification) {
      errors.push(
        invalid(
          "discovery.bootstrapToken.caCertHashes",
          "",
          "using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue"
        )
      )
    }
    for (const pin of bt.caCertHashes) {
      const parsed = parseCaCertHash(pin)
      if ("error" in parsed) errors.push(invalid("discovery.bootstrapToken.caCertHashes", pin, parsed.error))
    }
    if (!isBootstrapToken(bt.token)) errors.push(tokenInvalid("discovery.bootstrapToken.token", bt.token))
    if (bt.apiServerEndpoint !== "") {
      const bad = splitHostPortError(bt.apiServerEndpoint) ?? endpointError(bt.apiServerEndpoint)
      if (bad !== undefined)
        errors.push(invalid("discovery.bootstrapToken.apiServerEndpoint", bt.apiServerEndpoint, bad))
    }
    if (!isBootstrapToken(tlsBootstrapToken))
      errors.push(tokenInvalid("discovery.tlsBootstrapToken", tlsBootstrapToken))
  }
  if (file !== undefined) {
    const path = file.kubeConfigPath
    const parsed = urlScheme(path)
    if ("error" in parsed || (parsed.scheme === "" && !env.fileExists(path))) {
      errors.push(invalid("discovery.file.kubeConfigPath", path, "not a valid HTTPS URL or a file on disk"))
    } else if (parsed.scheme !== "" && parsed.scheme !== "https") {
      errors.push(invalid("discovery.file.kubeConfigPath", path, "if a URL is used, the scheme must be https"))
    }
    if (tlsBootstrapToken !== "" && !isBootstrapToken(tlsBootstrapToken))
      errors.push(tokenInvalid("discovery.tlsBootstrapToken", tlsBootstrapToken))
  }
  return errors
}

const validateNodeRegistration = (config: JoinConfiguration): FieldError[] => {
  const { name, criSocket, kubeletExtraArgList = [], imagePullPolicy = "" } = config.nodeRegistration
  const errors: FieldError[] = []
  if (name === "") {
    errors.push(
      required(
        "nodeRegistration",
        "--node-name or .nodeRegistration.name in the config file is a required value. It seems like this value couldn't be automatically detected in your environment, please specify the desired value using the CLI or config file."
      )
    )
  } else {
    for (const message of dns1123SubdomainErrors(name)) errors.push(invalid("nodeRegistration.name", name, message))
  }
  if (criSocket !== "") {
    const parsed = urlScheme(criSocket)
    if ("error" in parsed)
      errors.push(invalid("nodeRegistration.criSocket", criSocket, `URL parsing error: ${parsed.error}`))
    else if (parsed.scheme === "" && !criSocket.startsWith("/")) {
      errors.push(invalid("nodeRegistration.criSocket", criSocket, `path is not absolute: ${criSocket}`))
    } else if (parsed.scheme !== "" && parsed.scheme !== "unix") {
      errors.push(invalid("nodeRegistration.criSocket", criSocket, `URL scheme ${parsed.scheme} is not supported`))
    }
  }
  kubeletExtraArgList.forEach((arg, index) => {
    if (arg.name === "")
      errors.push(invalid("nodeRegistration.kubeletExtraArgs", `index ${index}`, "argument has no name"))
  })
  if (imagePullPolicy !== "" && !(imagePullPolicies as ReadonlyArray<string>).includes(imagePullPolicy)) {
    errors.push(invalid("nodeRegistration.imagePullPolicy", imagePullPolicy, "invalid pull policy"))
  }
  return errors
}

const validateControlPlane = (config: JoinConfiguration): FieldError[] => {
  const cp = config.controlPlane
  if (cp === undefined) return []
  const errors: FieldError[] = []
  const { advertiseAddress, bindPort } = cp.localAPIEndpoint
  if (advertiseAddress !== "" && !isIpAddress(advertiseAddress)) {
    errors.push(invalid("controlPlane.localAPIEndpoint.advertiseAddress", advertiseAddress, "ip address is not valid"))
  }
  if (!Number.isInteger(bindPort) || bindPort < 1 || bindPort > 65535) {
    errors.push(invalid("controlPlane.localAPIEndpoint.bindPort", bindPort, "port number is not valid"))
  }
  if (cp.certificateKey !== "") {
    const bad = certificateKeyError(cp.certificateKey)
    if (bad !== undefined) errors.push(invalid("controlPlane.certificateKey", "<redacted>", bad))
  }
  return errors
}

const validateCaCertPath = (path: string): FieldError[] =>
  path.startsWith("/") && path.endsWith(".crt")
    ? []
    : [invalid("caCertPath", path, "the ca certificate path must be an absolute path")]

/** Every validation problem of a (defaulted) configuration, in kubeadm's order. */
export const validateJoinConfiguration = (config: JoinConfiguration, env: ValidationEnv): ReadonlyArray<FieldError> => [
  ...validateDiscovery(config, env),
  ...validateNodeRegistration(config),
  ...validateControlPlane(config),
  ...validateCaCertPath(config.caCertPath)
]
