"""The child process of ``pynn-spinn-virtual run`` / ``check``: runs a user's script as the
portal runs it.  Started by path (``python _job_child.py MODE SCRIPT ARGS...``) so that the
standard library is all it loads before the script: a script that never imports PyNN starts
as fast as ``python SCRIPT``.

Before the script runs it installs one import hook (:class:`_Finder`) that

* makes ``pyNN.spiNNaker``, ``spynnaker.pyNN`` and ``spynnaker8`` (and their submodules,
  e.g. ``spynnaker.pyNN.extra_models``) resolve to ``pynn_spinn_virtual``, without
  installing anything into PyNN (so ``pyNN.utility.get_simulator()`` with ``spiNNaker``
  works too);
* when ``pynn_spinn_virtual`` is imported, configures it for the job (``check``: map
  without simulating, on the target machine) and wraps ``setup`` to keep a summary of
  every simulation;
* when ``matplotlib.pyplot`` is imported, replaces ``plt.show()`` by saving the open
  figures into the job folder (the portal has no display; ``MPLBACKEND=Agg`` is set too).

At exit it writes a JSON report (the mapping, checked runs, provenance, portal warnings,
the error if any) to ``$PYNN_SPINN_VIRTUAL_JOB_REPORT`` for the parent to summarise.
The exit status is the script's, as ``python SCRIPT`` would give it.
"""
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import runpy
import sys
import traceback
import types

PACKAGE = "pynn_spinn_virtual"
#: module names that stand for the SpiNNaker backend in portal scripts
ALIASES = ("pyNN.spiNNaker", "spynnaker.pyNN", "spynnaker8")
#: packages that only exist to hold an alias (``spynnaker`` for ``spynnaker.pyNN``)
STUB_PACKAGES = ("spynnaker",)

REPORT_ENV = "PYNN_SPINN_VIRTUAL_JOB_REPORT"
MACHINE_ENV = "PYNN_SPINN_VIRTUAL_CHECK_MACHINE"
JOB_DIR_ENV = "PYNN_SPINN_VIRTUAL_JOB_DIR"
NOTE = "pynn-spinn-virtual:"

MODE = "run"
SCRIPT = None
_package = None
_simulations = []      # summaries of the simulations ended by a new setup()
_figures = []          # files saved by plt.show()


def note(message):
    """A line of ours in the job log (stderr, which the parent merges with stdout)."""
    sys.stderr.write(f"{NOTE} {message}\n")
    sys.stderr.flush()


# -- the import hook -----------------------------------------------------------------------
class _AliasLoader(importlib.abc.Loader):
    """Loads an alias as the module it stands for (the same module object)."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        if self.target is None:
            module = types.ModuleType(spec.name, "stands in for the SpiNNaker toolchain")
            module.__path__ = []
            return module
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class _AfterImport(importlib.abc.Loader):
    """Wraps a module's real loader and calls `hook(module)` once it has been executed."""

    def __init__(self, loader, hook):
        self._loader = loader
        self._hook = hook

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._hook(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, post_import):
        self.post_import = post_import

    def find_spec(self, fullname, path=None, target=None):
        for alias in ALIASES:
            if fullname == alias or fullname.startswith(alias + "."):
                real = PACKAGE + fullname[len(alias):]
                if real != PACKAGE and importlib.util.find_spec(real) is None:
                    return None          # e.g. spynnaker.pyNN.external_devices
                return importlib.util.spec_from_loader(fullname, _AliasLoader(real),
                                                       is_package=True)
        if fullname in STUB_PACKAGES:
            return importlib.util.spec_from_loader(fullname, _AliasLoader(None),
                                                   is_package=True)
        hook = self.post_import.get(fullname)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _AfterImport(spec.loader, hook)
                return spec
        return None


# -- matplotlib: plt.show() saves the figures ---------------------------------------------
def _figure_path(directory):
    n = len(_figures) + 1
    while True:
        name = f"figure_{n}.png"
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            return name, path
        n += 1


def _patch_pyplot(plt):
    import matplotlib
    from matplotlib import _pylab_helpers
    directory = os.environ.get(JOB_DIR_ENV) or os.getcwd()
    backend = matplotlib.get_backend().lower()
    if backend not in ("agg", "pdf", "ps", "svg", "cairo", "pgf", "template") and \
            not backend.startswith("module://"):
        note(f"matplotlib backend {matplotlib.get_backend()!r} is interactive: on the portal "
             f"there is no display and it fails; use Agg and plt.savefig()")
    shown = {}      # id(figure) -> (figure, PNG bytes saved by the last show())

    @functools.wraps(plt.show)
    def show(*args, **kwargs):
        managers = _pylab_helpers.Gcf.get_all_fig_managers()
        if not managers:
            note("plt.show() with no open figure: nothing saved")
        for manager in managers:
            figure = manager.canvas.figure
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            png = buffer.getvalue()
            previous = shown.get(id(figure))
            if previous is not None and previous[0] is figure and previous[1] == png:
                continue            # shown before and unchanged since
            name, path = _figure_path(directory)
            with open(path, "wb") as f:
                f.write(png)
            shown[id(figure)] = (figure, png)
            _figures.append(name)
            note(f"plt.show(): figure {manager.num} saved as {name} (matplotlib is "
                 f"non-interactive, as on the portal; save figures with plt.savefig())")

    plt.show = show


