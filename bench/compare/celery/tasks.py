"""The Python Celery side of the comparison: one app, one noop task (`bench.noop`, as celeriac's).

Broker and result backend come from BENCH_BROKER_URL / BENCH_RESULT_BACKEND ('disabled' turns
results off), so the same module serves the producer scripts and `celery worker -A tasks`.
"""
import os

from celery import Celery

app = Celery(
    'bench',
    broker=os.environ.get('BENCH_BROKER_URL', 'redis://127.0.0.1:6379/9'),
    backend=os.environ.get('BENCH_RESULT_BACKEND') or 'disabled',
)
app.conf.update(
    # Celery's defaults otherwise (prefetch multiplier 4, acks early, JSON).
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name='bench.noop')
def noop():
    return None
