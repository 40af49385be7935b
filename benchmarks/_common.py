"""What the benchmarks share: simulator loading, one subprocess per simulator and repetition
(so that peak memory is per simulator), best-of-N timing, and table printing.

A benchmark script defines ``measure(sim, name, args) -> dict`` and calls :func:`main`.  The
parent process runs ``python script.py --child NAME ...`` once per simulator and repetition;
the child prints one ``@@RESULT@@ {json}`` line, which the parent parses.  Each time is the
minimum over the repetitions; the peak resident memory (``resource.getrusage``, whole child
process, imports included) is the maximum.

The peers are PyNN's own backends (``pyNN.nest``, ``pyNN.brian2``), used through the PyNN
API exactly as this backend is.  A peer may live in another Python environment: pass
``--python brian2=/path/to/venv/bin/python`` (see benchmarks/README.md).
"""
import argparse
import datetime
import importlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

OURS = "pynn_spinn_virtual"
PEERS = ("nest", "brian2")
ALL = (OURS,) + PEERS
MARK = "@@RESULT@@"
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


# -- inside a child ------------------------------------------------------------------------
def load(name):
    """The PyNN module of simulator `name` (``pynn_spinn_virtual``, ``nest``, ``brian2``)."""
    return importlib.import_module(name if name == OURS else f"pyNN.{name}")


def setup(sim, name, threads, dt, **extra):
    """sim.setup() with the thread count each simulator understands (brian2: single thread)."""
    if name == OURS:
        extra["n_threads"] = threads
    elif name == "nest":
        extra["threads"] = threads
    sim.setup(timestep=dt, min_delay=dt, **extra)


