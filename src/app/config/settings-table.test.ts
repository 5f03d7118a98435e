import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from './config.js';
import { allSettingNames, lookupSetting } from './setting-names.js';
import { SETTINGS, SETTINGS_PARTS, SETTING_KEYS, specOf } from './settings-table.js';

describe('the settings table', () => {
  test('no key is defined in two parts', () => {
    const total = SETTINGS_PARTS.reduce((n, part) => n + Object.keys(part).length, 0);
    assert.equal(SETTING_KEYS.length, total);
  });

  test('Celery names are unique, lower-case snake_case', () => {
    const seen = new Set<string>();
    for (const key of SETTING_KEYS) {
      const { celery } = specOf(key);
      assert.match(celery, /^[a-z][a-z0-9_]*$/, key);
      assert.ok(!seen.has(celery), `${celery} twice`);
      seen.add(celery);
    }
  });

  test('old names are upper-case', () => {
    for (const key of SETTING_KEYS) for (const old of specOf(key).old) assert.match(old, /^[A-Z][A-Z0-9_]*$/, key);
  });

  test('every accepted name (camelCase, Celery, old, CELERY_-namespaced) resolves to one key', () => {
    // Building the index throws if two settings claim one name; reaching here means none do.
    for (const key of SETTING_KEYS) {
      const spec = specOf(key);
      assert.equal(lookupSetting(key)?.key, key);
      assert.equal(lookupSetting(spec.celery)?.key, key);
      for (const old of spec.old) assert.equal(lookupSetting(old)?.key, key, old);
      assert.equal(lookupSetting(`CELERY_${spec.celery.toUpperCase()}`)?.key, key);
    }
    assert.ok(allSettingNames().length > SETTING_KEYS.length * 3);
  });

  test('keys are camelCase and carry the unit when the value has one', () => {
    for (const key of SETTING_KEYS) {
      const { codec } = specOf(key);
      assert.match(key, /^[a-z][a-zA-Z0-9]*$/, key);
      if (codec.unit === 'ms' && key !== 'beatSchedule') assert.match(key, /Ms$/, key);
      if (codec.unit === 'bytes') assert.match(key, /Bytes$/, key);
    }
  });

  test('every default passes its own codec unchanged', () => {
    for (const key of SETTING_KEYS) {
      const spec = specOf(key);
      assert.deepEqual(spec.codec.fromCeleriac(spec.default, key), spec.default, key);
    }
  });

  test('fallbacks point at existing keys', () => {
    for (const key of SETTING_KEYS) {
      const { fallback } = specOf(key);
      if (fallback !== undefined) assert.ok(fallback in SETTINGS, `${key} → ${fallback}`);
    }
  });

  test('every row has a one-line description', () => {
    for (const key of SETTING_KEYS) {
      const { description } = specOf(key);
      assert.ok(description.length > 5 && !description.includes('\n'), key);
    }
  });

  test('no key collides with a Config method', () => {
    const members = Object.getOwnPropertyNames(Config.prototype).filter((name) => !(name in SETTINGS));
    for (const member of ['update', 'set', 'get', 'isSet', 'changes', 'snapshot', 'toJSON', 'override', 'applyEnv', 'configFromObject', 'configFromFile', 'configFromEnv', 'notices']) {
      assert.ok(members.includes(member), member);
    }
  });
});

