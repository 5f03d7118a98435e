import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CeleriacError, UnknownSettingError } from '../../errors.js';
import { Config, DEFAULT_CONFIG, type SettingsInput } from './config.js';

/** Input a TypeScript caller could not write (typos, wrong types), as from JavaScript or a file. */
function loose(settings: Record<string, unknown>): SettingsInput {
  return settings;
}

function invalidWith(pattern: RegExp) {
  return (err: unknown) => err instanceof CeleriacError && err.code === 'CONFIG_INVALID' && pattern.test(err.message);
}

function unknownWith(setting: string, suggestion: string | undefined) {
  return (err: unknown) => {
    assert.ok(err instanceof UnknownSettingError, String(err));
    assert.equal(err.code, 'CONFIG_UNKNOWN_SETTING');
    assert.equal(err.setting, setting);
    assert.equal(err.suggestion, suggestion);
    return true;
  };
}

describe('spellings', () => {
  test('every spelling of a setting sets the same key', () => {
    for (const settings of [
      { broker_url: 'redis://h/0' },
      { BROKER_URL: 'redis://h/0' },
      { CELERY_BROKER_URL: 'redis://h/0' },
      { brokerUrl: 'redis://h/0' },
    ]) {
      assert.equal(new Config(settings).brokerUrl, 'redis://h/0');
    }
    for (const settings of [{ worker_concurrency: 3 }, { CELERYD_CONCURRENCY: 3 }, { CELERY_WORKER_CONCURRENCY: 3 }, { workerConcurrency: 3 }]) {
      assert.equal(new Config(settings).workerConcurrency, 3);
    }
    for (const settings of [{ task_time_limit: 2 }, { CELERYD_TASK_TIME_LIMIT: 2 }, { taskTimeLimitMs: 2000 }]) {
      assert.equal(new Config(settings).taskTimeLimitMs, 2000);
    }
  });

  test("seed 001's Django settings load as written", () => {
    const conf = new Config({
      BROKER_URL: 'redis://127.0.0.1:6379/0',
      CELERY_RESULT_BACKEND: 'redis://127.0.0.1:6379/0',
      CELERY_RESULT_SERIALIZER: 'json',
      CELERY_TASK_RESULT_EXPIRES: 60 * 60 * 24,
      CELERY_TIMEZONE: 'Asia/Shanghai',
    });
    assert.equal(conf.brokerUrl, 'redis://127.0.0.1:6379/0');
    assert.equal(conf.resultBackend, 'redis://127.0.0.1:6379/0');
    assert.equal(conf.resultSerializer, 'json');
    assert.equal(conf.resultExpiresMs, 86_400_000);
    assert.equal(conf.timezone, 'Asia/Shanghai');
    assert.deepEqual(conf.notices, []);
  });

  test("seed 003's config module settings load as written", () => {
    const conf = new Config({
      BROKER_URL: 'redis://:password@host:6379/0',
      CELERY_IMPORTS: ['tasks'],
      CELERY_TASK_SERIALIZER: 'json',
      CELERY_ACCEPT_CONTENT: ['json'],
      CELERY_TIMEZONE: 'Europe/Oslo',
      CELERY_ENABLE_UTC: true,
      CELERY_ROUTES: {},
      BROKER_POOL_LIMIT: 10,
      CELERY_TASK_RESULT_EXPIRES: 3600,
      CELERY_MAX_CACHED_RESULTS: 10000,
    });
    assert.deepEqual(conf.imports, ['tasks']);
    assert.equal(conf.enableUtc, true);
    assert.equal(conf.resultExpiresMs, 3_600_000);
    assert.equal(conf.brokerPoolLimit, 10);
    assert.deepEqual(
      conf.notices.map((n) => [n.kind, n.setting]),
      [
        ['not-implemented', 'BROKER_POOL_LIMIT'],
        ['not-implemented', 'CELERY_MAX_CACHED_RESULTS'],
      ],
    );
  });

  test('old and new names may be mixed in one object', () => {
    const conf = new Config({ BROKER_URL: 'memory://', result_backend: 'memory://', taskAcksLate: true });
    assert.equal(conf.brokerUrl, 'memory://');
    assert.equal(conf.resultBackend, 'memory://');
    assert.equal(conf.taskAcksLate, true);
  });

  test("result_serializer other than json is refused, not stored as JSON behind the user's back", () => {
    assert.throws(() => new Config(loose({ result_serializer: 'msgpack' })), invalidWith(/^result_serializer: expected one of 'json', got/));
    assert.equal(new Config({ CELERY_RESULT_SERIALIZER: 'json' }).resultSerializer, 'json');
  });

  test('one setting twice in one object: fine when equal, refused when different', () => {
    assert.equal(new Config({ BROKER_URL: 'memory://', CELERY_BROKER_URL: 'memory://' }).brokerUrl, 'memory://');
    assert.equal(new Config({ result_expires: 60, resultExpiresMs: 60_000 }).resultExpiresMs, 60_000);
    assert.throws(() => new Config({ BROKER_URL: 'memory://a', broker_url: 'memory://b' }), invalidWith(/^broker_url: given twice.*'BROKER_URL' and 'broker_url'/));
  });
});

