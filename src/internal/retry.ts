/**
 * Retrying an operation with kombu's `ensure()` back-off: wait `intervalStartMs` before the first
 * retry, `intervalStepMs` longer before each next one, never more than `intervalMaxMs`; give up
 * after `maxRetries` retries (null: never). Used for publishing (Celery's
 * `task_publish_retry_policy`).
 */
export interface BackoffPolicy {
  maxRetries: number | null;
  intervalStartMs: number;
  intervalStepMs: number;
  intervalMaxMs: number;
}

/** The wait before retry number `retry` (1-based), in ms. */
export function backoffDelayMs(policy: BackoffPolicy, retry: number): number {
  return Math.min(policy.intervalMaxMs, policy.intervalStartMs + policy.intervalStepMs * (retry - 1));
}

/**
 * Run `operation`; when it throws an error `shouldRetry` accepts, wait and run it again, as the
 * policy allows. The last error is rethrown when retries run out or the error is not retryable.
 * `firstFailure`: the caller already ran the first attempt, which failed with it (a caller whose
 * first attempt usually succeeds saves the wrapper).
 */
export async function retrying<T>(
  operation: () => Promise<T>,
  policy: BackoffPolicy,
  shouldRetry: (err: unknown) => boolean,
  onRetry?: (err: unknown, retry: number, delayMs: number) => void,
  firstFailure?: { error: unknown },
): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      if (retry === 1 && firstFailure !== undefined) throw firstFailure.error;
      return await operation();
    } catch (err) {
      if (!shouldRetry(err) || (policy.maxRetries !== null && retry > policy.maxRetries)) throw err;
      const delayMs = backoffDelayMs(policy, retry);
      onRetry?.(err, retry, delayMs);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