describe("Celery's old upper-case names", () => {
  // Celery 5's own old → new mapping (celery/app/defaults.py), for the names users paste most.
  const mapping: Record<string, string> = {
    BROKER_URL: 'broker_url',
    CELERY_RESULT_BACKEND: 'result_backend',
    CELERY_TASK_RESULT_EXPIRES: 'result_expires',
    CELERYD_CONCURRENCY: 'worker_concurrency',
    CELERYD_PREFETCH_MULTIPLIER: 'worker_prefetch_multiplier',
    CELERY_DEFAULT_QUEUE: 'task_default_queue',
    CELERY_ACKS_LATE: 'task_acks_late',
    CELERY_TIMEZONE: 'timezone',
    CELERY_ENABLE_UTC: 'enable_utc',
    CELERY_IMPORTS: 'imports',
    CELERY_INCLUDE: 'include',
    CELERY_TASK_SERIALIZER: 'task_serializer',
    CELERY_RESULT_SERIALIZER: 'result_serializer',
    CELERY_ACCEPT_CONTENT: 'accept_content',
    CELERY_ROUTES: 'task_routes',
    CELERY_QUEUES: 'task_queues',
    CELERY_ANNOTATIONS: 'task_annotations',
    CELERYD_MAX_TASKS_PER_CHILD: 'worker_max_tasks_per_child',
    BROKER_POOL_LIMIT: 'broker_pool_limit',
    CELERY_DISABLE_RATE_LIMITS: 'worker_disable_rate_limits',
    CELERYBEAT_SCHEDULE: 'beat_schedule',
    CELERY_IGNORE_RESULT: 'task_ignore_result',
    CELERY_TRACK_STARTED: 'task_track_started',
    CELERYD_TASK_TIME_LIMIT: 'task_time_limit',
    CELERYD_TASK_SOFT_TIME_LIMIT: 'task_soft_time_limit',
    CELERY_SEND_EVENTS: 'worker_send_task_events',
    CELERY_SEND_TASK_SENT_EVENT: 'task_send_sent_event',
    CELERY_ALWAYS_EAGER: 'task_always_eager',
    CELERY_EAGER_PROPAGATES_EXCEPTIONS: 'task_eager_propagates',
    CELERY_MAX_CACHED_RESULTS: 'result_cache_max',
    CELERY_MESSAGE_COMPRESSION: 'task_compression',
    CELERY_RESULT_DBURI: 'database_url',
    CELERYD_POOL: 'worker_pool',
    CELERY_REDIRECT_STDOUTS: 'worker_redirect_stdouts',
    BROKER_TRANSPORT_OPTIONS: 'broker_transport_options',
    CELERY_TASK_PUBLISH_RETRY_POLICY: 'task_publish_retry_policy',
    CELERY_EVENT_QUEUE_EXPIRES: 'event_queue_expires',
    CELERY_DEFAULT_EXCHANGE: 'task_default_exchange',
    CELERY_DEFAULT_ROUTING_KEY: 'task_default_routing_key',
    CELERYBEAT_SCHEDULER: 'beat_scheduler',
  };
  for (const [old, celery] of Object.entries(mapping)) {
    test(`${old} → ${celery}`, () => {
      const match = lookupSetting(old);
      assert.ok(match, `${old} unknown`);
      assert.equal(specOf(match.key).celery, celery);
      assert.equal(match.spelling, 'upper');
    });
  }

  test('Django-namespaced names (seed 004: CELERY_BROKER_URL) resolve too', () => {
    assert.equal(lookupSetting('CELERY_BROKER_URL')?.key, 'brokerUrl');
    assert.equal(lookupSetting('CELERY_TASK_ALWAYS_EAGER')?.key, 'taskAlwaysEager');
    assert.equal(lookupSetting('CELERY_WORKER_CONCURRENCY')?.key, 'workerConcurrency');
  });
});

describe('implemented flags', () => {
  test('the core of the task path is marked implemented', () => {
    for (const key of ['brokerUrl', 'resultBackend', 'taskSerializer', 'acceptContent', 'taskRoutes', 'taskDefaultQueue', 'taskAcksLate', 'workerConcurrency', 'workerPrefetchMultiplier', 'resultExpiresMs'] as const) {
      assert.equal(specOf(key).implemented, true, key);
    }
  });

  test('settings of result stores celeriac lacks are accepted but not implemented', () => {
    for (const key of ['cassandraServers', 's3Bucket', 'databaseUrl', 'mongodbBackendSettings'] as const) {
      assert.equal(specOf(key).implemented, false, key);
    }
  });
});
