/**
 * The port a worker implements so remote-control commands can act on it (DESIGN.md: control
 * declares `ControlTarget`, the worker implements it). Each command adds what it needs here.
 */
export interface ControlTarget {
  /** The worker's node name (`celery@host`), matched against a command's `destination`. */
  readonly hostname: string;
  /**
   * Remember `ids` as revoked (queued copies are skipped when they arrive); with `terminate`,
   * abort those running now. `broadcast` is false when the command named its nodes
   * (`destination`/`pattern`): such a revocation is for those nodes only, not for the broker.
   * @returns the ids that were running and were aborted.
   */
  revoke(ids: string[], options: { terminate: boolean; signal: string; broadcast: boolean }): string[];
}