describe('units', () => {
  test("Celery's seconds become milliseconds, once", () => {
    const conf = new Config({ result_expires: 3600, broker_heartbeat: 10, event_queue_expires: 60.5, task_soft_time_limit: 0.25 });
    assert.equal(conf.resultExpiresMs, 3_600_000);
    assert.equal(conf.brokerHeartbeatMs, 10_000);
    assert.equal(conf.eventQueueExpiresMs, 60_500);
    assert.equal(conf.taskSoftTimeLimitMs, 250);
    assert.equal(conf.get('result_expires'), 3_600_000);
  });

  test('camelCase keys take milliseconds as they are', () => {
    assert.equal(new Config({ resultExpiresMs: 5000 }).resultExpiresMs, 5000);
  });

  test("a timedelta-like object is accepted where Celery takes a timedelta", () => {
    assert.equal(new Config({ result_expires: { days: 1 } }).resultExpiresMs, 86_400_000);
    assert.equal(new Config({ result_expires: { hours: 1, minutes: 30 } }).resultExpiresMs, 5_400_000);
    assert.equal(new Config({ resultExpiresMs: { seconds: 2 } as unknown as number }).resultExpiresMs, 2000);
    assert.throws(() => new Config({ result_expires: { hourz: 1 } }), invalidWith(/result_expires: unknown duration field 'hourz'/));
  });

  test('null (Celery None) turns a limit off', () => {
    assert.equal(new Config({ result_expires: null }).resultExpiresMs, null);
    assert.equal(new Config({ CELERYD_TASK_TIME_LIMIT: null }).taskTimeLimitMs, null);
  });

  test('worker_max_memory_per_child is KiB in Celery, bytes here', () => {
    assert.equal(new Config({ worker_max_memory_per_child: 12_000 }).workerMaxMemoryPerChildBytes, 12_288_000);
    assert.equal(new Config({ workerMaxMemoryPerChildBytes: 1024 }).workerMaxMemoryPerChildBytes, 1024);
  });

  test('transport options: visibility_timeout seconds → visibilityTimeoutMs', () => {
    const conf = new Config({ broker_transport_options: { visibility_timeout: 3600, priority_steps: [0, 5, 9], global_keyprefix: 'app:' } });
    assert.deepEqual(conf.brokerTransportOptions, { visibilityTimeoutMs: 3_600_000, prioritySteps: [0, 5, 9], globalKeyprefix: 'app:' });
    assert.deepEqual(new Config({ brokerTransportOptions: { visibilityTimeoutMs: 10 } }).brokerTransportOptions, { visibilityTimeoutMs: 10 });
  });

  test('publish retry policy: seconds → ms, missing fields from the default policy', () => {
    const conf = new Config({ task_publish_retry_policy: { max_retries: 5, interval_max: 2 } });
    assert.deepEqual(conf.taskPublishRetryPolicy, { maxRetries: 5, intervalStartMs: 0, intervalStepMs: 200, intervalMaxMs: 2000 });
  });
});

