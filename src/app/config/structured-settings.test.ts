import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CeleriacError, UnknownSettingError } from '../../errors.js';
import { Config, type SettingsInput } from './config.js';

function loose(settings: Record<string, unknown>): SettingsInput {
  return settings;
}

function invalidWith(pattern: RegExp) {
  return (err: unknown) => err instanceof CeleriacError && err.code === 'CONFIG_INVALID' && pattern.test(err.message);
}

describe('task_routes', () => {
  test("seed 000's glob map becomes one Map router with camelCase routes", () => {
    const conf = new Config({
      task_routes: { 'webhook.*': { queue: 'q-webhook' }, 'internal.*': 'q-internal', 'tasks.add': { queue: 'q', routing_key: 'rk', priority: 5 } },
    });
    assert.equal(conf.taskRoutes.length, 1);
    const router = conf.taskRoutes[0]!;
    assert.ok(router instanceof Map);
    assert.deepEqual([...router], [
      ['webhook.*', { queue: 'q-webhook' }],
      ['internal.*', { queue: 'q-internal' }],
      ['tasks.add', { queue: 'q', routingKey: 'rk', priority: 5 }],
    ]);
  });

  test('a list of maps and functions keeps its order; RegExp patterns through Maps or pairs', () => {
    const fn = (name: string) => (name.startsWith('x.') ? 'xq' : undefined);
    const conf = new Config({
      taskRoutes: [fn, new Map<string | RegExp, string>([[/^(video|image)\./, 'media']]), { 'a.b': 'ab' }],
    });
    assert.equal(conf.taskRoutes.length, 3);
    assert.equal(conf.taskRoutes[0], fn);
    assert.deepEqual([...(conf.taskRoutes[1] as Map<unknown, unknown>)], [[/^(video|image)\./, { queue: 'media' }]]);
    // Celery's list-of-pairs form: task_routes = ([('feed.tasks.*', {'queue': 'feeds'}), ...],)
    const pairs = new Config({ task_routes: [[['feed.tasks.*', { queue: 'feeds' }], [/^media\./, 'media']]] });
    assert.equal(pairs.taskRoutes.length, 1);
    assert.deepEqual([...(pairs.taskRoutes[0] as Map<unknown, unknown>)], [
      ['feed.tasks.*', { queue: 'feeds' }],
      [/^media\./, { queue: 'media' }],
    ]);
  });

  test('bad routes are refused', () => {
    assert.throws(() => new Config({ task_routes: 'proj.routers.route_task' }), invalidWith(/task_routes: router import paths/));
    assert.throws(() => new Config({ task_routes: { 'a.*': { queue: 3 } } }), invalidWith(/task_routes\.a\.\*\.queue: expected a string/));
    assert.throws(() => new Config({ task_routes: { 'a.*': { priority: 256 } } }), invalidWith(/priority: expected an integer 0\.\.255/));
    assert.throws(() => new Config({ task_routes: 5 }), invalidWith(/task_routes: expected a map of routes/));
  });

  test('null reads as no routes', () => {
    assert.deepEqual(new Config({ CELERY_ROUTES: null }).taskRoutes, []);
  });
});

describe('task_queues', () => {
  test('names and kombu Queue arguments; seconds → ms; Celery 3 map form', () => {
    const conf = new Config({
      task_queues: ['default', { name: 'media', exchange: 'media', exchange_type: 'topic', routing_key: 'media.#', max_priority: 10, message_ttl: 60 }],
    });
    assert.deepEqual(conf.taskQueues, [
      { name: 'default' },
      { name: 'media', exchange: 'media', exchangeType: 'topic', routingKey: 'media.#', maxPriority: 10, messageTtlMs: 60_000 },
    ]);
    const map = new Config({ CELERY_QUEUES: { default: { exchange: 'default', routing_key: 'default' }, empty: null } });
    assert.deepEqual(map.taskQueues, [{ name: 'default', exchange: 'default', routingKey: 'default' }, { name: 'empty' }]);
  });

  test('unknown queue fields suggest; duplicates and missing names are refused', () => {
    assert.throws(
      () => new Config({ task_queues: [{ name: 'q', routing_kye: 'x' }] }),
      (err: unknown) => err instanceof UnknownSettingError && err.suggestion === 'task_queues[0].routing_key',
    );
    assert.throws(() => new Config({ task_queues: ['a', { name: 'a' }] }), invalidWith(/queue 'a' is declared twice/));
    assert.throws(() => new Config({ task_queues: [{ exchange: 'x' }] }), invalidWith(/task_queues\[0\]: a queue needs a 'name'/));
  });
});

describe('task_annotations', () => {
  test("seed 003's CELERY_ANNOTATIONS with an on_failure handler for every task", () => {
    const onFailure = () => undefined;
    const conf = new Config({ CELERY_ANNOTATIONS: { '*': { on_failure: onFailure, rate_limit: '10/s' }, 'tasks.add': { time_limit: 5 } } });
    const [map] = conf.taskAnnotations;
    assert.ok(map instanceof Map);
    assert.deepEqual(map.get('*'), { onFailure, rateLimit: '10/s' });
    assert.deepEqual(map.get('tasks.add'), { timeLimit: 5 });
  });

  test('annotator objects and functions; import paths refused', () => {
    const conf = new Config({ task_annotations: [{ annotate: (task: { name: string }) => (task.name === 'a' ? { soft_time_limit: 1 } : null) }] });
    const annotator = conf.taskAnnotations[0];
    assert.equal(typeof annotator, 'function');
    const fn = annotator as (name: string) => unknown;
    assert.deepEqual(fn('a'), { softTimeLimit: 1 });
    assert.equal(fn('b'), undefined);
    assert.throws(() => new Config({ task_annotations: 'proj.annotations.MyAnnotator' }), invalidWith(/annotation import paths/));
  });
});

