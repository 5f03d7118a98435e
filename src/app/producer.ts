/**
 * Turns `applyAsync` calls into protocol v2 messages on the transport: chooses the route
 * (`task-routing.ts`: options and the task's queue over `task_routes` over
 * `task_default_queue`), declares the queue, builds Celery's headers,
 * encodes, publishes. Mirrors celery/app/amqp.py `as_task_v2` + `send_task_message`.
 */
import { randomUUID } from 'node:crypto';
import { argsRepr, kwargsRepr } from '../protocol/python-repr.js';
import { encodeTaskMessage, formatEtaHeader, originNodename } from '../protocol/task-codec.js';
import type { TaskMessage } from '../protocol/task-message.js';
import { taskEmbed } from '../canvas/task-embed.js';
import type { TransportMessage } from '../protocol/transport-message.js';
import type { Transport, PublishOptions, PublishRoute } from '../transports/transport.js';
import type { Clock } from '../internal/clock.js';
import type { Logger } from '../internal/logger.js';
import { retryAfter, type BackoffPolicy } from '../internal/retry.js';
import { SettledValue } from '../internal/settled-value.js';
import { CeleriacError } from '../errors.js';
import type { ApplyOptions } from './apply-options.js';
import { currentTask } from './current-task.js';
import type { PublishTarget } from './retry-message.js';
import { QueueRegistry, type ResolvedQueue } from './queue-registry.js';
import type { TaskRouting } from './task-routing.js';
import type { AppSignals } from './signals/app-signals.js';
import { UnconfirmedPublishes } from './unconfirmed-publishes.js';

export interface ProducerSettings {
  /** Chooses queue, exchange and routing key (task_routes, task_queues, defaults). */
  routing: TaskRouting;
  /** Retry publishing when the broker connection fails (Celery's `task_publish_retry`). */
  publishRetry: boolean;
  /** How (Celery's `task_publish_retry_policy`, in ms). */
  publishRetryPolicy: BackoffPolicy;
  log: Logger;
  defaultSerializer: string;
  /** `task_compression`: compression of messages whose call and task name none; null: none. */
  defaultCompression: string | null;
  /** Result backend reply address (Celery sets `reply_to` to the client's oid even for Redis). */
  replyTo: string;
  clock: Clock;
  /** `before_task_publish` / `after_task_publish` are sent here when given. */
  signals?: AppSignals;
}

/** How a prepared message is published (see {@link Producer.publishMessage}). */
export interface PublishMessageOptions {
  /** Serializer name; default: the one of `message.contentType`, else json. */
  serializer?: string;
  /** Compression; default `task_compression`. */
  compression?: string;
  /** Retry a lost connection; default `task_publish_retry`. */
  retry?: boolean;
  retryPolicy?: ApplyOptions['retryPolicy'];
}

/** Per-task defaults the producer applies when the call does not say. */
export interface TaskSendDefaults {
  queue?: string;
  serializer?: string;
  compression?: string;
  ignoreResult?: boolean;
}

/** Only a failed broker connection is worth retrying; a bad message would fail again. */
function isConnectionError(err: unknown): boolean {
  return err instanceof CeleriacError && err.code === 'TRANSPORT_ERROR';
}

/** The extra headers of a call that gives none (read only). */
const NO_HEADERS: Record<string, unknown> = Object.freeze({});

/** An exchange a route names without a queue (declared so the transport knows its type). */
interface ExchangeDeclaration {
  exchange: string;
  type: ResolvedQueue['exchangeType'];
}

/** The key of a declaration in {@link Producer}'s records. */
function declarationKey(declare: ResolvedQueue | ExchangeDeclaration): string {
  return 'name' in declare ? declare.name : `exchange\0${declare.exchange}`;
}

export class Producer {
  /** One declaration per queue, shared by concurrent sends (a burst must not declare 1,000 times). */
  private readonly declared = new Map<string, SettledValue<void>>();
  /** The transport promise last seen, and its transport once up: a send skips awaiting it again. */
  private ready: SettledValue<Transport> | undefined;
  /** Messages the transport did not wait for the broker to confirm (`confirm_publish` false). */
  private readonly unconfirmed: UnconfirmedPublishes;

