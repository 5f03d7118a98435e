/**
 * `memory://` — results in a Map inside one process, for tests and single-process apps (the role
 * of Celery's `cache+memory://`). Values are kept as the encoded Celery JSON, so a result that
 * another backend could not store fails here too, and readers never share objects with writers.
 */
import { CeleriacError } from '../../errors.js';
import { systemClock, type Clock } from '../../internal/clock.js';
import { decodeResultMeta, encodeResultMeta, pendingResultMeta } from '../../protocol/result-codec.js';
import type { ResultMeta } from '../../protocol/result-meta.js';
import { READY_STATES, type TaskState } from '../../protocol/task-state.js';
import {
  resultBackendDefaults,
  type BackendCapabilities,
  type ChordJoin,
  type ChordPart,
  type ResultBackend,
  type WaitOptions,
} from '../backend.js';
import { decodeSavedGroup, encodeSavedGroup } from '../saved-group.js';
import { WaiterRegistry } from '../waiter-registry.js';
import { MemoryChords } from './memory-chords.js';

/** Defaults of {@link MemoryBackendOptions}. */
export const memoryBackendDefaults = {
  ...resultBackendDefaults,
  /** How often expired entries are dropped, in milliseconds. */
  sweepIntervalMs: 60_000,
} as const;

export interface MemoryBackendOptions {
  /**
   * Milliseconds a stored result lives after its last write (Celery's `result_expires`); `null`
   * or `0` keeps results forever. Default 86,400,000 (one day).
   */
  resultExpiresMs?: number | null;
  /** Time source for expiry and wait timeouts; default the system clock. */
  clock?: Clock;
  /** How often expired entries are dropped, in milliseconds; default 60,000. */
  sweepIntervalMs?: number;
}

interface Entry {
  status: TaskState;
  /** The Celery JSON text. */
  text: string;
  /** Epoch milliseconds; `Infinity` = never. */
  expiresAt: number;
}

const RESOLVED: Promise<void> = Promise.resolve();

type Phase = 'idle' | 'open' | 'stopped';

/**
 * In-process result backend.
 *
 * Expiry: each entry carries its expiry time and reads past it answer PENDING. A single periodic
 * sweep (not a timer per entry) drops expired entries; because every write re-inserts its entry at
 * the end of the Map and all entries share one lifetime, the Map is in expiry order and the sweep
 * stops at the first live entry.
 *
 * @example
 * const backend = new MemoryBackend({ resultExpiresMs: 60_000 });
 * await backend.storeResult({ taskId: 'id-1', status: 'SUCCESS', result: 4, traceback: null,
 *   children: [], dateDone: formatDateDone(Date.now()) });
 * await backend.waitForReady('id-1'); // → the SUCCESS meta
 */
export class MemoryBackend implements ResultBackend {
  readonly capabilities: BackendCapabilities = { durable: false, crossProcess: false, pushWakeups: true };

  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly expiresMs: number | null;
  private readonly sweepIntervalMs: number;
  private readonly waiters: WaiterRegistry;
  private readonly chords: MemoryChords;
  private phase: Phase = 'idle';
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(options: MemoryBackendOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const expires = options.resultExpiresMs === undefined ? memoryBackendDefaults.resultExpiresMs : options.resultExpiresMs;
    this.expiresMs = expires ? expires : null;
    this.sweepIntervalMs = options.sweepIntervalMs ?? memoryBackendDefaults.sweepIntervalMs;
    this.waiters = new WaiterRegistry(this.clock);
    this.chords = new MemoryChords(this.clock, this.expiresMs);
  }

  async start(): Promise<void> {
    if (this.phase === 'stopped') this.phase = 'idle';
    this.open();
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.waiters.rejectAll(closedError());
  }

  storeResult(meta: ResultMeta): Promise<void> {
    let text: string;
    try {
      this.open();
      text = encodeResultMeta(meta);
    } catch (error) {
      // Rejected rather than thrown: callers of a promise API expect failures in the promise.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const taskId = meta.taskId;
    const now = this.clock.now();
    const existing = this.entries.get(taskId);
    if (existing !== undefined) {
      // Celery's dedup guard: a live SUCCESS is final.
      if (existing.status === 'SUCCESS' && existing.expiresAt > now) return RESOLVED;
      // Re-insert at the end so the Map stays in expiry order (see the class comment).
      this.entries.delete(taskId);
    }
    this.entries.set(taskId, {
      status: meta.status,
      text,
      expiresAt: this.expiresMs === null ? Infinity : now + this.expiresMs,
    });
    if (READY_STATES.has(meta.status) && this.waiters.has(taskId)) {
      this.waiters.settle(taskId, decodeResultMeta(taskId, text));
    }
    return RESOLVED;
  }

  async getMeta(taskId: string): Promise<ResultMeta> {
    this.open();
    const entry = this.live(taskId);
    return entry === undefined ? pendingResultMeta(taskId) : decodeResultMeta(taskId, entry.text);
  }

  async waitForReady(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    this.open();
    const entry = this.live(taskId);
    if (entry !== undefined && READY_STATES.has(entry.status)) return decodeResultMeta(taskId, entry.text);
    return this.waiters.wait(taskId, options);
  }

  async forget(taskId: string): Promise<void> {
    this.open();
    this.entries.delete(taskId);
  }

  async setChordSize(groupId: string, size: number): Promise<void> {
    this.open();
    this.chords.setSize(groupId, size);
  }

  async chordPartReturn(part: ChordPart): Promise<ChordJoin> {
    this.open();
    return this.chords.partReturn(part);
  }

  async saveGroup(groupId: string, tuple: unknown): Promise<void> {
    this.open();
    this.chords.saveGroup(groupId, encodeSavedGroup(tuple));
  }

  async restoreGroup(groupId: string): Promise<unknown> {
    this.open();
    const text = this.chords.restoreGroup(groupId);
    return text === null ? null : decodeSavedGroup(groupId, text);
  }

  async forgetGroup(groupId: string): Promise<void> {
    this.open();
    this.chords.forgetGroup(groupId);
  }

  /**
   * Drop expired entries now (the periodic sweep calls this).
   * @returns how many were dropped
   */
  sweepExpired(): number {
    const now = this.clock.now();
    let dropped = 0;
    for (const [taskId, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(taskId);
      dropped++;
    }
    return dropped + this.chords.sweepExpired();
  }

  /** Entries held, expired ones not yet swept included (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private live(taskId: string): Entry | undefined {
    const entry = this.entries.get(taskId);
    if (entry === undefined || entry.expiresAt > this.clock.now()) return entry;
    this.entries.delete(taskId);
    return undefined;
  }

  private open(): void {
    if (this.phase === 'open') return;
    if (this.phase === 'stopped') throw closedError();
    this.phase = 'open';
    if (this.expiresMs !== null) this.armSweep();
  }

  private armSweep(): void {
    // Housekeeping only (expired entries already read as PENDING), so a real unref'd timer rather
    // than the injected clock: it must never keep the process alive.
    this.sweepTimer = setInterval(() => this.sweepExpired(), this.sweepIntervalMs);
    this.sweepTimer.unref();
  }
}

function closedError(): CeleriacError {
  return new CeleriacError('BACKEND_CLOSED', 'the memory result backend is stopped');
}
