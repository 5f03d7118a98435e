/**
 * Every task result value Python Celery stored in the `backend-*.json` captures
 * (test/fixtures/protocol): the raw JSON text of each `celery-task-meta-<id>` value and pub/sub
 * message, found by walking the capture for `raw` strings that decode to a task meta.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface StoredResultFixture {
  /** Capture file and JSON path, for test names. */
  where: string;
  taskId: string;
  /** The exact text Celery wrote. */
  raw: string;
}

const fixturesDir = fileURLToPath(new URL('../fixtures/protocol/', import.meta.url));

export function loadStoredResultFixtures(): StoredResultFixture[] {
  const found: StoredResultFixture[] = [];
  const seen = new Set<string>();
  for (const file of readdirSync(fixturesDir).filter((f) => f.startsWith('backend-') && f.endsWith('.json')).sort()) {
    const capture: unknown = JSON.parse(readFileSync(fixturesDir + file, 'utf8'));
    walk(capture, file, (where, raw) => {
      if (seen.has(raw)) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      const meta = parsed as Record<string, unknown>;
      if (typeof meta.status !== 'string' || typeof meta.task_id !== 'string') return;
      seen.add(raw);
      found.push({ where, taskId: meta.task_id, raw });
    });
  }
  return found;
}

function walk(value: unknown, where: string, onRaw: (where: string, raw: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${where}[${i}]`, onRaw));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'raw' && typeof child === 'string') onRaw(where, child);
      else walk(child, `${where}.${key}`, onRaw);
    }
  }
}
