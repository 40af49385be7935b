"""Running a script as the EBRAINS/HBP portal's SpiNNaker site runs a job.

The portal (JavaSpiNNaker's ``PyNNJobProcess``, spec/frontend.md §5) puts the job's code in
a fresh working directory, runs ``python <command>`` there with ``{system}`` replaced by
``spiNNaker``, keeps stdout and stderr as the job log, zips ``reports/`` to ``reports.zip``
and returns as outputs every file that did not exist before the run, except ``*.pyc`` and the
folders ``reports`` and ``application_generated_data_files``.  :func:`run_job` does the same
on this machine, with the script run by :mod:`pynn_spinn_virtual._job_child`;
:func:`check_job` runs it in map-only mode in a temporary folder.

Only the standard library is used here: the parent process never loads PyNN.
"""
import codecs
import datetime
import fnmatch
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile

#: what ``{system}`` becomes, as on the portal
SYSTEM = "spiNNaker"
#: our files in the job folder (never outputs)
LOG_NAME = "pynn_spinn_virtual_job.log"
SUMMARY_NAME = "pynn_spinn_virtual_job.json"
REPORTS_DIR = "reports"
REPORTS_ZIP = "reports.zip"
#: folders the portal never returns (it zips reports/ instead)
EXCLUDED_DIRS = (REPORTS_DIR, "application_generated_data_files")
#: not copied from the script's folder into the job folder
NOT_COPIED = (".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", "*.pyc",
              REPORTS_DIR, "application_generated_data_files", ".pytest_cache")
#: refuse to copy a folder larger than this (put the script in a folder of its own)
MAX_COPY_BYTES = 1 << 30
WARN_COPY_BYTES = 100 << 20

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_job_child.py")


class JobError(Exception):
    """The job could not be prepared (bad script path, output folder not empty ...)."""


# -- the job folder ------------------------------------------------------------------------
def new_job_folder(output=None, base=None, now=None):
    """``output`` (created; must be empty if it exists) or a new ``job_<timestamp>`` in
    `base` (default: the current directory)."""
    if output is not None:
        output = os.path.abspath(output)
        if os.path.exists(output):
            if not os.path.isdir(output):
                raise JobError(f"--output {output} exists and is not a folder")
            if os.listdir(output):
                raise JobError(f"--output {output} is not empty; the portal runs every job "
                               f"in a fresh folder (choose a new or an empty one)")
        os.makedirs(output, exist_ok=True)
        return output
    base = os.path.abspath(base or os.getcwd())
    now = now or datetime.datetime.now()
    stem = os.path.join(base, "job_" + now.strftime("%Y-%m-%d-%H-%M-%S"))
    path, n = stem, 1
    while os.path.exists(path):
        n += 1
        path = f"{stem}-{n}"
    os.makedirs(path)
    return path


def _is_job_folder(path):
    return os.path.isfile(os.path.join(path, LOG_NAME))


def copy_code(code_dir, job_dir):
    """Copy the script's folder into the job folder, as the portal gets the job's code.

    Skips version-control folders, caches, ``reports``, and earlier job folders (and the
    job folder itself when it lies inside the script's folder).
    """
    code_dir, job_dir = os.path.abspath(code_dir), os.path.abspath(job_dir)
    total = 0

    def ignore(directory, names):
        nonlocal total
        skipped = set()
        for name in names:
            path = os.path.join(directory, name)
            excluded = any(fnmatch.fnmatch(name, pattern) for pattern in NOT_COPIED)
            earlier_job = os.path.isdir(path) and (os.path.abspath(path) == job_dir
                                                   or _is_job_folder(path))
            if excluded or earlier_job:
                skipped.add(name)
            elif os.path.isfile(path):
                total += os.path.getsize(path)
                if total > MAX_COPY_BYTES:
                    raise JobError(
                        f"the script's folder {code_dir} holds more than "
                        f"{MAX_COPY_BYTES >> 20} MB; the portal would upload all of it. "
                        f"Put the script and what it needs in a folder of its own")
        return skipped

    shutil.copytree(code_dir, job_dir, ignore=ignore, dirs_exist_ok=True, symlinks=True)
    return total


