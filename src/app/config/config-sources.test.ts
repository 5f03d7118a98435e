import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CeleriacError, UnknownSettingError } from '../../errors.js';
import { Config } from './config.js';
import { parseEnvText, readEnvSettings } from './settings-from-env.js';
import { settingsFromExports } from './settings-from-exports.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/config/', import.meta.url));
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'celeriac-config-'));
  // Temp .ts modules are ES modules, as the project's own are.
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function invalidWith(pattern: RegExp) {
  return (err: unknown) => err instanceof CeleriacError && err.code === 'CONFIG_INVALID' && pattern.test(err.message);
}

describe('configFromFile', () => {
  test("YAML with old names (seed 001's settings)", async () => {
    const conf = new Config();
    await conf.configFromFile(join(fixtures, 'settings.yaml'));
    assert.equal(conf.brokerUrl, 'redis://127.0.0.1:6379/0');
    assert.equal(conf.resultExpiresMs, 86_400_000);
    assert.equal(conf.timezone, 'Asia/Shanghai');
    assert.deepEqual(conf.beatSchedule.add_every_30_seconds?.schedule, { kind: 'interval', everyMs: 30_000 });
    assert.equal(conf.beatSchedule.xsum_week1_20_20_00?.schedule.kind, 'crontab');
  });

  test('JSON, resolved from cwd, and .yml', async () => {
    write('conf/celery.json', JSON.stringify({ broker_url: 'memory://', worker_concurrency: 2, result_expires: 60 }));
    write('conf/celery.yml', 'task_default_queue: from-yml\n');
    const conf = new Config();
    await conf.configFromFile('conf/celery.json', { cwd: dir });
    await conf.configFromFile(join(dir, 'conf/celery.yml'));
    assert.equal(conf.brokerUrl, 'memory://');
    assert.equal(conf.workerConcurrency, 2);
    assert.equal(conf.resultExpiresMs, 60_000);
    assert.equal(conf.taskDefaultQueue, 'from-yml');
  });

  test('a section of a file shared with other tools (seed 000 keeps app config in YAML)', async () => {
    const path = write('shared.yaml', 'project_namespace: hackfun\ncelery:\n  settings:\n    broker_url: redis://127.0.0.1:6379/2\nlogging:\n  level: INFO\n');
    const conf = new Config();
    await conf.configFromFile(path, { section: 'celery.settings' });
    assert.equal(conf.brokerUrl, 'redis://127.0.0.1:6379/2');
    await assert.rejects(conf.configFromFile(path, { section: 'nope' }), invalidWith(/no section 'nope'/));
  });

  test('every key of a data file must be a setting', async () => {
    const path = write('typo.yaml', 'broker_ulr: redis://x\n');
    await assert.rejects(new Config().configFromFile(path), (err: unknown) => err instanceof UnknownSettingError && err.suggestion === 'broker_url');
  });

  test('unreadable, unparsable and wrongly shaped files', async () => {
    const conf = new Config();
    await assert.rejects(conf.configFromFile(join(dir, 'missing.json')), invalidWith(/cannot read config file/));
    await assert.rejects(conf.configFromFile(write('bad.json', '{ broker_url: ')), invalidWith(/not valid JSON/));
    await assert.rejects(conf.configFromFile(write('bad.yaml', 'a: [1, 2\n')), invalidWith(/not valid YAML/));
    await assert.rejects(conf.configFromFile(write('list.yaml', '- a\n- b\n')), invalidWith(/expected a mapping of settings, got an array/));
    await assert.rejects(conf.configFromFile(write('conf.toml', 'a = 1\n')), invalidWith(/unsupported config file type '.toml'/));
    assert.deepEqual(await conf.configFromFile(write('empty.yaml', '')), []);
  });

  test('a .ts module path is loaded as a config module', async () => {
    const conf = new Config();
    await conf.configFromFile(join(fixtures, 'celeryconfig.ts'));
    assert.equal(conf.workerConcurrency, 5);
  });
});

