"""Independent, large pieces of host work run on the machine's cores.

The connectors' random streams and the mapper's per-projection passes spend their time in
numpy and in our C passes, which release the GIL; when several such pieces are independent
(each writes only its own arrays), threads run them side by side.  Results never depend on
it: every piece computes the same values, and they are returned in the order given.
"""
import concurrent.futures
import os


def n_workers():
    """The cores run_all can use."""
    return os.cpu_count() or 1


def run_all(calls, large=True):
    """The results of `calls` (functions without arguments), in order; in threads when there
    are several, they are `large` and there are several cores.  The first call (in order)
    that raised raises here."""
    workers = min(len(calls), n_workers())
    if workers < 2 or not large:
        return [call() for call in calls]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]
