/** Configuration: `app.conf`, the settings table and the types of structured settings. */
export {
  Config,
  DEFAULT_CONFIG,
  type CeleriacConfig,
  type SettingsInput,
  type ConfigFromObjectOptions,
  type ConfigFromFileOptions,
  type ConfigNotice,
  type ConfigNoticeKind,
} from './config.js';
export {
  SETTINGS,
  SETTING_KEYS,
  type SettingKey,
  type SettingName,
  type CelerySettingName,
  type OldSettingName,
  type NamespacedSettingName,
} from './settings-table.js';
export type { SettingSpec, Codec, EnvSyntax } from './setting-spec.js';
export { lookupSetting, suggestSetting, type Spelling, type NameMatch } from './setting-names.js';
export { renderSettingsDoc } from './settings-doc.js';
export type { TransportOptions, TransportOptionsInput } from './transport-options-codec.js';
export type { RetryPolicy, RetryPolicyInput } from './retry-policy-codec.js';
export type { TaskRoute, TaskRouter, TaskRouterFn, TaskRoutesInput } from './task-routes-codec.js';
export type { QueueDeclaration, QueueDeclarationInput } from './task-queues-codec.js';
export type { TaskAnnotation, TaskAnnotationAttrs, TaskAnnotator, TaskAnnotationsInput } from './task-annotations-codec.js';
export type { BeatSchedule, BeatScheduleEntry, BeatScheduleEntryInput, CrontabFields } from './beat-schedule-codec.js';
