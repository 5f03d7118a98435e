/**
 * One promise shared by every write (publish, ack, reject) that joins the same batch, so a
 * transport that commits once per tick allocates one promise per tick instead of one per call.
 */
export class CommitBatch {
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers that fire-and-forget an ack must not crash the process with an unhandled
    // rejection; the transport logs the failure itself, and awaiting callers still see it.
    this.promise.catch(() => undefined);
  }

  resolve(): void {
    this.#resolve();
  }

  reject(error: unknown): void {
    this.#reject(error);
  }
}