describe('configFromObject with a module', () => {
  test("seed 000's celeryconfig: settings taken, helpers and private names skipped", async () => {
    const conf = new Config();
    const notices = await conf.configFromObject('./celeryconfig.ts', { cwd: fixtures });
    assert.equal(conf.workerConcurrency, 5);
    assert.equal(conf.workerPrefetchMultiplier, 1);
    assert.equal(conf.workerMaxTasksPerChild, 50);
    assert.equal(conf.taskDefaultQueue, 'hackfun#workerQueue@default');
    assert.equal(conf.taskDefaultRoutingKey, 'hackfun#workerQueue@default');
    assert.deepEqual(
      conf.taskQueues?.map((q) => q.name),
      ['hackfun#workerQueue@default', 'hackfun#workerQueue@webhook', 'hackfun#workerQueue@internal'],
    );
    assert.deepEqual([...(conf.taskRoutes[0] as Map<unknown, unknown>).keys()], ['webhook.*', 'internal.*']);
    assert.deepEqual(conf.imports, ['hackfun.worker.task_handler', 'hackfun.worker.timed_task']);
    assert.equal(conf.timezone, 'Asia/Shanghai');
    assert.equal(conf.beatSchedule.issue_timed_task_issue_daily?.schedule.kind, 'crontab');
    // worker_hijack_root_logger, worker_log_color, worker_redirect_stdouts: accepted, not acted on.
    assert.deepEqual(notices.map((n) => n.setting).sort(), ['worker_hijack_root_logger', 'worker_log_color', 'worker_redirect_stdouts']);
  });

  test('Python-style module names and paths without extension resolve from cwd', async () => {
    write('hackfun/celeryconfig.ts', "export const broker_url = 'memory://dotted';\n");
    write('plain.ts', "export const BROKER_URL = 'memory://plain';\n");
    const dotted = new Config();
    await dotted.configFromObject('hackfun.celeryconfig', { cwd: dir });
    assert.equal(dotted.brokerUrl, 'memory://dotted');
    const plain = new Config();
    await plain.configFromObject('plain', { cwd: dir });
    assert.equal(plain.brokerUrl, 'memory://plain');
    const withPath = new Config();
    await withPath.configFromObject('./hackfun/celeryconfig', { cwd: dir });
    assert.equal(withPath.brokerUrl, 'memory://dotted');
  });

  test('a default-exported object, and `module:export`', async () => {
    const conf = new Config();
    await conf.configFromObject('./default-export.ts', { cwd: fixtures });
    assert.equal(conf.taskDefaultQueue, 'from-default-export');
    assert.equal(conf.brokerUrl, 'memory://');
    write('named.ts', "export const celery = { task_default_queue: 'named' };\nexport const other = 1;\n");
    const named = new Config();
    await named.configFromObject('./named.ts:celery', { cwd: dir });
    assert.equal(named.taskDefaultQueue, 'named');
    await assert.rejects(new Config().configFromObject('./named.ts:missing', { cwd: dir }), invalidWith(/no settings object exported as 'missing'/));
  });

  test("Django's namespace='CELERY' (seed 004): only CELERY_* names are read", async () => {
    const conf = new Config();
    await conf.configFromObject(join(fixtures, 'django-settings.ts'), { namespace: 'CELERY' });
    assert.equal(conf.brokerUrl, 'amqp://djoo:djoo@localhost:5672/djoo');
    assert.equal(conf.resultBackend, 'redis://localhost:6379/1');
    assert.equal(conf.taskAcksLate, true);
    assert.equal(conf.resultExpiresMs, 600_000);
    // Without the namespace, DEBUG / INSTALLED_APPS look like settings and are refused.
    await assert.rejects(new Config().configFromObject(join(fixtures, 'django-settings.ts')), UnknownSettingError);
  });

  test('a misspelt setting in a module is an error, not a helper', async () => {
    write('typo.ts', "export const worker_concurency = 4;\nexport function helper() { return 1; }\n");
    await assert.rejects(
      new Config().configFromObject('./typo.ts', { cwd: dir }),
      (err: unknown) => err instanceof UnknownSettingError && err.setting === 'worker_concurency' && err.suggestion === 'worker_concurrency',
    );
  });

  test('modules that cannot be found or fail to load', async () => {
    await assert.rejects(new Config().configFromObject('./nowhere.ts', { cwd: dir }), invalidWith(/cannot find the config module '.\/nowhere.ts'/));
    await assert.rejects(new Config().configFromObject('nowhere.at.all', { cwd: dir }), invalidWith(/cannot find the config module 'nowhere.at.all'.*nowhere\/at\/all/));
    write('throws.ts', "throw new Error('boom at import');\n");
    await assert.rejects(new Config().configFromObject('./throws.ts', { cwd: dir }), invalidWith(/failed to load: boom at import/));
  });
});

describe('configFromObject with an object (the rules for exports)', () => {
  test('is synchronous and returns notices', () => {
    const conf = new Config();
    const notices = conf.configFromObject({ broker_url: 'memory://', worker_pool_putlocks: false });
    assert.equal(conf.brokerUrl, 'memory://');
    assert.deepEqual(notices.map((n) => n.kind), ['not-implemented']);
  });

  test('skips functions, private names and camelCase helpers; refuses setting-like unknowns', () => {
    assert.deepEqual(
      settingsFromExports({ broker_url: 'x', create_queue: () => 1, _private: 1, queueNames: ['a'], config: { a: 1 } }),
      { broker_url: 'x' },
    );
    assert.throws(() => settingsFromExports({ PROJECT_NAMESPACE: 'x' }), UnknownSettingError);
    assert.throws(() => settingsFromExports({ project_namespace: 'x' }), UnknownSettingError);
    // camelCase, but a typo away from a setting key: an error with the suggestion.
    assert.throws(() => settingsFromExports({ brokerUlr: 'x' }), (err: unknown) => err instanceof UnknownSettingError && err.suggestion === 'brokerUrl');
  });

  test('a known setting given as a function (a router) is taken', () => {
    const router = () => 'q';
    assert.deepEqual(settingsFromExports({ task_routes: router }), { task_routes: router });
  });

  test('namespace: unknown CELERY_* names are errors with a namespaced suggestion', () => {
    assert.throws(
      () => settingsFromExports({ CELERY_BROKER_ULR: 'x' }, { namespace: 'CELERY' }),
      (err: unknown) => err instanceof UnknownSettingError && err.suggestion === 'CELERY_BROKER_URL',
    );
    assert.deepEqual(settingsFromExports({ celery_broker_url: 'x', other: 1 }, { namespace: 'celery' }), { broker_url: 'x' });
  });
});

