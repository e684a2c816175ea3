/** Bad hook configuration (environment or spec): reported as is, without a stack trace. */
export class ConfigError extends Error {}
