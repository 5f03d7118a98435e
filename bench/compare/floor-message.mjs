// The message and result the floor system moves: a kombu envelope of a noop task shaped like the
// ones Celery 5.2 and celeriac put on Redis (same fields, about the same size), and a SUCCESS
// result of Celery's shape. Built by string concatenation: the floor measures Redis and the
// connection, not message building.
import { randomUUID } from 'node:crypto';

const BODY = Buffer.from(JSON.stringify([[], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64');

/** A noop task message for Redis with a fresh task id; returns `[id, envelope]`. */
export function noopMessage() {
  const id = randomUUID();
  const envelope =
    `{"body":"${BODY}","content-encoding":"utf-8","content-type":"application/json","headers":{"lang":"py","task":"bench.noop",` +
    `"id":"${id}","shadow":null,"eta":null,"expires":null,"group":null,"group_index":null,"retries":0,"timelimit":[null,null],` +
    `"root_id":"${id}","parent_id":null,"argsrepr":"()","kwargsrepr":"{}","origin":"floor@bench","ignore_result":false},` +
    `"properties":{"correlation_id":"${id}","reply_to":"00000000-0000-0000-0000-000000000000","delivery_mode":2,` +
    `"delivery_info":{"exchange":"","routing_key":"celery"},"priority":0,"body_encoding":"base64","delivery_tag":"${randomUUID()}"}}`;
  return [id, envelope];
}

/** The task id of an envelope, as a worker needs it (the envelope parsed, the body left alone). */
export function taskIdOf(envelope) {
  return JSON.parse(envelope).headers.id;
}

/** The stored SUCCESS result of a noop task, in Celery's key order. */
export function successResult(id) {
  return `{"status":"SUCCESS","result":null,"traceback":null,"children":[],"date_done":"${new Date().toISOString()}","task_id":"${id}"}`;
}

/** Celery's result key (and channel) for a task id. */
export const resultKey = (id) => `celery-task-meta-${id}`;

/** Celery's result expiry default (result_expires, 1 day), in seconds. */
export const RESULT_EXPIRES_S = 86_400;