describe('beat_schedule', () => {
  test("seed 001's CELERYBEAT_SCHEDULE: seconds interval and crontab fields", () => {
    const conf = new Config({
      CELERYBEAT_SCHEDULE: {
        add_every_30_seconds: { task: 'celery_app.tasks.add', schedule: 30, args: [14, 5] },
        xsum_week1_20_20_00: { task: 'celery_app.tasks.xsum', schedule: { hour: 20, minute: 20, day_of_week: 1 }, args: [[1, 2, 3, 4]] },
      },
    });
    assert.deepEqual(conf.beatSchedule.add_every_30_seconds, {
      task: 'celery_app.tasks.add',
      schedule: { kind: 'interval', everyMs: 30_000 },
      args: [14, 5],
      kwargs: {},
      options: {},
      relative: false,
    });
    assert.deepEqual(conf.beatSchedule.xsum_week1_20_20_00?.schedule, {
      kind: 'crontab',
      minute: '20',
      hour: '20',
      dayOfWeek: '1',
      dayOfMonth: '*',
      monthOfYear: '*',
    });
  });

  test('camelCase beatSchedule numbers are ms; timedelta-like objects and schedule objects work', () => {
    class Solar {
      constructor(readonly event: string) {}
    }
    const solar = new Solar('sunset');
    const conf = new Config({
      beatSchedule: {
        fast: { task: 't', schedule: 500 },
        hourly: { task: 't', schedule: { hours: 1 }, options: { routing_key: 'rk', expires: 30 } },
        custom: { task: 't', schedule: solar },
      },
    });
    assert.deepEqual(conf.beatSchedule.fast?.schedule, { kind: 'interval', everyMs: 500 });
    assert.deepEqual(conf.beatSchedule.hourly?.schedule, { kind: 'interval', everyMs: 3_600_000 });
    assert.deepEqual(conf.beatSchedule.hourly?.options, { routingKey: 'rk', expires: 30 });
    assert.deepEqual(conf.beatSchedule.custom?.schedule, { kind: 'custom', schedule: solar });
  });

  test("seed 000's entry nested one level too deep gets a pointed error", () => {
    assert.throws(
      () =>
        new Config({
          beat_schedule: { issue_timed_task_issue_daily: { daily_task: { task: 'hackfun.worker.timed_task.issue_daily', schedule: { minute: '0', hour: '10' } } } },
        }),
      invalidWith(/beat_schedule\.issue_timed_task_issue_daily: missing 'task'; 'daily_task' looks like an entry nested one level too deep/),
    );
  });

  test('bad entries', () => {
    assert.throws(
      () => new Config({ beat_schedule: { e: { task: 't', schedule: 1, kwarg: {} } } }),
      (err: unknown) => err instanceof UnknownSettingError && err.suggestion === 'beat_schedule.e.kwargs',
    );
    assert.throws(() => new Config({ beat_schedule: { e: { task: 't' } } }), invalidWith(/beat_schedule\.e: missing 'schedule'/));
    assert.throws(() => new Config({ beat_schedule: { e: { task: 't', schedule: -1 } } }), invalidWith(/positive/));
    assert.throws(() => new Config({ beat_schedule: { e: { task: 't', schedule: { minute: '0', hours: 1 } } } }), invalidWith(/'hours' is not a crontab field/));
    assert.throws(() => new Config({ beat_schedule: { e: { task: 't', schedule: 1, args: 'x' } } }), invalidWith(/beat_schedule\.e\.args: expected a list/));
  });
});

describe('transport options', () => {
  test('Redis and AMQP options, both spellings, units converted', () => {
    const conf = new Config({
      BROKER_TRANSPORT_OPTIONS: {
        visibility_timeout: 43200,
        queue_order_strategy: 'priority',
        sep: ':',
        fanout_prefix: true,
        fanout_patterns: true,
        socket_timeout: 5,
        healthCheckIntervalMs: 25_000,
        confirm_publish: true,
        max_retries: 3,
        interval_start: 0.5,
      },
    });
    assert.deepEqual(conf.brokerTransportOptions, {
      visibilityTimeoutMs: 43_200_000,
      queueOrderStrategy: 'priority',
      sep: ':',
      fanoutPrefix: true,
      fanoutPatterns: true,
      socketTimeoutMs: 5000,
      healthCheckIntervalMs: 25_000,
      confirmPublish: true,
      maxRetries: 3,
      intervalStartMs: 500,
    });
  });

  test('result backend retry_policy is read as a partial policy', () => {
    const conf = new Config({ result_backend_transport_options: { retry_policy: { max_retries: 2, interval_max: 1 }, global_keyprefix: 'p_' } });
    assert.deepEqual(conf.resultBackendTransportOptions, { retryPolicy: { maxRetries: 2, intervalMaxMs: 1000 }, globalKeyprefix: 'p_' });
  });

  test('bad and conflicting options', () => {
    assert.throws(() => new Config({ broker_transport_options: { queue_order_strategy: 'fifo' } }), invalidWith(/queue_order_strategy: expected one of/));
    assert.throws(
      () => new Config({ broker_transport_options: { visibility_timeout: 1, visibilityTimeoutMs: 2 } }),
      invalidWith(/'visibility_timeout' and 'visibilityTimeoutMs' are the same field with different values/),
    );
    assert.throws(() => new Config(loose({ broker_transport_options: { region: 'us-east-1' } })), UnknownSettingError);
  });
});