def list_files(folder):
    """Relative paths (with /) of every file under `folder`."""
    found = set()
    for root, dirs, files in os.walk(folder):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), folder)
            found.add(rel.replace(os.sep, "/"))
    return found


def outputs(job_dir, before):
    """The files new since `before`, as the portal returns them (sorted)."""
    result = []
    for rel in list_files(job_dir) - set(before):
        parts = rel.split("/")
        if rel.endswith(".pyc") or rel in (LOG_NAME, SUMMARY_NAME):
            continue
        if any(part in EXCLUDED_DIRS for part in parts[:-1]):
            continue
        result.append(rel)
    return sorted(result)


def zip_reports(job_dir):
    """Zip ``reports/`` into ``reports.zip`` (entries ``reports/...``); None if no reports."""
    reports = os.path.join(job_dir, REPORTS_DIR)
    if not os.path.isdir(reports):
        return None
    target = os.path.join(job_dir, REPORTS_ZIP)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(reports):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                archive.write(path, os.path.relpath(path, job_dir).replace(os.sep, "/"))
    return target


def _run_report_files(job_dir, name):
    """(path, JSON contents) of every run folder's report `name` in the job, in path order
    (unreadable or malformed files are skipped)."""
    pattern = os.path.join(job_dir, REPORTS_DIR, "*", "run_*", name)
    for path in sorted(glob.glob(pattern)):
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        yield path, data


def reports_provenance(job_dir):
    """Saturations summed over the ``provenance.json`` of every run folder of the job."""
    totals = {"ring_buffer_saturations": {}, "delay_counter_saturations": {}}
    found = False
    for _, records in _run_report_files(job_dir, "provenance.json"):
        found = True
        for key, counts in totals.items():
            for label, count in (records.get(key) or {}).items():
                counts[label] = counts.get(label, 0) + int(count)
    return totals if found else None


def reports_mappings(job_dir):
    """A short mapping summary from each ``mapping.json`` of the job's reports."""
    result = []
    for path, data in _run_report_files(job_dir, "mapping.json"):
        kinds = {}
        for vertex in data.get("vertices", []):
            kinds[vertex.get("kind")] = kinds.get(vertex.get("kind"), 0) + 1
        machine = data.get("machine", {})
        result.append({
            "machine": (f"{machine.get('name')}: {machine.get('n_boards')} boards, "
                        f"{machine.get('n_chips')} chips"),
            "cores": {"total": data.get("n_cores_used", 0), "neuron": kinds.get("neuron", 0),
                      "source": kinds.get("poisson", 0) + kinds.get("spike_array", 0),
                      "delay": kinds.get("delay", 0)},
            "chips_used": data.get("n_chips_used", 0),
            "boards_used": None,
            "source": os.path.relpath(path, job_dir),
        })
    return result


# -- the child process ---------------------------------------------------------------------
def substitute_system(args):
    """``{system}`` -> ``spiNNaker`` in every argument, as the portal does."""
    return [arg.replace("{system}", SYSTEM) for arg in args]


def child_environment(report_path, job_dir, progress, check_machine=None, reports=True):
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYNN_SPINN_VIRTUAL_PROGRESS"] = "1" if progress else "0"
    env["PYNN_SPINN_VIRTUAL_REPORTS"] = "1" if reports else "0"
    env["PYNN_SPINN_VIRTUAL_JOB_REPORT"] = report_path
    env["PYNN_SPINN_VIRTUAL_JOB_DIR"] = job_dir
    if check_machine is not None:
        env["PYNN_SPINN_VIRTUAL_CHECK_MACHINE"] = str(check_machine)
    else:
        env.pop("PYNN_SPINN_VIRTUAL_CHECK_MACHINE", None)
    return env


