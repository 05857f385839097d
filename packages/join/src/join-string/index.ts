/** The join string: a join line's endpoint, token, CA pins and certificate key in one checked, versioned word. */
export * from "./errors.js"
export * from "./join-string.js"
