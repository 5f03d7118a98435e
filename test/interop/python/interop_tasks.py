"""Python Celery 5.2 side of celeriac's interop tests.

The task names match test/interop/celeriac-app.ts, so either kind of worker can run what the
other side sends. Broker and result backend come from the environment (the TS tests choose a
Redis database per test file):

    INTEROP_BROKER_URL       default redis://127.0.0.1:6379/15
    INTEROP_RESULT_BACKEND   default: the broker URL
    INTEROP_RECORD_FILE      file tasks.record appends to (exactly-once checks)

Run a worker with (cwd = this folder, Debian's interpreter):

    /usr/bin/python3 -m celery -A interop_tasks worker -Q celery -c 2 -l info -n py@%h
"""
import hashlib
import os
import time

from celery import Celery

BROKER_URL = os.environ.get('INTEROP_BROKER_URL', 'redis://127.0.0.1:6379/15')
RESULT_BACKEND = os.environ.get('INTEROP_RESULT_BACKEND', BROKER_URL)

app = Celery('interop', broker=BROKER_URL, backend=RESULT_BACKEND)
app.conf.update(
    result_expires=3600,
    # Both sides send msgpack in the serializer tests (python3-msgpack).
    accept_content=['json', 'msgpack'],
    task_create_missing_queues=True,
    # The tests want failures to surface quickly, not publish retries against a dead broker.
    broker_connection_max_retries=3,
)

# What echo reports of its request: everything JSON can carry except the (possibly large)
# arguments, which it returns separately.
_NOT_REPORTED = {'args', 'kwargs', '_children', '_protected', 'called_directly', 'is_eager'}


def _json_safe(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return repr(value)


def _request_fields(request):
    fields = {k: _json_safe(v) for k, v in vars(request).items() if k not in _NOT_REPORTED}
    fields['delivery_info'] = _json_safe(request.delivery_info or {})
    return fields


@app.task(name='tasks.add')
def add(x, y):
    return x + y


@app.task(name='tasks.mul')
def mul(x, y):
    return x * y


@app.task(name='tasks.xsum')
def xsum(numbers):
    return sum(numbers)


@app.task(name='tasks.echo', bind=True)
def echo(self, *args, **kwargs):
    """Returns what arrived: args, kwargs, the request (headers included) and when it ran."""
    return {
        'args': list(args),
        'kwargs': kwargs,
        'request': _request_fields(self.request),
        'worker': 'python',
        'ran_at': time.time(),
    }


@app.task(name='tasks.digest')
def digest(text):
    """Length (code points) and SHA-256 of the UTF-8 bytes: checks a large argument arrived intact."""
    return {'length': len(text), 'sha256': hashlib.sha256(text.encode('utf-8')).hexdigest()}


@app.task(name='tasks.fail')
def fail(message):
    raise ValueError(message)


@app.task(name='tasks.retry_once', bind=True, max_retries=3)
def retry_once(self, value):
    if self.request.retries < 1:
        raise self.retry(countdown=1)
    return {'value': value, 'retries': self.request.retries, 'worker': 'python'}


@app.task(name='tasks.record')
def record(token):
    """Appends `<token> python <pid>` to INTEROP_RECORD_FILE: a task that ran twice shows twice."""
    # One short write on an O_APPEND file: lines from several processes do not interleave.
    with open(os.environ['INTEROP_RECORD_FILE'], 'a', encoding='utf-8') as f:
        f.write(f'{token} python {os.getpid()}\n')
    return token


@app.task(name='tasks.spin')
def spin():
    """Never returns: only a hard time limit (the prefork child killed) stops it."""
    while True:
        pass


@app.task(name='tasks.polite_sleep')
def polite_sleep(seconds):
    """Sleeps; a soft time limit raises SoftTimeLimitExceeded inside time.sleep."""
    time.sleep(seconds)
    return seconds