  constructor(
    private readonly transport: () => Promise<Transport>,
    private readonly settings: ProducerSettings,
  ) {
    this.unconfirmed = new UnconfirmedPublishes(settings.log);
  }

  /**
   * Publish one task message; resolves with the task id (`id`, default `options.taskId`, else a
   * new UUID) once the transport has it.
   * @throws EncodeError when arguments cannot be serialized.
   */
  async send(
    name: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
    options: ApplyOptions,
    defaults: TaskSendDefaults = {},
    id: string = options.taskId ?? randomUUID(),
  ): Promise<string> {
    const now = this.settings.clock.now();
    // Read before any await: a plain task function's current task is only set during its call.
    const parent = currentTask();
    const routed = this.settings.routing.route(name, args, kwargs, {
      queue: options.queue ?? defaults.queue,
      exchange: options.exchange,
      routingKey: options.routingKey,
      priority: options.priority,
    });

    let etaMs: number | null = null;
    if (options.countdown !== undefined) etaMs = now + options.countdown * 1000;
    else if (options.eta !== undefined) etaMs = options.eta.getTime();
    let expiresMs: number | null = null;
    if (options.expires !== undefined) {
      expiresMs = options.expires instanceof Date ? options.expires.getTime() : now + options.expires * 1000;
    }

    const message: TaskMessage = {
      id,
      task: name,
      args,
      kwargs,
      embed: taskEmbed(options),
      shadow: options.shadow ?? null,
      eta: etaMs === null ? null : formatEtaHeader(etaMs),
      expires: expiresMs === null ? null : formatEtaHeader(expiresMs),
      group: options.groupId ?? null,
      groupIndex: options.groupIndex ?? null,
      retries: 0,
      timelimit: [options.timeLimit ?? null, options.softTimeLimit ?? null],
      rootId: options.rootId ?? parent?.rootId ?? id,
      parentId: options.parentId ?? parent?.id ?? null,
      argsrepr: argsRepr(args),
      kwargsrepr: kwargsRepr(kwargs),
      origin: originNodename(),
      ignoreResult: options.ignoreResult ?? defaults.ignoreResult ?? false,
      extraHeaders: options.headers ?? NO_HEADERS,
      correlationId: id,
      replyTo: options.replyTo ?? this.settings.replyTo,
      priority: routed.priority ?? null,
      contentType: '',
      // Celery also sends the expiry as a per-message TTL (AMQP `expiration`, ms as text).
      extraProperties: expiresMs === null ? undefined : { expiration: String(Math.max(0, Math.trunc(expiresMs - now))) },
    };
    const encoded = encodeTaskMessage(message, {
      serializer: options.serializer ?? defaults.serializer ?? this.settings.defaultSerializer,
      compression: options.compression ?? defaults.compression ?? this.settings.defaultCompression ?? undefined,
    });
    const declare = routed.queue ?? { exchange: routed.publish.exchange, type: routed.exchangeType };
    await this.dispatch(message, encoded, routed.publish, declare, options.retry, options.retryPolicy);
    return id;
  }

  /**
   * Publish a message built elsewhere (a retry, a canvas step) to a queue or an exchange route,
   * with the publish signals and retry policy of {@link send}.
   * @throws EncodeError when the message cannot be encoded; the transport's error when
   *   publishing fails after the retries.
   */
  async publishMessage(message: TaskMessage, target: PublishTarget, options: PublishMessageOptions = {}): Promise<void> {
    const encoded = encodeTaskMessage(message, {
      serializer: options.serializer,
      compression: options.compression ?? this.settings.defaultCompression ?? undefined,
    });
    if ('queue' in target) {
      const queue = this.settings.routing.queues.get(target.queue);
      await this.dispatch(message, encoded, { exchange: '', routingKey: target.queue }, queue, options.retry, options.retryPolicy);
    } else {
      await this.dispatch(message, encoded, target, undefined, options.retry, options.retryPolicy);
    }
  }

  /**
   * How the publish of task `taskId` ended, when the transport did not wait for the broker
   * (`confirm_publish` false): a promise that resolves once the broker acknowledged the message
   * and rejects with the error that lost it; undefined when there is nothing to wait for (the
   * publish was confirmed, or is too old to be remembered).
   */
  publishOutcome(taskId: string): Promise<void> | undefined {
    return this.unconfirmed.outcome(taskId);
  }

