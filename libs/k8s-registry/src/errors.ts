/** The AE registry settings are incomplete or contradict each other (names the environment variables). */
export class AeRegistryConfigError extends Error {
  override readonly name = 'AeRegistryConfigError';
  constructor(
    readonly env: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${env}: ${message}`, options);
  }
}

/** An `ApplicationEntity` resource that cannot be used; it is left out of the registry. */
export class InvalidApplicationEntityError extends Error {
  override readonly name = 'InvalidApplicationEntityError';
  constructor(
    readonly resource: string,
    readonly problems: readonly string[],
  ) {
    super(`ApplicationEntity ${resource}: ${problems.join('; ')}`);
  }
}
