"""Runs the seed canvas examples from a Python Celery 5.2 client and prints the outcome as JSON.

    canvas_client.py <chain|group|chord|chord-failure|link> [queue]

Every signature is sent to `queue` when given (else the default queue), so the test decides
which worker runs each step. The outcome: {"result": ..., plus per-scenario fields} or, for a
failure, {"exc_type", "exc_module", "exc_message"}.
"""
import json
import sys

from celery import chain, chord, group

from celery.result import AsyncResult

from interop_tasks import add, app, echo, fail, mul, xsum

TIMEOUT = 30


def main(which, queue):
    def q(sig):
        return sig.set(queue=queue) if queue else sig

    if which == 'chain':
        r = chain(q(add.s(2, 2)), q(add.s(5)), q(mul.s(8))).apply_async()
        return {'result': r.get(timeout=TIMEOUT), 'parent': r.parent.get(timeout=TIMEOUT),
                'root': r.parent.parent.get(timeout=TIMEOUT)}
    if which == 'group':
        r = group(q(add.s(i, i)) for i in range(10)).apply_async()
        return {'result': r.get(timeout=TIMEOUT), 'completed': r.completed_count()}
    if which == 'chord':
        r = chord([q(add.s(1, 2)), q(mul.s(3, 4))], q(xsum.s())).apply_async()
        return {'result': r.get(timeout=TIMEOUT), 'header': r.parent.get(timeout=TIMEOUT)}
    if which == 'chord-failure':
        r = chord([q(add.s(1, 2)), q(fail.s('header boom'))], q(xsum.s())).apply_async()
        out = {'header_ids': [child.id for child in r.parent.results]}
        # get() follows parents (Celery's follow_parents): it raises the failed header task's
        # error; the body's own stored outcome, read without parents, is the ChordError.
        # The body first: once a get() of this id has raised from a parent, Celery 5.2's result
        # consumer can miss the id's own value for a later get().
        for key, result in (('body', AsyncResult(r.id, app=app)), ('chord', r)):
            try:
                result.get(timeout=TIMEOUT)
                out[key] = 'no error'
            except Exception as exc:
                out[key] = {'exc_type': type(exc).__name__, 'exc_message': [str(a) for a in exc.args]}
        return out
    if which == 'link':
        callback, errback = q(mul.s(10)), q(echo.s('errback'))
        callback_result, errback_result = callback.freeze(), errback.freeze()
        q(add.s(2, 3)).apply_async(link=callback)
        failed = q(fail.s('boom')).apply_async(link_error=errback)
        return {'callback': callback_result.get(timeout=TIMEOUT), 'errback': errback_result.get(timeout=TIMEOUT),
                'failed_id': failed.id}
    raise SystemExit(f'unknown scenario {which!r}')


if __name__ == '__main__':
    out = main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    json.dump(out, sys.stdout, default=str)
    sys.stdout.write('\n')
