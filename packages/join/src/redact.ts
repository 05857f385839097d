/**
 * The last line of defence for secrets in messages. A user may put a bootstrap token or a
 * certificate key in the wrong place (the CA hash flag, the endpoint, --cri-socket, a
 * config key, a YAML alias, ...), and the message about that place quotes it. Every
 * message (errors, warnings, phase output) passes through `redactSecrets`, which hides
 * anything shaped like one:
 * - a bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}`: the id stays (it is public and helps),
 *   the secret becomes `<redacted>`, as the join prints tokens elsewhere;
 * - a run of 32 or more hex digits (a certificate key or AES key, or most of one), unless
 *   it follows `sha256:`: a CA pin is public and the pin-mismatch error must show the cluster's;
 * - a join string: `kts<digit>` and 16 letters or digits (in any case), then the rest of the word
 *   whatever it holds, so a damaged copy is hidden too; it carries the token and the certificate
 *   key in base32, which the two rules above cannot see. Host names such as `kts1.example.com`
 *   or `kts1-control-plane` stay.
 * No word boundaries: a token glued to other text is still a token. A host name of that
 * shape is mangled too; that is the price of never leaking one.
 */
const TOKEN = /([a-z0-9]{6})\.[a-z0-9]{16}/g // lower case only, as tokens are: field paths like bootstrapToken.apiServerEndpoint are not tokens
const HEX = /(?<![0-9a-f])(?<!sha256:)[0-9a-f]{32,}/gi
const JOIN_STRING = /(kts[0-9])[a-z0-9]{16}[^\s"'`,\]]*/gi

/** Replaces anything shaped like a bootstrap token secret, a certificate key or a join string with `<redacted>`. */
export const redactSecrets = (text: string): string =>
  text.replace(JOIN_STRING, "$1<redacted>").replace(TOKEN, "$1.<redacted>").replace(HEX, "<redacted>")

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g
const SECRET_FIELD = /^(\s*(?:client-key-data|token|tls-bootstrap-token|certificateKey|certificate-key):\s*)\S.*$/gm
const SECRET_FLAG = /(--(?:token|discovery-token|tls-bootstrap-token|certificate-key)=)\S+/g

/**
 * A file's content as `--dry-run` prints it: private key blocks, the secret fields of a
 * kubeconfig or configuration (client keys, tokens, the certificate key) and secret flags
 * become `<redacted>`, then anything else shaped like a secret (`redactSecrets`).
 */
export const redactFileContent = (text: string): string =>
  redactSecrets(
    text
      .replace(PEM_PRIVATE_KEY, "<redacted private key>")
      .replace(SECRET_FIELD, "$1<redacted>")
      .replace(SECRET_FLAG, "$1<redacted>")
  )
