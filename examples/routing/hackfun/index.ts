// Seed 000's hackfun/__init__.py: the YAML config, loaded once (HACKFUN_CONFIG names another file).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface HackfunConfig {
  project_namespace?: string;
  celery: {
    app: {
      name: string;
      redis: { host: string; port: number; password?: string; celery_broker_db: number; celery_result_db: number };
    };
  };
}

function initConfig(): HackfunConfig {
  const path = process.env.HACKFUN_CONFIG ?? new URL('./config/config.yaml', import.meta.url);
  return parse(readFileSync(path, 'utf8')) as HackfunConfig;
}

export const config: HackfunConfig = initConfig();