# -- the backend ---------------------------------------------------------------------------
def _configure_backend(package):
    global _package
    _package = package
    from pynn_spinn_virtual import job_summary
    state = package.simulator.state
    if MODE == "check":
        state.map_only = True
    original_setup = package.setup
    machine_option = os.environ.get(MACHINE_ENV) or None

    @functools.wraps(original_setup)
    def setup(*args, **kwargs):
        previous = job_summary.simulation_summary(package, MODE)
        if previous is not None:
            _simulations.append(previous)
        machine = None
        if MODE == "check":
            script_choice = any(kwargs.get(k) is not None for k in
                                ("machine", "n_boards_required", "n_chips_required"))
            if machine_option is not None:
                for k in ("machine", "n_boards_required", "n_chips_required"):
                    kwargs.pop(k, None)
                machine = machine_option
            elif not script_choice:
                machine = "hbp"
        rank = original_setup(*args, **kwargs)
        if machine is not None:
            state.machine = job_summary.machine_named(machine, state.profile)
            state.machine_choice = (f"--machine {machine_option}" if machine_option is not None
                                    else "the HBP machine (the default)")
        elif MODE == "check":
            state.machine_choice = "chosen by the script's setup()"
        if MODE == "check":
            state.map_only = True
        return rank

    package.setup = setup


POST_IMPORT = {
    PACKAGE: _configure_backend,
    "matplotlib.pyplot": _patch_pyplot,
}


# -- running the script --------------------------------------------------------------------
def _script_traceback(exc):
    """The traceback from the script's first frame on (without runpy and this file)."""
    tb = exc.__traceback__
    script = os.path.abspath(SCRIPT)
    walk = tb
    while walk is not None and os.path.abspath(walk.tb_frame.f_code.co_filename) != script:
        walk = walk.tb_next
    return walk if walk is not None else tb


def _error_record(exc, mapped_before):
    module = type(exc).__module__ or ""
    return {
        "type": type(exc).__name__,
        "module": module,
        "message": str(exc),
        "backend_error": module.startswith(PACKAGE + "."),
        "mapped_before": mapped_before,
    }


def _any_mapping():
    if _package is None:
        return False
    state = _package.simulator.state
    return bool(getattr(state, "checked_runs", None)) or state.mapping is not None or any(
        s.get("mappings") for s in _simulations)


def _write_report(status, error):
    path = os.environ.get(REPORT_ENV)
    if not path:
        return
    report = {"mode": MODE, "exit_status": status, "error": error, "figures": _figures,
              "simulations": list(_simulations), "portal_warnings": []}
    if _package is not None:
        from pynn_spinn_virtual import job_summary, portal_warnings
        try:
            current = job_summary.simulation_summary(_package, MODE, final=error is None)
        except Exception as exc:       # never hide the script's own outcome
            current = {"summary_error": f"{type(exc).__name__}: {exc}"}
        if current is not None:
            report["simulations"].append(current)
        report["portal_warnings"] = list(portal_warnings.collected)
    with open(path, "w") as f:
        json.dump(report, f, indent=1, default=str)


def main(argv):
    global MODE, SCRIPT
    MODE, SCRIPT, args = argv[0], argv[1], argv[2:]
    script_dir = os.path.dirname(os.path.abspath(SCRIPT))
    here = os.path.dirname(os.path.abspath(__file__))
    # `python SCRIPT` puts the script's folder first on the path, not ours
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path.pop(0)
    sys.path.insert(0, script_dir)
    if importlib.util.find_spec(PACKAGE) is None:
        sys.path.append(os.path.dirname(here))
    sys.meta_path.insert(0, _Finder(POST_IMPORT))
    sys.argv = [SCRIPT] + args
    status, error = 0, None
    try:
        runpy.run_path(SCRIPT, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            sys.stderr.write(f"{code}\n")
            status = 1
    except BaseException as exc:       # what Python prints and returns for an uncaught error
        status = 128 + 2 if isinstance(exc, KeyboardInterrupt) else 1
        error = _error_record(exc, _any_mapping())
        if MODE == "check" and error["backend_error"]:
            sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        else:
            traceback.print_exception(type(exc), exc, _script_traceback(exc))
    finally:
        sys.stdout.flush()
        try:
            _write_report(status, error)
        except Exception:                # the report is secondary to the script's outcome
            note("could not write the job report:")
            traceback.print_exc()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