describe('environment variables', () => {
  test('configFromEnv: CELERIAC_<CELERY_NAME> in Celery units, typed from text', () => {
    const conf = new Config();
    const notices = conf.configFromEnv({
      CELERIAC_BROKER_URL: 'redis://env',
      CELERIAC_WORKER_CONCURRENCY: '4',
      CELERIAC_TASK_ACKS_LATE: 'yes',
      CELERIAC_RESULT_EXPIRES: '3600',
      CELERIAC_ACCEPT_CONTENT: 'json, msgpack',
      CELERIAC_IMPORTS: '["a.tasks", "b.tasks"]',
      CELERIAC_BROKER_TRANSPORT_OPTIONS: '{"visibility_timeout": 60}',
      CELERIAC_WORKER_MAX_TASKS_PER_CHILD: '',
      PATH: '/usr/bin',
    });
    assert.deepEqual(notices, []);
    assert.equal(conf.brokerUrl, 'redis://env');
    assert.equal(conf.workerConcurrency, 4);
    assert.equal(conf.taskAcksLate, true);
    assert.equal(conf.resultExpiresMs, 3_600_000);
    assert.deepEqual(conf.acceptContent, ['json', 'msgpack']);
    assert.deepEqual(conf.imports, ['a.tasks', 'b.tasks']);
    assert.deepEqual(conf.brokerTransportOptions, { visibilityTimeoutMs: 60_000 });
    assert.equal(conf.workerMaxTasksPerChild, null);
  });

  test('configFromEnv is code-level: a later update wins', () => {
    const conf = new Config();
    conf.configFromEnv({ CELERIAC_TASK_DEFAULT_QUEUE: 'env' });
    conf.update({ task_default_queue: 'code' });
    assert.equal(conf.taskDefaultQueue, 'code');
  });

  test('unknown CELERIAC_* variables are notices with a suggestion, not errors', () => {
    const conf = new Config();
    // The command's own variables (CELERIAC_RUNTIME, CELERIAC_V8_FLAGS) are passed over silently.
    const notices = conf.configFromEnv({ CELERIAC_WORKER_CONCURENCY: '4', CELERIAC_APP: 'proj', CELERIAC_RUNTIME: 'dist', CELERIAC_V8_FLAGS: '' });
    assert.deepEqual(notices.map((n) => [n.kind, n.setting]), [
      ['unknown-env', 'CELERIAC_WORKER_CONCURENCY'],
      ['unknown-env', 'CELERIAC_APP'],
    ]);
    assert.match(notices[0]!.message, /did you mean CELERIAC_WORKER_CONCURRENCY\?/);
    assert.equal(conf.notices.length, 2);
  });

  test('bad values name the variable', () => {
    assert.throws(() => new Config().configFromEnv({ CELERIAC_WORKER_CONCURRENCY: 'four' }), invalidWith(/^CELERIAC_WORKER_CONCURRENCY: expected a number, got "four"/));
    assert.throws(() => new Config().configFromEnv({ CELERIAC_TASK_ACKS_LATE: 'maybe' }), invalidWith(/^CELERIAC_TASK_ACKS_LATE: expected a boolean/));
    assert.throws(() => new Config().configFromEnv({ CELERIAC_WORKER_CONCURRENCY: '0' }), invalidWith(/^CELERIAC_WORKER_CONCURRENCY: must be ≥ 1/));
    assert.throws(() => new Config().configFromEnv({ CELERIAC_TASK_ROUTES: '{nope' }), invalidWith(/^CELERIAC_TASK_ROUTES: not valid JSON/));
  });

  test('a custom prefix', () => {
    const { settings } = readEnvSettings({ MYAPP_BROKER_URL: 'memory://', CELERIAC_BROKER_URL: 'x' }, 'MYAPP_');
    assert.deepEqual(settings, [{ key: 'brokerUrl', name: 'MYAPP_BROKER_URL', value: 'memory://' }]);
  });

  test('parseEnvText', () => {
    assert.equal(parseEnvText(' ON ', 'boolean', false, 'X'), true);
    assert.equal(parseEnvText('0', 'boolean', false, 'X'), false);
    assert.equal(parseEnvText('inf', 'number', false, 'X'), Infinity);
    assert.equal(parseEnvText('2.5', 'number', false, 'X'), 2.5);
    assert.equal(parseEnvText('', 'number', true, 'X'), null);
    assert.throws(() => parseEnvText('', 'number', false, 'X'), invalidWith(/X: expected a number/));
    assert.deepEqual(parseEnvText('a,,b', 'list', false, 'X'), ['a', 'b']);
    assert.equal(parseEnvText('  kept as is ', 'text', false, 'X'), '  kept as is ');
  });
});
