/** One missing or invalid environment variable. */
export interface ConfigIssue {
  readonly env: string;
  readonly problem: string;
}

/** Every missing or invalid variable of a configuration, named at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly issues: readonly ConfigIssue[],
    options?: ErrorOptions,
  ) {
    super(
      `invalid configuration (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}): ${issues
        .map((issue) => `${issue.env}: ${issue.problem}`)
        .join('; ')}`,
      options,
    );
  }
}

/** Thrown by a value parser; readConfig turns it into a ConfigIssue. */
export class ConfigValueError extends Error {
  override readonly name = 'ConfigValueError';
}
