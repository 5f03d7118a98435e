/** The wire layer: Celery's message formats as types and pure encode/decode functions. */
export { encodeJson, decodeJson } from './celery-json.js';
export { formatEtaHeader, formatDateDone, formatKombuDate, parseCeleryDate } from './celery-date.js';
export { compress, decompress } from './compression.js';
export { originNodename } from './origin-nodename.js';
export { argsRepr, kwargsRepr, pythonRepr } from './python-repr.js';
export { decodeEnvelope, encodeEnvelope, type DecodedEnvelope, type DeliveryInfo } from './redis-envelope.js';
export {
  assertAccepted,
  createSerializerRegistry,
  defaultSerializers,
  jsonSerializer,
  KNOWN_CONTENT_TYPES,
  SerializerRegistry,
  type Serializer,
} from './serializers.js';
export { msgpackSerializer } from './msgpack-serializer.js';
export type { SignatureDict } from './signature-dict.js';
export { decodeTaskMessage, encodeTaskMessage, type DecodeTaskOptions, type EncodeTaskOptions } from './task-codec.js';
export type { TaskEmbed, TaskMessage } from './task-message.js';
export { EXCEPTION_STATES, PROPAGATE_STATES, READY_STATES, TaskStates, type TaskState } from './task-state.js';
export type { TransportMessage, WireProperties } from './transport-message.js';