def run_child(mode, script, args, cwd, env, echo=None, log=None, timeout=None):
    """Run the script in a child process; stdout and stderr (merged) go to `echo` (a text
    stream) and `log` (a binary file) as they come.  Returns (exit status, note) where the
    status is the script's, or 128 + n for signal n, as a shell reports it."""
    command = [sys.executable, CHILD, mode, script] + list(args)
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def pump():
        fd = process.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            if log is not None:
                log.write(chunk)
                log.flush()
            if echo is not None:
                echo.write(decoder.decode(chunk))
                echo.flush()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    note = None
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        note = f"stopped after the time limit of {timeout:g} s"
        _stop(process)
    except KeyboardInterrupt:
        note = "interrupted"
        _stop(process, first=signal.SIGINT)
    reader.join(timeout=10)
    process.stdout.close()
    code = process.returncode
    return (code if code >= 0 else 128 - code), note


def _stop(process, first=signal.SIGTERM):
    for sig, wait in ((first, 5), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            process.send_signal(sig)
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        except (ProcessLookupError, KeyboardInterrupt):
            continue


def _read_report(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _script_paths(script):
    script = os.path.abspath(script)
    if not os.path.isfile(script):
        raise JobError(f"no such script: {script}")
    return os.path.dirname(script), os.path.basename(script)


# -- run -----------------------------------------------------------------------------------
def run_job(script, args, output=None, progress=True, timeout=None, echo=None):
    """Run `script` as a portal job; returns the job summary (a dict, also written to
    ``pynn_spinn_virtual_job.json`` in the job folder)."""
    code_dir, name = _script_paths(script)
    job_dir = new_job_folder(output)
    log_path = os.path.join(job_dir, LOG_NAME)
    with open(log_path, "wb"):
        pass
    copy_code(code_dir, job_dir)
    before = list_files(job_dir)
    args = substitute_system(args)
    handle, report_path = tempfile.mkstemp(prefix="pynn-spinn-virtual-", suffix=".json")
    os.close(handle)
    try:
        env = child_environment(report_path, job_dir, progress)
        with open(log_path, "ab") as log:
            status, note = run_child("run", name, args, job_dir, env, echo=echo, log=log,
                                     timeout=timeout)
        report = _read_report(report_path)
    finally:
        os.unlink(report_path)
    zipped = zip_reports(job_dir)
    summary = {
        "command": "run", "script": name, "args": args, "job_folder": job_dir,
        "log": log_path, "exit_status": status, "note": note,
        "outputs": outputs(job_dir, before),
        "reports_zip": os.path.relpath(zipped, job_dir) if zipped else None,
        "child": report,
        "reports_provenance": reports_provenance(job_dir),
        "reports_mappings": reports_mappings(job_dir) if report is None else [],
    }
    return summary


def write_summary(summary, text):
    """Append the printed summary to the log and write the JSON summary file."""
    job_dir = summary["job_folder"]
    with open(os.path.join(job_dir, LOG_NAME), "a") as log:
        log.write(text)
    with open(os.path.join(job_dir, SUMMARY_NAME), "w") as f:
        json.dump(summary, f, indent=1, default=str)


# -- check ---------------------------------------------------------------------------------
def check_job(script, args, machine=None, timeout=None, echo=None):
    """Run `script` in map-only mode on the target machine, in a temporary copy of its
    folder; returns (child report or None, exit status of the script, note)."""
    code_dir, name = _script_paths(script)
    work = tempfile.mkdtemp(prefix="pynn-spinn-virtual-check-")
    try:
        job_dir = os.path.join(work, "job")
        os.makedirs(job_dir)
        copy_code(code_dir, job_dir)
        report_path = os.path.join(work, "report.json")
        env = child_environment(report_path, job_dir, progress=False,
                                check_machine=machine, reports=False)
        status, note = run_child("check", name, substitute_system(args), job_dir, env,
                                 echo=echo, timeout=timeout)
        return _read_report(report_path), status, note
    finally:
        shutil.rmtree(work, ignore_errors=True)
