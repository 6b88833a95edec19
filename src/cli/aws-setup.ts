/**
 * What the commands that call AWS (fetch, follow) make of the failures that come from the world, not
 * from a bug: a missing Region or no credentials in the default chain become one line that says what
 * to do, and an endpoint that cannot be reached (after the retries) one line saying why; never the
 * SDK's or Node's stack.
 */

/** Thrown when the AWS SDK has no region or no credentials: one line with the fix, no stack. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Thrown when the endpoint cannot be reached: refused, unknown host, reset, timed out. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/** The SDK's "Region is missing" and credential-chain failures and Node's socket errors as one-line errors; others as they are. */
export function oneLineError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code === 'string' && typeof syscall === 'string' && /^E[A-Z_]+$/.test(code)) {
    return new NetworkError(`cannot reach the endpoint: ${error.message}`, { cause: error });
  }
  if (/region is missing/i.test(error.message)) {
    return new ConfigurationError('no AWS Region: pass --region (e.g. --region eu-west-1) or set AWS_REGION', { cause: error });
  }
  if (error.name === 'CredentialsProviderError' || /could not load credentials/i.test(error.message)) {
    return new ConfigurationError(
      'no AWS credentials found: set AWS_PROFILE (see `aws configure`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      { cause: error },
    );
  }
  return error;
}
