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
 * Retry an operation whose first attempt already failed with `firstError` (the caller ran it
 * itself: a first attempt that usually succeeds should not pay for this wrapper). While the last
 * error is one `shouldRetry` accepts and the policy allows another retry, wait and run
 * `operation` again; resolves with its first success. The last error is rethrown when retries
 * run out or the error is not retryable (`firstError` itself when it is not).
 */
export async function retryAfter<T>(
  firstError: unknown,
  operation: () => Promise<T>,
  policy: BackoffPolicy,
  shouldRetry: (err: unknown) => boolean,
  onRetry?: (err: unknown, retry: number, delayMs: number) => void,
): Promise<T> {
  let err = firstError;
  for (let retry = 1; ; retry++) {
    if (!shouldRetry(err) || (policy.maxRetries !== null && retry > policy.maxRetries)) throw err;
    const delayMs = backoffDelayMs(policy, retry);
    onRetry?.(err, retry, delayMs);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      return await operation();
    } catch (next) {
      err = next;
    }
  }
}