describe('unknown names', () => {
  test('are errors with a suggestion in the spelling the user wrote', () => {
    assert.throws(() => new Config(loose({ broker_ulr: 'x' })), unknownWith('broker_ulr', 'broker_url'));
    assert.throws(() => new Config(loose({ CELERY_RESLUT_BACKEND: 'x' })), unknownWith('CELERY_RESLUT_BACKEND', 'CELERY_RESULT_BACKEND'));
    assert.throws(() => new Config(loose({ BROKER_ULR: 'x' })), unknownWith('BROKER_ULR', 'BROKER_URL'));
    assert.throws(() => new Config(loose({ brokerUlr: 'x' })), unknownWith('brokerUlr', 'brokerUrl'));
    assert.throws(() => new Config(loose({ CELERYD_CONCURENCY: 4 })), unknownWith('CELERYD_CONCURENCY', 'CELERYD_CONCURRENCY'));
  });

  test('a suggestion found in another spelling is given back in the user’s spelling', () => {
    // `resultExpires` is nearest to the Celery name `result_expires`; the camelCase key is suggested.
    assert.throws(() => new Config(loose({ resultExpires: 1 })), unknownWith('resultExpires', 'resultExpiresMs'));
  });

  test('with nothing close, no suggestion', () => {
    assert.throws(() => new Config(loose({ completely_made_up: 1 })), unknownWith('completely_made_up', undefined));
  });

  test('the message says "did you mean"', () => {
    assert.throws(() => new Config(loose({ broker_ulr: 'x' })), /unknown setting 'broker_ulr' \(did you mean 'broker_url'\?\)/);
  });

  test('get() of an unknown name also suggests', () => {
    assert.throws(() => new Config().get('task_serialiser'), unknownWith('task_serialiser', 'task_serializer'));
  });

  test('unknown fields inside structured settings suggest too', () => {
    assert.throws(
      () => new Config({ broker_transport_options: { visiblity_timeout: 10 } }),
      unknownWith('broker_transport_options.visiblity_timeout', 'broker_transport_options.visibility_timeout'),
    );
  });
});

describe('invalid values', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ worker_concurrency: -1 }, /^worker_concurrency: must be ≥ 1, got -1$/],
    [{ worker_concurrency: 0 }, /^worker_concurrency: must be ≥ 1/],
    [{ CELERYD_CONCURRENCY: 2.5 }, /^CELERYD_CONCURRENCY: expected an integer/],
    [{ worker_concurrency: '4' }, /^worker_concurrency: expected a number, got "4"/],
    [{ task_acks_late: 'yes' }, /^task_acks_late: expected true or false/],
    [{ broker_url: 42 }, /^broker_url: expected a string, got 42/],
    [{ broker_url: '' }, /^broker_url: must not be empty/],
    [{ result_expires: -5 }, /^result_expires: must not be negative/],
    [{ accept_content: 'json' }, /^accept_content: expected a list of strings/],
    [{ accept_content: ['json', 3] }, /^accept_content\[1\]: expected a string/],
    [{ timezone: 'Mars/Olympus' }, /^timezone: unknown time zone "Mars\/Olympus"/],
    [{ task_protocol: 1 }, /^task_protocol: celeriac speaks task protocol 2 only/],
    [{ worker_pool: 'gevnet' }, /^worker_pool: expected one of 'async', 'threads', 'processes', 'prefork'/],
    [{ task_default_priority: 300 }, /^task_default_priority: must be ≤ 255/],
    [{ task_default_rate_limit: 'fast' }, /^task_default_rate_limit: expected a rate like/],
    [{ task_default_delivery_mode: 3 }, /^task_default_delivery_mode: expected one of 'persistent', 'transient'/],
    [{ broker_transport_options: [] }, /^broker_transport_options: expected an object/],
  ];
  for (const [settings, message] of cases) {
    test(`${JSON.stringify(settings)} → ${message.source}`, () => {
      assert.throws(() => new Config(loose(settings)), invalidWith(message));
    });
  }

  test('an update applies all its values or none', () => {
    const conf = new Config();
    assert.throws(() => conf.update(loose({ task_default_queue: 'q', worker_concurrency: -1 })));
    assert.equal(conf.taskDefaultQueue, 'celery');
    assert.equal(conf.isSet('task_default_queue'), false);
  });

  test('undefined values are skipped (optional fields), null is a value', () => {
    const conf = new Config({ broker_url: undefined, task_default_queue: undefined });
    assert.equal(conf.taskDefaultQueue, 'celery');
    assert.throws(() => conf.update(loose({ task_default_queue: null })), invalidWith(/task_default_queue: expected a string, got null/));
  });
});

