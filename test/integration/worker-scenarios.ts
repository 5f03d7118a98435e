// Scenarios the multi-process tests run on each shared broker (sqlite, Redis) with `celeriac
// worker` processes, and the run log they read back (test/fixtures/apps/run-log.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnWorker, stopAll, type WorkerProcess } from './worker-processes.js';

/** One line of a run log. */
export interface Run {
  i: number;
  pid: number;
  ranAtMs: number;
  redelivered: boolean;
}

/** The runs a run log recorded, in the order they were written. */
export function readRuns(log: string): Run[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [i, pid, ranAt, redelivered] = line.split(' ');
      return { i: Number(i), pid: Number(pid), ranAtMs: Number(ranAt), redelivered: redelivered === 'true' };
    });
}

interface Result {
  get(options: { timeout: number }): Promise<unknown>;
}

/** A test app module (multiprocess-app.ts, redis-process-app.ts) and how its workers start. */
export interface ScenarioSetup {
  /** The `-A` module. */
  appPath: string;
  /** Environment of every worker (broker, run log). */
  env: Record<string, string>;
  /** Added to `env` for a worker whose `hang` task never returns. */
  hangEnv: Record<string, string>;
  log: string;
  app: {
    app: { close(): Promise<void> };
    /** Logs its run of `i`, returns `i`. */
    record: { applyAsync(args: [number], kwargs: Record<string, never>, options: { eta: Date }): Promise<Result> };
    /** Acks late; logs its run of `i` and returns `2 i`, or hangs in a `hangEnv` worker. */
    hang: { delay(i: number): Promise<Result> };
  };
}

/**
 * Three workers (prefetch 80 each, so together they can hold all 200 tasks at once) get 200
 * tasks due `etaMs` from now: each must run exactly once, at or after its ETA, never given back by
 * the broker (redelivered) — with a visibility timeout shorter than `etaMs`, held tasks wait
 * unacked past it. The workers then warm-stop with exit code 0.
 */
export async function etaTasksRunOnce(setup: ScenarioSetup, etaMs: number): Promise<void> {
  const args = ['-A', setup.appPath, '-c', '8', '--prefetch-multiplier', '10'];
  const workers = await Promise.all(['a', 'b', 'c'].map((n) => spawnWorker([...args, '-n', `${n}@%h`], setup.env)));
  try {
    const n = 200;
    const etas: number[] = [];
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const eta = new Date(Date.now() + etaMs);
        etas[i] = eta.getTime();
        return setup.app.record.applyAsync([i], {}, { eta });
      }),
    );
    const values = await Promise.all(results.map((r) => r.get({ timeout: 120_000 })));
    assert.deepEqual(values, Array.from({ length: n }, (_, i) => i));
    const runs = readRuns(setup.log);
    assert.equal(new Set(runs.map((r) => r.i)).size, n, 'some task never ran');
    assert.equal(runs.length, n, `${runs.length - n} run(s) were duplicates`);
    for (const run of runs) {
      assert.ok(run.ranAtMs >= etas[run.i]!, `task ${run.i} ran ${etas[run.i]! - run.ranAtMs} ms before its ETA`);
      assert.equal(run.redelivered, false, `task ${run.i} was given back while a live worker held it`);
    }
  } finally {
    const codes = await stopAll(workers);
    await setup.app.app.close();
    assert.deepEqual(codes, [0, 0, 0], 'warm shutdown exits 0');
  }
}

/** Starts a worker that takes four acksLate `hang` tasks (1..4) and hangs in them. */
export async function doomedWorker(setup: ScenarioSetup): Promise<{ doomed: WorkerProcess; results: Result[] }> {
  const doomed = await spawnWorker(['-A', setup.appPath, '-c', '4', '-n', 'doomed@%h'], { ...setup.env, ...setup.hangEnv });
  const results = await Promise.all([1, 2, 3, 4].map((i) => setup.app.hang.delay(i)));
  for (const i of [1, 2, 3, 4]) await doomed.waitForLine(new RegExp(`^STARTED ${i}$`));
  return { doomed, results };
}

/** The doomed worker's four tasks completed, each once, in `rescuer`, as redelivered messages. */
export async function assertRescued(setup: ScenarioSetup, results: readonly Result[], rescuer: WorkerProcess): Promise<void> {
  const values = await Promise.all(results.map((r) => r.get({ timeout: 60_000 })));
  assert.deepEqual(values, [2, 4, 6, 8]);
  const runs = readRuns(setup.log);
  assert.deepEqual(runs.map((r) => r.i).sort(), [1, 2, 3, 4], 'each ran once, in the rescuer');
  assert.ok(runs.every((r) => r.pid === rescuer.child.pid && r.redelivered));
}
