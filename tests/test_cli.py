"""The command line: `run` as the portal runs a job, `check` before submitting, and the
warnings for what the portal's toolchain refuses (docs/portal.md)."""
import concurrent.futures
import datetime
import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
import zipfile

import pytest
from pyNN.random import NumpyRNG, RandomDistribution

import pynn_spinn_virtual as sim
from pynn_spinn_virtual import cli, job, portal_warnings
from pynn_spinn_virtual.portal_warnings import PortalCompatibilityWarning

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "portal", "run.py")


def write_script(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def call(argv):
    """cli.main(argv) -> (exit status, everything printed)."""
    out = io.StringIO()
    status = cli.main(argv, out=out)
    return status, out.getvalue()


SCRIPTS = {
    "fail.py": """
        import sys
        print("about to fail")
        sys.exit(3)
    """,
    "raising.py": """
        def build():
            raise RuntimeError("no such parameter file")
        build()
    """,
    "killed.py": """
        import os, signal
        os.kill(os.getpid(), signal.SIGTERM)
    """,
    "show.py": """
        import matplotlib.pyplot as plt
        plt.plot([1, 2, 3])
        plt.show()
        plt.show()                 # unchanged: not saved again
        plt.plot([3, 2, 1])
        plt.show(block=True)       # changed: saved again
        print("after show")
    """,
    "big.py": """
        import pyNN.spiNNaker as sim
        sim.setup(timestep=1.0, n_boards_required=3)     # overridden by --machine
        src = sim.Population(10, sim.SpikeSourceArray(spike_times=[1.0]), label="src")
        pop = sim.Population(900, sim.IF_curr_exp(), label="big", neurons_per_core=1)
        sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0))
        sim.run(10)
    """,
    "slow.py": """
        import spynnaker.pyNN as sim
        sim.setup(timestep=1.0)
        src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]), label="src")
        pop = sim.Population(2, sim.IF_curr_exp(), label="pop")
        sim.Projection(src, pop, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=1.0, delay=200.0), label="slow")
        sim.run(10)
    """,
    "fits.py": """
        from pyNN.random import NumpyRNG
        from pyNN.utility import get_simulator
        sim, options = get_simulator()
        sim.setup(timestep=1.0, time_scale_factor=10)
        src = sim.Population(300, sim.SpikeSourcePoisson(rate=10.0), label="src")
        pop = sim.Population(600, sim.IF_curr_exp(), label="pop")
        sim.Projection(src, pop, sim.FixedProbabilityConnector(0.1, rng=NumpyRNG(seed=2)),
                       sim.StaticSynapse(weight=0.5, delay=40.0), label="noisy")
        pop.record("spikes")
        sim.run(200)
        sim.run(100)
        trains = pop.get_data().segments[0].spiketrains
        print("first spike at", trains[0][0])    # no data when checking: IndexError
    """,
    "small_board.py": """
        import pyNN.spiNNaker as sim
        sim.setup(timestep=1.0, machine="spinn3")
        pop = sim.Population(80, sim.IF_curr_exp(), label="pop", neurons_per_core=1)
        sim.run(1)
    """,
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """Every command of this module, run at once (each is mostly a child process starting
    Python and PyNN): {name: (exit status, printed text, job folder or None)}."""
    base = tmp_path_factory.mktemp("cli")
    scripts = {name: write_script(base / name.replace(".py", ""), name, text)
               for name, text in SCRIPTS.items()}
    folders = {name: base / f"job_{name}" for name in ("example", "fail", "raising",
                                                        "killed", "show")}
    commands = {
        "example": ["run", "--quiet", EXAMPLE, "{system}", "--duration", "200",
                    "--output", str(folders["example"])],
        "raising": ["run", scripts["raising.py"], "--output", str(folders["raising"])],
        "killed": ["run", scripts["killed.py"], "--output", str(folders["killed"])],
        # --timeout: a blocking show() would be stopped (and fail the test), never hang it
        "show": ["run", scripts["show.py"], "--timeout", "60", "--output",
                 str(folders["show"])],
        "big": ["check", scripts["big.py"], "--machine", "spinn5"],
        "slow": ["check", scripts["slow.py"]],
        "fits": ["check", scripts["fits.py"], "{system}"],
        "small_board": ["check", scripts["small_board.py"], "--machine", "spinn5"],
    }

    def console(argv):           # the real entry point, in a process of its own
        result = subprocess.run([sys.executable, "-m", "pynn_spinn_virtual"] + argv,
                                capture_output=True, text=True, timeout=300, check=False)
        return result.returncode, result.stdout + result.stderr

    backend = os.environ.pop("MPLBACKEND", None)    # show() must not block even without it
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            futures = {"fail": pool.submit(console, ["run", scripts["fail.py"], "--output",
                                                     str(folders["fail"])])}
            futures.update({name: pool.submit(call, argv) for name, argv in commands.items()})
            return {name: future.result() + (folders.get(name),)
                    for name, future in futures.items()}
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend


# -- run --------------------------------------------------------------------------------------
def test_run_example_as_the_portal_does(jobs):
    status, text, folder = jobs["example"]
    assert status == 0, text
    summary = json.loads((folder / job.SUMMARY_NAME).read_text())
    # the new files are the outputs; reports/ itself and our log are not
    assert summary["outputs"] == ["figure_1.png", "raster.png", "reports.zip",
                                  "results/spikes.pkl"]
    assert (folder / "run.py").is_file()                  # the code was copied in
    assert (folder / "reports").is_dir()
    # {system} became spiNNaker: get_simulator() imported pyNN.spiNNaker = this backend
    assert summary["args"] == ["spiNNaker", "--duration", "200"]
    assert "Exit status: 0 (finished)" in text
    assert "200 ticks" not in text                         # --quiet: no progress bar
    log = (folder / job.LOG_NAME).read_text()
    assert "spikes from 100 neurons" in log                # the script's stdout
    assert "plt.show(): figure" in log                     # our note on the saved figure
    assert "Outputs (4 new files" in log                   # the summary is in the log too


def test_run_outputs_reports_zip_and_results(jobs):
    _, text, folder = jobs["example"]
    with zipfile.ZipFile(folder / "reports.zip") as archive:
        names = archive.namelist()
        mapping_name = [n for n in names if n.endswith("run_1/mapping.json")]
        assert mapping_name and mapping_name[0].startswith("reports/")
        mapping = json.loads(archive.read(mapping_name[0]))
    kinds = sorted(v["kind"] for v in mapping["vertices"])
    assert kinds == ["delay", "delay", "neuron", "poisson"]     # 20 and 30 ms delays
    with open(folder / "results" / "spikes.pkl", "rb") as f:
        block = pickle.load(f)
    assert block.name == "excitatory"
    assert len(block.segments[0].spiketrains) == 100
    assert sum(len(t) for t in block.segments[0].spiketrains) > 0
    assert os.path.getsize(folder / "figure_1.png") > 1000       # the plt.show() figure
    # the summary: mapping and provenance
    assert ("Mapping: 4 cores (1 neuron, 1 spike source, 2 delay extension) on 1 chip of "
            "1 board") in text
    assert "Provenance: no ring-buffer or delay-counter saturations" in text


def test_run_exit_status_is_the_scripts(jobs):
    status, text, folder = jobs["fail"]          # python -m pynn_spinn_virtual run fail.py
    assert status == 3, text
    assert "about to fail" in text
    assert "Exit status: 3 (error)" in text
    assert "about to fail" in (folder / job.LOG_NAME).read_text()


def test_run_uncaught_error_and_signal(jobs):
    status, text, _ = jobs["raising"]
    assert status == 1
    assert "RuntimeError: no such parameter file" in text
    assert 'raising.py", line 4' in text                       # the script's traceback
    assert "_job_child" not in text and "runpy" not in text    # not ours
    status, text, _ = jobs["killed"]
    assert status == 128 + 15
    assert "signal 15" in text


def test_plt_show_saves_figures_and_never_blocks(jobs):
    status, text, folder = jobs["show"]
    assert status == 0, text
    assert "after show" in text
    assert sorted(p.name for p in folder.glob("figure_*.png")) == ["figure_1.png",
                                                                   "figure_2.png"]
    assert "Figures saved by plt.show(): figure_1.png, figure_2.png" in text


def test_outputs_follow_the_portal_rules(tmp_path):
    (tmp_path / "old.txt").write_text("code")
    before = job.list_files(tmp_path)
    for name in ("new.txt", "sub/data.csv", "mod.pyc", "reports/x/run_1/mapping.json",
                 "application_generated_data_files/a.dat", "sub/reports/r.txt",
                 job.LOG_NAME, job.SUMMARY_NAME):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (tmp_path / "old.txt").write_text("changed")      # not new: not an output
    assert job.zip_reports(str(tmp_path)) is not None
    assert job.outputs(str(tmp_path), before) == ["new.txt", "reports.zip", "sub/data.csv"]


def test_default_job_folder_and_code_copy(tmp_path):
    now = datetime.datetime(2024, 5, 6, 7, 8, 9)
    first = job.new_job_folder(base=str(tmp_path), now=now)
    second = job.new_job_folder(base=str(tmp_path), now=now)
    assert os.path.basename(first) == "job_2024-05-06-07-08-09"
    assert os.path.basename(second) == "job_2024-05-06-07-08-09-2"
    (tmp_path / first / job.LOG_NAME).write_text("")       # an earlier job
    (tmp_path / "run.py").write_text("print(1)")
    (tmp_path / "reports").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "input.txt").write_text("1 2 3")
    job.copy_code(str(tmp_path), second)                    # the job folder is inside
    assert sorted(os.listdir(second)) == ["data", "run.py"]
    with pytest.raises(job.JobError, match="not empty"):
        job.new_job_folder(output=str(tmp_path))


def test_our_options_before_or_after_the_scripts_arguments():
    options = cli.parse(["run", "run.py", "spiNNaker", "--output", "out", "--quiet",
                         "--n", "3", "--", "--output", "theirs"])
    assert options.output == "out" and options.quiet
    assert options.args == ["spiNNaker", "--n", "3", "--output", "theirs"]
    options = cli.parse(["check", "--machine", "SpiNN5", "run.py", "{system}"])
    assert options.machine == "spinn5" and options.args == ["{system}"]
    assert cli.parse(["check", "run.py", "--machine=12"]).machine == "12"
    with pytest.raises(SystemExit):
        cli.parse(["check", "run.py", "--machine", "spinn9"])


# -- check ------------------------------------------------------------------------------------
def test_check_model_larger_than_one_board(jobs):
    status, text, _ = jobs["big"]
    assert status == 1, text
    assert "WOULD FAIL" in text
    # 901 cores at 17 per chip need 53 chips; one SpiNN-5 board has 48
    assert "requires 53 chips" in text and "has 48" in text
    assert "machine: --machine spinn5" in text


def test_check_delay_beyond_144_ticks(jobs):
    status, text, _ = jobs["slow"]
    assert status == 1, text
    assert "DelayExtensionError" in text
    assert "Edge:slow has a max delay of 200" in text
    assert "max delay supported is 144" in text


def test_check_fitting_model_reports_cores_and_chips(jobs):
    status, text, _ = jobs["fits"]
    assert status == 0, text
    assert "Result: FITS" in text
    assert "machine: the HBP machine (the default)" in text
    assert "Machine: HBP machine" in text
    # 600 neurons -> 3 cores of up to 256; 300 sources on 1 core; 40 ms delays -> 1 delay core
    assert "Needs: 5 cores (3 neuron, 1 spike source, 1 delay extension) on 1 chip of 1 board" \
        in text
    assert "'pop' (IF_curr_exp, 600 neurons): 3 cores of up to 256 - the model maximum (256" \
        in text
    assert "for delays up to 40 ticks (above the 16 on-core slots" in text
    assert "SDRAM per chip: max" in text
    # 300 ticks of 1 ms at time scale factor 10
    assert "2 runs, 300 ticks = 300 ms simulated; expected hardware time 3 s" in text


def test_check_lists_what_the_portal_refuses(jobs):
    _, text, _ = jobs["fits"]
    assert "The portal would refuse (1):" in text
    assert ("Projection 'noisy': Use of rng in FixedProbabilityConnector is not supported in "
            "sPyNNaker") in text
    # an error after mapping, caused by the empty data, is reported but not counted
    assert "Script error after mapping (not counted" in text and "IndexError" in text


def test_check_machine_option_overrides_the_script(jobs):
    status, text, _ = jobs["small_board"]      # 80 cores > the 68 of the script's SpiNN-3
    assert status == 0, text
    assert "Needs: 80 cores (80 neuron, 0 spike source, 0 delay extension) on 5 chips of " \
           "1 board" in text
    assert "the user's limit of 1 per core (Population(..., neurons_per_core=))" in text


# -- warnings for what the portal refuses -----------------------------------------------------
def test_seeded_rng_is_accepted_with_a_warning(simulation):
    del portal_warnings.collected[:]
    src = sim.Population(10, sim.SpikeSourcePoisson(rate=5.0), label="src")
    pop = sim.Population(10, sim.IF_curr_exp(), label="pop")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sim.Projection(src, pop, sim.FixedProbabilityConnector(0.5),
                       sim.StaticSynapse(weight=0.5), label="default rng")
        sim.Projection(src, pop, sim.FixedProbabilityConnector(0.5, rng=NumpyRNG()),
                       sim.StaticSynapse(weight=0.5), label="unseeded rng")
    assert not [w for w in caught if issubclass(w.category, PortalCompatibilityWarning)]
    with pytest.warns(PortalCompatibilityWarning,
                      match="Projection 'seeded': Use of rng in FixedNumberPreConnector is "
                            "not supported in sPyNNaker.*seed=<seed> in the target Population"):
        projection = sim.Projection(src, pop, sim.FixedNumberPreConnector(3, rng=NumpyRNG(1)),
                                    sim.StaticSynapse(weight=0.5), label="seeded")
    assert len(projection) == 30                        # accepted: the connections exist
    weights = RandomDistribution("uniform", (0.1, 0.2), rng=NumpyRNG(seed=5))
    with pytest.warns(PortalCompatibilityWarning, match="'random weights'.*weights"):
        sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=weights),
                       label="random weights")
    with pytest.warns(PortalCompatibilityWarning, match="Population 'pop'.*initial value 'v'"):
        pop.initialize(v=RandomDistribution("uniform", (-65, -55), rng=NumpyRNG(seed=7)))
    kinds = [(w["kind"], w["where"]) for w in portal_warnings.collected]
    assert kinds == [("rng", "Projection 'seeded'"), ("rng", "Projection 'random weights'"),
                     ("rng", "Population 'pop'")]


def test_assembly_and_refused_calls_warn(simulation):
    a = sim.Population(2, sim.IF_curr_exp(), label="a")
    b = sim.Population(3, sim.IF_curr_exp(), label="b")
    with pytest.warns(PortalCompatibilityWarning, match="sPyNNaker does not support Assemblies"):
        assembly = a + b
    assert assembly.size == 5
    with pytest.warns(PortalCompatibilityWarning, match="get_max_delay"):
        assert sim.get_max_delay() > 0