  /** Celery's `maybe_declare`: one declaration per queue or exchange, shared by concurrent sends. */
  private declareOnce(transport: Transport, declare: ResolvedQueue | ExchangeDeclaration): Promise<void> {
    const key = declarationKey(declare);
    let declaring = this.declared.get(key);
    if (!declaring) {
      let promise: Promise<void>;
      if ('name' in declare) promise = transport.declareQueue(QueueRegistry.spec(declare));
      else promise = declare.exchange === '' ? Promise.resolve() : transport.declareExchange(declare.exchange, declare.type);
      const settling = new SettledValue(promise);
      this.declared.set(key, settling);
      promise.catch(() => {
        if (this.declared.get(key) === settling) this.declared.delete(key); // a failed declare is retried next send
      });
      declaring = settling;
    }
    return declaring.promise;
  }

  /**
   * One publish attempt. Once the transport is up and the route declared it calls the
   * transport's publish at once: a noop `delay()` spent a good part of its CPU in the awaits of
   * the general path.
   */
  private publishOnce(
    encoded: TransportMessage,
    route: PublishRoute,
    declare: ResolvedQueue | ExchangeDeclaration | undefined,
    options: PublishOptions,
  ): Promise<void> {
    const pending = this.transport();
    let ready = this.ready;
    if (ready?.promise !== pending) this.ready = ready = new SettledValue(pending);
    const transport = ready.value;
    if (transport !== undefined && (declare === undefined || this.declared.get(declarationKey(declare))?.fulfilled === true)) {
      return transport.publish(encoded, route, options);
    }
    return this.publishAfterSetup(pending, encoded, route, declare, options);
  }

  private async publishAfterSetup(
    pending: Promise<Transport>,
    encoded: TransportMessage,
    route: PublishRoute,
    declare: ResolvedQueue | ExchangeDeclaration | undefined,
    options: PublishOptions,
  ): Promise<void> {
    const transport = await pending;
    if (declare !== undefined) await this.declareOnce(transport, declare);
    await transport.publish(encoded, route, options);
  }

  private async dispatch(
    message: TaskMessage,
    encoded: TransportMessage,
    route: PublishRoute,
    declare: ResolvedQueue | ExchangeDeclaration | undefined,
    retry: boolean | undefined,
    retryPolicy: ApplyOptions['retryPolicy'],
  ): Promise<void> {
    const name = message.task;
    const retryEnabled = retry ?? this.settings.publishRetry;
    const defaultPolicy = this.settings.publishRetryPolicy;
    const policy = retryEnabled ? (retryPolicy === undefined ? defaultPolicy : { ...defaultPolicy, ...retryPolicy }) : null;
    const signals = this.settings.signals;
    if (signals?.beforeTaskPublish.connected) {
      signals.beforeTaskPublish.send({
        sender: name,
        body: [message.args, message.kwargs, message.embed],
        exchange: route.exchange,
        routingKey: route.routingKey,
        headers: encoded.headers,
        properties: encoded.properties,
        retryPolicy: policy && { ...policy }, // a handler's change must not reach the app's default
      });
    }
    const publishOptions: PublishOptions = { retryPolicy: policy, tracker: this.unconfirmed.track(message.id, name) };
    try {
      // Synchronous in the transport's publish: the first attempt needs no retry machinery.
      await this.publishOnce(encoded, route, declare, publishOptions);
    } catch (firstError) {
      if (policy === null) throw firstError;
      await retryAfter(
        firstError,
        () => this.publishOnce(encoded, route, declare, publishOptions),
        policy,
        isConnectionError,
        (err, attempt, delayMs) =>
          this.settings.log.warn(`publishing ${name}[${message.id}] failed (${(err as Error).message}); retry ${attempt} in ${delayMs} ms`),
      );
    }
    if (signals?.afterTaskPublish.connected) {
      signals.afterTaskPublish.send({
        sender: name,
        body: [message.args, message.kwargs, message.embed],
        exchange: route.exchange,
        routingKey: route.routingKey,
        headers: encoded.headers,
      });
    }
  }
}