describe('values Celery spells its own way', () => {
  test("Celery pool names map onto celeriac's pools", () => {
    assert.equal(new Config({ worker_pool: 'prefork' }).workerPool, 'processes');
    assert.equal(new Config({ CELERYD_POOL: 'eventlet' }).workerPool, 'async');
    assert.equal(new Config({ worker_pool: 'gevent' }).workerPool, 'async');
    assert.equal(new Config({ worker_pool: 'solo' }).workerPool, 'async');
    assert.equal(new Config({ worker_pool: 'threads' }).workerPool, 'threads');
    assert.equal(new Config().workerPool, 'async');
  });

  test('delivery mode numbers become names', () => {
    assert.equal(new Config({ task_default_delivery_mode: 1 }).taskDefaultDeliveryMode, 'transient');
    assert.equal(new Config({ task_default_delivery_mode: 'persistent' }).taskDefaultDeliveryMode, 'persistent');
  });

  test('rate limits keep Celery’s format; numbers are per second', () => {
    assert.equal(new Config({ task_default_rate_limit: '10/m' }).taskDefaultRateLimit, '10/m');
    assert.equal(new Config({ task_default_rate_limit: 5 }).taskDefaultRateLimit, '5/s');
  });

  test('imports accepts a lone module name', () => {
    assert.deepEqual(new Config({ imports: 'tasks' }).imports, ['tasks']);
    assert.deepEqual(new Config({ CELERY_INCLUDE: ['apps.tasks'] }).include, ['apps.tasks']);
  });
});

describe('fallbacks (Celery Settings properties)', () => {
  test('task_default_exchange and routing key read task_default_queue until set', () => {
    const conf = new Config({ task_default_queue: 'hackfun#workerQueue@default' });
    assert.equal(conf.taskDefaultExchange, 'hackfun#workerQueue@default');
    assert.equal(conf.taskDefaultRoutingKey, 'hackfun#workerQueue@default');
    conf.update({ task_default_exchange: 'ex' });
    assert.equal(conf.taskDefaultExchange, 'ex');
    assert.equal(DEFAULT_CONFIG.taskDefaultExchange, 'celery');
  });

  test('result_accept_content reads accept_content; broker_read_url reads broker_url', () => {
    const conf = new Config({ accept_content: ['json', 'msgpack'], broker_url: 'redis://h' });
    assert.deepEqual(conf.resultAcceptContent, ['json', 'msgpack']);
    assert.equal(conf.brokerReadUrl, 'redis://h');
    assert.equal(conf.get('broker_write_url'), 'redis://h');
  });
});

