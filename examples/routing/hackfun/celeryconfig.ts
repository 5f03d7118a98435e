// Seed 000's hackfun/celeryconfig.py, line for line: helpers and settings in one module, read by
// `app.configFromObject` (helpers such as `getWorkerQueue` are skipped, settings are taken).
import { config } from './index.js';

/** `Queue(queue_name, routing_key=queue_name)`: no exchange, so it binds to task_default_exchange. */
function createQueue(queueName: string): { name: string; routing_key: string } {
  return { name: queueName, routing_key: queueName };
}

/** `hackfun#workerQueue@<name>`; run a worker on one with `celeriac worker -A ... -Q hackfun#workerQueue@default -c 1`. */
export function getWorkerQueue(name?: string): string {
  const projectName = config.project_namespace ?? 'hackfun';
  return `${projectName}#workerQueue@${name ?? 'default'}`;
}

// Worker
export const worker_concurrency = 5;
export const worker_prefetch_multiplier = 1;
export const worker_max_tasks_per_child = 50;

// Worker log
export const worker_hijack_root_logger = false;
export const worker_log_color = false;
export const worker_redirect_stdouts = false;

// Queue
export const task_default_queue = getWorkerQueue('default');
export const task_default_routing_key = task_default_queue;
export const task_queues = [
  // the default queue
  createQueue(task_default_queue),
  // the webhook tasks' queue
  createQueue(getWorkerQueue('webhook')),
  // the queue of asynchronous tasks called internally
  createQueue(getWorkerQueue('internal')),
];

// Task
export const task_routes = {
  // webhook calls get their own queue
  'webhook.*': { queue: getWorkerQueue('webhook') },
  // internal asynchronous tasks go to theirs
  'internal.*': { queue: getWorkerQueue('internal') },
};

export const imports = ['./hackfun/worker/task-handler.ts'];

// Beat (the seed's crontab entry belongs to the beat issue; the schedule stays empty here)
export const beat_schedule = {};

// Job serialization
export const task_serializer = 'json';
export const result_serializer = 'json';
export const accept_content = ['json'];

// Time zone
export const enable_utc = true;
export const timezone = 'Asia/Shanghai';
