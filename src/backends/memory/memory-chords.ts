/**
 * The memory backend's chord joins and saved groups: the in-process equivalent of Celery's Redis
 * keys `celery-taskset-meta-<group>.s` (size), `.j` (parts by group index) and
 * `celery-taskset-meta-<group>` (saved group). One process, one thread: every call is atomic.
 */
import type { Clock } from '../../internal/clock.js';
import { PROPAGATE_STATES } from '../../protocol/task-state.js';
import type { ChordJoin, ChordPart, ChordPartResult } from '../backend.js';

interface Join {
  size: number;
  parts: Map<string, { index: number; part: ChordPartResult }>;
  expiresAt: number;
}

export class MemoryChords {
  private readonly joins = new Map<string, Join>();
  private readonly groups = new Map<string, { text: string; expiresAt: number }>();

  /** @param expiresMs lifetime of joins and saved groups; null = forever */
  constructor(
    private readonly clock: Clock,
    private readonly expiresMs: number | null,
  ) {}

  setSize(groupId: string, size: number): void {
    this.joins.set(groupId, { size, parts: new Map(), expiresAt: this.expiry() });
  }

  partReturn(part: ChordPart): ChordJoin {
    const join = this.joins.get(part.groupId);
    if (join === undefined || join.expiresAt <= this.clock.now()) {
      this.joins.delete(part.groupId);
      return { kind: 'closed' };
    }
    if (PROPAGATE_STATES.has(part.state)) {
      this.joins.delete(part.groupId);
      return { kind: 'failed' };
    }
    join.parts.set(part.taskId, {
      index: part.groupIndex ?? Number.POSITIVE_INFINITY,
      part: { taskId: part.taskId, state: part.state, result: part.result },
    });
    join.expiresAt = this.expiry();
    if (join.parts.size < join.size) return { kind: 'pending' };
    this.joins.delete(part.groupId);
    const parts = [...join.parts.values()].sort((a, b) => a.index - b.index).map((p) => p.part);
    return { kind: 'complete', parts };
  }

  saveGroup(groupId: string, text: string): void {
    this.groups.set(groupId, { text, expiresAt: this.expiry() });
  }

  restoreGroup(groupId: string): string | null {
    const saved = this.groups.get(groupId);
    if (saved === undefined) return null;
    if (saved.expiresAt > this.clock.now()) return saved.text;
    this.groups.delete(groupId);
    return null;
  }

  forgetGroup(groupId: string): void {
    this.groups.delete(groupId);
  }

  /**
   * Drop expired joins (chords whose header never finished) and saved groups.
   * @returns how many were dropped
   */
  sweepExpired(): number {
    const now = this.clock.now();
    let dropped = 0;
    for (const map of [this.joins, this.groups]) {
      for (const [id, value] of map) {
        if (value.expiresAt > now) continue;
        map.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  private expiry(): number {
    return this.expiresMs === null ? Number.POSITIVE_INFINITY : this.clock.now() + this.expiresMs;
  }
}
