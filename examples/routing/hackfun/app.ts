// Seed 000's hackfun/app.py: the app from the YAML's Redis settings, then the settings module.
import { Celery } from 'celeriac';
import { config, type HackfunConfig } from './index.js';
import * as celeryconfig from './celeryconfig.js';

function initCeleryApp(celeryConfig: HackfunConfig['celery']['app']): Celery {
  const { host, port, password } = celeryConfig.redis;
  const { celery_broker_db: celeryBrokerDb, celery_result_db: celeryResultDb } = celeryConfig.redis;
  const brokerUrl = `redis://:${password ?? ''}@${host}:${port}/${celeryBrokerDb}`;
  const resultUrl = `redis://:${password ?? ''}@${host}:${port}/${celeryResultDb}`;
  const appCelery = new Celery(celeryConfig.name);
  appCelery.conf.update({ broker_url: brokerUrl, result_backend: resultUrl });
  return appCelery;
}

export const appCelery = initCeleryApp(config.celery.app);
appCelery.configFromObject(celeryconfig);
