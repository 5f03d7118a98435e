/**
 * Notices: things about a configuration worth telling the user that are not errors. Loading
 * methods return the notices they produced and `Config.notices` keeps all of them, for the app
 * or worker to log once at startup.
 */
import type { SettingKey } from './settings-table.js';

export type ConfigNoticeKind =
  /** A setting celeriac accepts (a pasted Celery config loads) but does not act on yet. */
  | 'not-implemented'
  /** A value set in code that an environment variable or a command-line override shadows. */
  | 'overridden'
  /** A `CELERIAC_*` environment variable that names no setting. */
  | 'unknown-env';

export interface ConfigNotice {
  readonly kind: ConfigNoticeKind;
  /** The name as the user wrote it (`CELERYD_POOL_PUTLOCKS`, `CELERIAC_WORKER_CONCURENCY`). */
  readonly setting: string;
  /** The setting it refers to, when known. */
  readonly key?: SettingKey;
  /** One line for a log. */
  readonly message: string;
}