describe('the Config object', () => {
  test('defaults match Celery’s', () => {
    const conf = new Config();
    assert.equal(conf.taskDefaultQueue, 'celery');
    assert.equal(conf.taskSerializer, 'json');
    assert.deepEqual(conf.acceptContent, ['json']);
    assert.equal(conf.resultExpiresMs, 86_400_000);
    assert.equal(conf.workerPrefetchMultiplier, 4);
    assert.equal(conf.brokerConnectionMaxRetries, 100);
    assert.equal(conf.enableUtc, true);
    assert.equal(conf.brokerUrl, null);
    assert.deepEqual(conf.taskRoutes, []);
    assert.equal(conf.taskQueues, null);
  });

  test('property assignment validates like update', () => {
    const conf = new Config();
    conf.taskAcksLate = true;
    assert.equal(conf.taskAcksLate, true);
    assert.throws(() => {
      (conf as unknown as Record<string, unknown>).workerConcurrency = -3;
    }, invalidWith(/workerConcurrency: must be ≥ 1/));
  });

  test('set() takes any spelling (seed 003: app.conf.CELERY_TASK_SERIALIZER = "json")', () => {
    const conf = new Config();
    conf.set('CELERY_TASK_SERIALIZER', 'msgpack');
    assert.equal(conf.taskSerializer, 'msgpack');
  });

  test('get() is typed by name and returns celeriac units', () => {
    const conf = new Config({ BROKER_URL: 'memory://' });
    const url: string | null = conf.get('BROKER_URL');
    assert.equal(url, 'memory://');
    const expires: number | null = conf.get('CELERY_TASK_RESULT_EXPIRES');
    assert.equal(expires, 86_400_000);
  });

  test('defaults and values are frozen', () => {
    const conf = new Config();
    assert.ok(Object.isFrozen(conf.acceptContent));
    assert.ok(Object.isFrozen(DEFAULT_CONFIG));
    assert.ok(Object.isFrozen(new Config({ accept_content: ['json'] }).acceptContent));
  });

  test('changes(), isSet() and snapshot()', () => {
    const conf = new Config({ task_default_queue: 'q' });
    assert.deepEqual(conf.changes(), { taskDefaultQueue: 'q' });
    assert.equal(conf.isSet('CELERY_DEFAULT_QUEUE'), true);
    assert.equal(conf.isSet('broker_url'), false);
    const snap = conf.snapshot();
    assert.equal(snap.taskDefaultQueue, 'q');
    assert.equal(snap.taskDefaultExchange, 'q');
    assert.ok(Object.isFrozen(snap));
    assert.equal(JSON.parse(JSON.stringify(conf)).taskDefaultQueue, 'q');
  });

  test('not-implemented settings are notices, returned and kept once', () => {
    const conf = new Config();
    const notices = conf.update({ worker_hijack_root_logger: false, worker_redirect_stdouts: false, task_acks_late: true });
    assert.deepEqual(
      notices.map((n) => [n.kind, n.setting, n.key]),
      [
        ['not-implemented', 'worker_hijack_root_logger', 'workerHijackRootLogger'],
        ['not-implemented', 'worker_redirect_stdouts', 'workerRedirectStdouts'],
      ],
    );
    conf.update({ worker_hijack_root_logger: true });
    assert.equal(conf.notices.length, 2);
    assert.match(notices[0]!.message, /accepted but celeriac does not act on it yet/);
  });
});

describe('precedence', () => {
  test('later code wins: constructor < update', () => {
    const conf = new Config({ task_default_queue: 'a' });
    conf.update({ CELERY_DEFAULT_QUEUE: 'b' });
    assert.equal(conf.taskDefaultQueue, 'b');
  });

  test('environment overrides beat code, before and after they are read', () => {
    const conf = new Config({ broker_url: 'redis://code' });
    const notices = conf.applyEnv({ CELERIAC_BROKER_URL: 'redis://env', CELERIAC_RESULT_BACKEND: 'redis://env-results' });
    assert.equal(conf.brokerUrl, 'redis://env');
    assert.equal(conf.resultBackend, 'redis://env-results');
    assert.deepEqual(notices.map((n) => [n.kind, n.key]), [['overridden', 'brokerUrl']]);
    const later = conf.update({ broker_url: 'redis://later-code' });
    assert.equal(conf.brokerUrl, 'redis://env');
    assert.match(later[0]!.message, /broker_url set in code is overridden by CELERIAC_BROKER_URL/);
  });

  test("Celery's own CELERY_BROKER_URL variable counts; CELERIAC_ wins over it; empty is unset", () => {
    const conf = new Config({ broker_url: 'redis://code' });
    conf.applyEnv({ CELERY_BROKER_URL: 'amqp://celery-env' });
    assert.equal(conf.brokerUrl, 'amqp://celery-env');
    conf.applyEnv({ CELERY_BROKER_URL: 'amqp://celery-env', CELERIAC_BROKER_URL: 'redis://celeriac-env' });
    assert.equal(conf.brokerUrl, 'redis://celeriac-env');
    conf.applyEnv({ CELERIAC_BROKER_URL: '' });
    assert.equal(conf.brokerUrl, 'redis://code');
  });

  test('command-line overrides beat the environment', () => {
    const conf = new Config({ broker_url: 'redis://code' });
    conf.applyEnv({ CELERIAC_BROKER_URL: 'redis://env' });
    conf.override({ broker_url: 'redis://flag' });
    assert.equal(conf.brokerUrl, 'redis://flag');
    conf.applyEnv({ CELERIAC_BROKER_URL: 'redis://env2' });
    assert.equal(conf.brokerUrl, 'redis://flag');
    assert.equal(conf.isSet('broker_url'), true);
  });
});
