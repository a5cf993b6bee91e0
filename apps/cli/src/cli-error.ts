/** Exit codes scripts can rely on. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The operation failed (gateway refused it, function answered non-2xx, build failed). */
  failed: 1,
  /** Bad input: unknown flag, bad stack.yml, bad name; nothing was changed. */
  usage: 2,
  /** The gateway wants credentials, or refused them. */
  auth: 3,
  /** The gateway could not be reached. */
  unreachable: 4,
  /** The function, secret, bundle or store item does not exist. */
  notFound: 5,
} as const;

/** An error the CLI reports as one line (plus a hint) and an exit code; no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code. */
    readonly exitCode: number = EXIT.failed,
    /** What to do next. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A bad-input CliError. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.usage, hint);
}
