"""Python Celery producer side of W1 and W3, and the W2 enqueue; run by bench/compare/celery-bench.mjs.

  python3 bench.py w1 N [W]    -> two JSON lines (each after W untimed sends): enqueue loop (awaited apply_async one by one)
                                  and bulk (one producer for a batch of 1,000 sends)
  python3 bench.py w3 N        -> one JSON line: round trip delay + get, p50/p95/p99 ms
  python3 bench.py enqueue N   -> queue N noop tasks (W2 setup, not timed), print {"enqueued": N}

The broker/backend URLs come from the environment (see tasks.py).
"""
import json
import sys
import time

from tasks import app, noop

BATCH = 1000


def rate(n, seconds):
    return round(n / seconds)


def send_loop(count):
    for _ in range(count):
        noop.delay()


def send_bulk(count):
    sent = 0
    while sent < count:
        size = min(BATCH, count - sent)
        # Celery's advice for sending many tasks: one producer (one connection) for the lot.
        with app.producer_or_acquire() as producer:
            for _ in range(size):
                noop.apply_async(producer=producer)
        sent += size


def w1(n, warmup):
    noop.delay()  # connect outside the timing
    for mode, send in (('loop', send_loop), ('bulk', send_bulk)):
        send(warmup)  # untimed, as every system of bench/compare does
        t0 = time.perf_counter()
        send(n)
        seconds = time.perf_counter() - t0
        print(json.dumps({'mode': mode, 'tasks': n, 'seconds': round(seconds, 3), 'tasks_per_s': rate(n, seconds)}), flush=True)


def percentile(sorted_samples, q):
    return sorted_samples[min(len(sorted_samples) - 1, int(q * len(sorted_samples)))]


def w3(n, warmup):
    for _ in range(warmup):  # also waits until the worker is up
        noop.delay().get(timeout=120)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        noop.delay().get(timeout=60)
        samples.append((time.perf_counter() - t0) * 1000)
    s = sorted(samples)
    print(json.dumps({
        'tasks': n,
        'p50_ms': round(percentile(s, 0.5), 3),
        'p95_ms': round(percentile(s, 0.95), 3),
        'p99_ms': round(percentile(s, 0.99), 3),
        'mean_ms': round(sum(s) / len(s), 3),
    }), flush=True)


def enqueue(n):
    with app.producer_or_acquire() as producer:
        for _ in range(n):
            noop.apply_async(producer=producer)
    print(json.dumps({'enqueued': n}), flush=True)


if __name__ == '__main__':
    command, count = sys.argv[1], int(sys.argv[2])
    if command == 'w1':
        w1(count, int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    elif command == 'w3':
        w3(count, int(sys.argv[3]) if len(sys.argv) > 3 else 50)
    elif command == 'enqueue':
        enqueue(count)
    else:
        sys.exit(f'unknown command {command}')