def peak_mb():
    """Peak resident memory of this process so far, MB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def map_and_load(sim, name):
    """This backend maps and loads the network at the first run(); doing it first (as run()
    would) lets the benchmarks show it apart from the time loop.  Seconds, or None."""
    if name != OURS:
        return None
    t0 = time.perf_counter()
    sim.simulator.state.ensure_loaded()
    return time.perf_counter() - t0


class Timer:
    """t.mark("build") records the time since the previous mark."""

    def __init__(self):
        self.times = {}
        self._last = time.perf_counter()

    def mark(self, name):
        now = time.perf_counter()
        self.times[name] = now - self._last
        self._last = now
        return self.times[name]

    def restart(self):
        self._last = time.perf_counter()


def versions(name):
    out = {"python": platform.python_version()}
    for module in ("numpy", "pyNN", "neo", "quantities"):
        try:
            out[module] = importlib.import_module(module).__version__
        except Exception:
            pass
    try:
        if name == OURS:
            out[OURS] = importlib.import_module(OURS).__version__
        elif name == "nest":
            import nest
            out["nest"] = nest.__version__
        elif name == "brian2":
            import brian2
            out["brian2"] = brian2.__version__
    except Exception:
        pass
    return out


def _child(measure, args):
    name = args.child
    if name == "brian2" and args.brian2_cache:
        import brian2
        brian2.prefs.codegen.runtime.cython.cache_dir = args.brian2_cache
    if name == OURS and args.no_reports:
        os.environ["PYNN_SPINN_VIRTUAL_REPORTS"] = "0"
    t0 = time.perf_counter()
    sim = load(name)
    result = {"import": time.perf_counter() - t0}
    result.update(measure(sim, name, args))
    result["peak_mb"] = peak_mb()
    result["versions"] = versions(name)
    print(MARK + json.dumps(result), flush=True)


# -- in the parent ---------------------------------------------------------------------------
def python_for(args):
    table = {}
    for item in args.python or []:
        sim, _, path = item.partition("=")
        table[sim] = path
    return lambda name: table.get(name, sys.executable)


def importable(name, python):
    module = OURS if name == OURS else f"pyNN.{name}"
    try:
        done = subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                              timeout=120, cwd=tempfile.gettempdir())
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_child(script, name, argv, python, timeout, workdir, extra=()):
    """One child run; its result dict, or {"error": ...}."""
    cmd = [python, os.path.abspath(script), "--child", name] + list(argv) + list(extra)
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=workdir,
                              env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout > {timeout:.0f} s"}
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"error": f"exit {done.returncode}: " + " | ".join(tail)}


def best_of(results):
    """Times: minimum; peak memory: maximum; everything else from the first good run."""
    good = [r for r in results if "error" not in r]
    if not good:
        return results[-1]
    best = dict(good[0])
    for key, value in good[0].items():
        if key in TIME_KEYS and isinstance(value, float):
            best[key] = min(r[key] for r in good)
        elif key in ("peak_mb", "peak_sim_mb"):
            best[key] = max(r[key] for r in good)
    best["repeats"] = len(good)
    if len(good) > 1 and "run" in good[0]:
        best["run_first"] = good[0]["run"]
    return best


TIME_KEYS = {"import", "build", "run", "extract", "total", "map", "loop", "time"}


def parser(doc):
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--simulators", nargs="+", default=None,
                   help=f"any of {' '.join(ALL)} (default: every one importable)")
    p.add_argument("--threads", type=int, default=2,
                   help="threads for this backend and NEST (brian2 runs single-threaded)")
    p.add_argument("--repeat", type=int, default=3, help="best of N runs, each a new process")
    p.add_argument("--peer-repeat", type=int, default=None,
                   help="repetitions for the peers (default: --repeat)")
    p.add_argument("--peer-timeout", type=float, default=None,
                   help="seconds after which a peer's run is abandoned (reported as timeout)")
    p.add_argument("--python", action="append", metavar="SIM=PATH",
                   help="interpreter for a simulator, e.g. brian2=/opt/b2/bin/python")
    p.add_argument("--no-reports", action="store_true",
                   help="this backend without its reports folder and recording database")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--brian2-cache", default=None, help=argparse.SUPPRESS)
    return p


def forwarded(args, names):
    """The command-line options of `args` a child needs (those in `names`)."""
    argv = ["--threads", str(args.threads)]
    if args.no_reports:
        argv.append("--no-reports")
    for n in names:
        value = getattr(args, n.replace("-", "_"))
        if isinstance(value, bool):
            if value:
                argv.append(f"--{n}")
        elif value is not None:
            argv += [f"--{n}", str(value)]
    return argv


def run_all(script, args, child_options, measure):
    """Child mode: measure and print.  Parent mode: every simulator, best of N; returns
    [(name, result)] (None in child mode)."""
    if args.child:
        _child(measure, args)
        return None
    python = python_for(args)
    names = args.simulators
    if names is None:
        names = [n for n in ALL if importable(n, python(n))]
        skipped = [n for n in ALL if n not in names]
        if skipped:
            print(f"(not importable, skipped: {', '.join(skipped)}; see benchmarks/README.md)")
    argv = forwarded(args, child_options)
    out = []
    workdir = tempfile.mkdtemp(prefix="pynn_bench_")
    try:
        for name in names:
            repeat = args.repeat if name == OURS else (args.peer_repeat or args.repeat)
            extra = []
            if name == "brian2":
                # a fresh code cache: the first run compiles, the others reuse the code
                extra = ["--brian2-cache", os.path.join(workdir, "brian2_cache")]
                repeat = max(repeat, 2)
            timeout = None if name == OURS else args.peer_timeout
            results = []
            for i in range(repeat):
                print(f"  {name} {i + 1}/{repeat} ...", file=sys.stderr, flush=True)
                r = run_child(script, name, argv, python(name), timeout, workdir, extra)
                results.append(r)
                if "error" in r:
                    print(f"  {name}: {r['error']}", file=sys.stderr, flush=True)
                    break
            best = best_of(results)
            if name == "brian2" and best.get("repeats", 0) > 1:
                best["compile"] = max(0.0, best["run_first"] - best["run"])
            out.append((name, best))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine_info(), "args": vars(args),
                       "results": dict(out)}, f, indent=1)
    return out


# -- printing ----------------------------------------------------------------------------------
def machine_info():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        mem = float("nan")
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem:.0f} GiB, {platform.system()} "
            f"{platform.release()}, {datetime.date.today().isoformat()}")


def print_header(title, args):
    print(title)
    print(f"machine: {machine_info()}")
    print(f"threads: {args.threads} (this backend, NEST; brian2 single-threaded); best of "
          f"{args.repeat} processes per simulator" +
          (", reports off" if args.no_reports else ""))


def print_versions(results):
    seen = {}
    for name, r in results:
        for k, v in r.get("versions", {}).items():
            seen.setdefault(k, set()).add(str(v))
    print("versions: " + ", ".join(f"{k} {'/'.join(sorted(v))}" for k, v in sorted(seen.items())))


def table(columns, rows):
    """Print rows (lists of strings) under `columns` (names); right-aligned but column 0."""
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) if rows else len(c)
              for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                     for i, (c, w) in enumerate(zip(columns, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                        for i, (v, w) in enumerate(zip(r, widths))))


def fmt(value, spec):
    if value is None:
        return "-"
    return format(value, spec)


def ratio(peer, ours):
    if peer is None or ours is None or ours <= 0:
        return None
    return peer / ours


def verdict(label, value, target, higher=True, unit="x"):
    """One line "target: measured, met/NOT met"."""
    if value is None:
        print(f"  {label}: not measured")
        return None
    ok = value >= target if higher else value <= target
    sign = ">=" if higher else "<="
    print(f"  {label}: {value:.2f}{unit} (target {sign} {target:g}{unit}): "
          f"{'met' if ok else 'NOT met'}")
    return ok
