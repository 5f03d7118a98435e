/**
 * Redis for tests (DESIGN.md "Tests"): the shared server named by `CELERIAC_TEST_REDIS_URL`
 * (default `redis://127.0.0.1:6379/10`), checked once per file — when it is down, suites skip
 * with a printed reason locally and fail under `CI=true` — and private throwaway servers
 * (`redis-server --port <free> --save '' --appendonly no`) that a test may stop and restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const redisTestUrl = process.env.CELERIAC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/10';

/**
 * Why Redis tests cannot run here, or undefined when the server answers. Under `CI=true` an
 * unreachable server throws instead, so CI cannot pass by skipping.
 */
export async function redisUnavailable(url = redisTestUrl): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const reason = `no Redis at ${url} (${error instanceof Error ? error.message : String(error)}); set CELERIAC_TEST_REDIS_URL`;
    if (process.env.CI === 'true') throw new Error(reason, { cause: error });
    console.log(`# skipping Redis tests: ${reason}`);
    return reason;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test run uses (`celeriac-test-<uuid>:`). */
export function uniqueKeyPrefix(): string {
  return `celeriac-test-${randomUUID()}:`;
}

/** Delete every key under `prefix` (SCAN, not KEYS, so a shared server is not blocked). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Resolves once `count` clients are subscribed to `channel` (checked every event-loop turn). */
export async function untilSubscribers(client: Redis, channel: string, count: number): Promise<void> {
  for (;;) {
    const reply = (await client.pubsub('NUMSUB', channel)) as [string, number];
    if (Number(reply[1]) === count) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A private redis-server on a free loopback port, with no persistence. */
export class PrivateRedisServer {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedisServer> {
    const server = new PrivateRedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Start the server (again) on the same port; resolves when it accepts connections. */
  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (!output.includes('Ready to accept connections')) return;
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      };
      child.stdout?.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  /**
   * Freeze the server (SIGSTOP): connections stay open and nothing answers, as when its host
   * hangs or the network drops packets. {@link resume} (or {@link stop}) ends it.
   */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stop the server (SIGKILL: connections drop as in a crash); resolves when it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}
