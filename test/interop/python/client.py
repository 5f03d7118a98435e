"""A Python Celery 5.2 client the TS interop tests drive: sends tasks and reads results,
printing JSON on stdout.

    client.py send --name tasks.add --args '[2,2]' --wait
    client.py send --name tasks.echo --via apply_async --countdown 1 --headers '{"x": 1}' --wait
    client.py get --id <task id> [--timeout 30]
    client.py batch < specs.json      # a JSON list of specs; prints a JSON list of outcomes
    client.py revoke --id <task id> [--terminate] [--signal SIGTERM] [--reply]   # app.control.revoke

A spec (batch) has the send options' names: {"name", "args", "kwargs", "via", "options": {
"countdown", "eta", "expires", "priority", "queue", "routing_key", "exchange", "headers",
"task_id", "serializer", "compression"}, "wait", "timeout"}. `eta` is ISO 8601 text; `expires` seconds or ISO text.
`via` is `send_task` (by name, the default), `delay` or `apply_async` (through the task object
of interop_tasks). A batch sends everything first, then waits, so its tasks run concurrently.

An outcome: {"id", "sent_at" (unix seconds), and with wait: "state", "result", "exc_type",
"exc_module", "exc_message", "traceback"}; a wait that timed out has "state": "TIMEOUT" plus the
state the backend held.
"""
import argparse
import json
import sys
import time
from datetime import datetime

from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import ResultSet

from interop_tasks import app

SEND_OPTIONS = ('countdown', 'eta', 'expires', 'priority', 'queue', 'routing_key', 'exchange',
                'headers', 'task_id', 'serializer', 'compression', 'time_limit', 'soft_time_limit')


def _parse_time(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace('Z', '+00:00'))
    return value


def send(spec):
    name = spec['name']
    args = spec.get('args') or []
    kwargs = spec.get('kwargs') or {}
    options = {k: v for k, v in (spec.get('options') or {}).items() if v is not None}
    unknown = set(options) - set(SEND_OPTIONS)
    if unknown:
        raise SystemExit(f'unknown send option(s): {sorted(unknown)}')
    if 'eta' in options:
        options['eta'] = _parse_time(options['eta'])
    if 'expires' in options:
        options['expires'] = _parse_time(options['expires'])
    via = spec.get('via', 'send_task')
    sent_at = time.time()
    if via == 'send_task':
        result = app.send_task(name, args=args, kwargs=kwargs, **options)
    elif via == 'delay':
        if options:
            raise SystemExit('delay takes no options (use apply_async)')
        result = app.tasks[name].delay(*args, **kwargs)
    elif via == 'apply_async':
        result = app.tasks[name].apply_async(args, kwargs, **options)
    else:
        raise SystemExit(f'unknown via {via!r}')
    return result, sent_at


def outcome(result, timeout):
    out = {'id': result.id}
    try:
        value = result.get(timeout=timeout, propagate=False)
    except CeleryTimeoutError:
        out.update(state='TIMEOUT', backend_state=result.state)
        return out
    out['state'] = result.state
    out['traceback'] = result.traceback
    if isinstance(value, BaseException):
        out.update(result=None, exc_type=type(value).__name__, exc_module=type(value).__module__,
                   exc_message=[_json_safe(a) for a in value.args])
    else:
        out.update(result=value, exc_type=None, exc_module=None, exc_message=None)
    return out


def _json_safe(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def run_batch(specs):
    sent = [send(spec) for spec in specs]
    waiting = [result for spec, (result, _) in zip(specs, sent) if spec.get('wait')]
    timed_out = False
    if len(waiting) > 1:
        # One ResultSet join (MGET polling) rather than a get() per result: sequential get()s on
        # Celery 5.2's Redis backend, for results already stored, sometimes each wait out the
        # full 1 s pub/sub drain timeout (seen with Python and celeriac workers alike: 100
        # results took 10-60 s). The join fills the backend's cache, so the get()s below are
        # immediate.
        try:
            ResultSet(waiting).join_native(timeout=max(s.get('timeout', 30) for s in specs), propagate=False)
        except CeleryTimeoutError:
            timed_out = True
    outs = []
    for spec, (result, sent_at) in zip(specs, sent):
        wait = 0.5 if timed_out else spec.get('timeout', 30)
        out = outcome(result, wait) if spec.get('wait') else {'id': result.id}
        out['sent_at'] = sent_at
        outs.append(out)
    return outs


def main(argv):
    parser = argparse.ArgumentParser(prog='client.py')
    sub = parser.add_subparsers(dest='command', required=True)
    s = sub.add_parser('send', help='send one task')
    s.add_argument('--name', required=True)
    s.add_argument('--args', default='[]', help='JSON list')
    s.add_argument('--kwargs', default='{}', help='JSON object')
    s.add_argument('--via', default='send_task', choices=['send_task', 'delay', 'apply_async'])
    s.add_argument('--countdown', type=float)
    s.add_argument('--eta', help='ISO 8601')
    s.add_argument('--expires', help='seconds, or ISO 8601')
    s.add_argument('--priority', type=int)
    s.add_argument('--queue')
    s.add_argument('--routing-key')
    s.add_argument('--exchange')
    s.add_argument('--headers', help='JSON object')
    s.add_argument('--task-id')
    s.add_argument('--wait', action='store_true', help='wait for the result and print it')
    s.add_argument('--timeout', type=float, default=30)
    g = sub.add_parser('get', help='wait for a result by id')
    g.add_argument('--id', required=True)
    g.add_argument('--timeout', type=float, default=30)
    sub.add_parser('batch', help='send a JSON list of specs read from stdin')
    r = sub.add_parser('revoke', help='app.control.revoke(id): a broadcast, no reply')
    r.add_argument('--id', required=True)
    r.add_argument('--terminate', action='store_true')
    r.add_argument('--signal', default='SIGTERM')
    r.add_argument('--reply', action='store_true', help='collect the first worker reply (5 s at most)')
    a = parser.parse_args(argv)

    if a.command == 'batch':
        out = run_batch(json.load(sys.stdin))
    elif a.command == 'revoke':
        if a.reply:
            replies = app.control.revoke(a.id, terminate=a.terminate, signal=a.signal, reply=True, timeout=5, limit=1)
        else:
            replies = app.control.revoke(a.id, terminate=a.terminate, signal=a.signal)
        out = {'revoked': a.id, 'replies': replies}
    elif a.command == 'get':
        out = outcome(app.AsyncResult(a.id), a.timeout)
    else:
        expires = a.expires
        if expires is not None:
            try:
                expires = float(expires)
            except ValueError:
                pass
        spec = {
            'name': a.name, 'args': json.loads(a.args), 'kwargs': json.loads(a.kwargs),
            'via': a.via, 'wait': a.wait, 'timeout': a.timeout,
            'options': {
                'countdown': a.countdown, 'eta': a.eta, 'expires': expires,
                'priority': a.priority, 'queue': a.queue, 'routing_key': a.routing_key,
                'exchange': a.exchange, 'task_id': a.task_id,
                'headers': json.loads(a.headers) if a.headers else None,
            },
        }
        out = run_batch([spec])[0]
    json.dump(out, sys.stdout, default=str)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1:])
