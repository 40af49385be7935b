"""``pynn-spinn-virtual`` (also ``python -m pynn_spinn_virtual``): portal jobs on a laptop.

    pynn-spinn-virtual run SCRIPT [ARGS...] [--output DIR] [--quiet] [--timeout S]
    pynn-spinn-virtual check SCRIPT [ARGS...] [--machine hbp|spinn5|spinn3|N] [--timeout S]

``run`` runs the script as the EBRAINS portal runs a SpiNNaker job and exits with the
script's status; ``check`` maps the script's network without simulating and exits non-zero
when it would fail on the machine.  Our options may come before SCRIPT or after its
arguments; arguments after ``--`` all go to the script.  See docs/portal.md.
"""
import argparse
import sys

from . import job

RUN_OPTIONS = {"--output": True, "--quiet": False, "--timeout": True}
CHECK_OPTIONS = {"--machine": True, "--quiet": False, "--timeout": True}


def _machine(value):
    name = value.strip().lower()
    if name in ("hbp", "spinn5", "spinn-5", "spinn3", "spinn-3"):
        return name
    try:
        boards = int(name)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a machine: use hbp, spinn5, spinn3 or a number of boards")
    if not 1 <= boards <= 1200:
        raise argparse.ArgumentTypeError(f"{boards} boards: use 1 to 1200 (the HBP machine)")
    return str(boards)


def _parser():
    parser = argparse.ArgumentParser(
        prog="pynn-spinn-virtual",
        description="Run or check a PyNN script for the SpiNNaker machine of the EBRAINS/HBP "
                    "portal on this computer (pyNN.spiNNaker resolves to pynn_spinn_virtual).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="run a script as the portal runs a job",
        description="Run SCRIPT as the portal runs a SpiNNaker job: in a fresh job folder "
                    "holding a copy of the script's folder, {system} in ARGS replaced by "
                    "spiNNaker, figures saved instead of shown, the new files as outputs, "
                    "reports/ zipped to reports.zip; exits with the script's status.")
    run.add_argument("--output", metavar="DIR",
                     help="the job folder (new or empty; default: ./job_<timestamp>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--timeout", type=float, metavar="S",
                     help="stop the script after S seconds (the portal's limit is a week)")
    run.add_argument("script", metavar="SCRIPT")
    run.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    check = commands.add_parser(
        "check", help="map a script onto the machine without simulating",
        description="Build SCRIPT's network and map it onto the target machine without "
                    "simulating; report whether it fits, the cores, chips, boards, SDRAM, "
                    "delay extensions, what the portal would refuse and the expected "
                    "hardware run time. Exit status 1 when it would fail on the machine.")
    check.add_argument("--machine", type=_machine, metavar="M",
                       help="hbp (default, unless the script's setup() chooses), spinn5, "
                            "spinn3 or a number of SpiNN-5 boards; overrides the script")
    check.add_argument("--quiet", action="store_true", help="accepted (nothing is simulated)")
    check.add_argument("--timeout", type=float, metavar="S",
                       help="stop the script after S seconds")
    check.add_argument("script", metavar="SCRIPT")
    check.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    return parser


def parse(argv):
    """Parse the command line; our long options are also taken from after SCRIPT (up to a
    ``--``, after which everything is the script's)."""
    parser = _parser()
    options = parser.parse_args(argv)
    known = RUN_OPTIONS if options.command == "run" else CHECK_OPTIONS
    rest, script_args = list(options.args), []
    extra = []
    while rest:
        token = rest.pop(0)
        if token == "--":
            script_args.extend(rest)
            break
        name = token.split("=", 1)[0]
        if name in known:
            extra.append(token)
            if known[name] and "=" not in token:
                if not rest:
                    parser.error(f"{name} needs a value")
                extra.append(rest.pop(0))
        else:
            script_args.append(token)
    if extra:
        sub = [options.command] + extra + ["_"]
        more = parser.parse_args(sub)
        for key in known:
            key = key.lstrip("-")
            value = getattr(more, key)
            if value not in (None, False):
                setattr(options, key, value)
    options.args = script_args
    return options


def main(argv=None, out=None):
    """Run the command line; returns the exit status.  `out`: where the script's output
    and the summary go (default: sys.stdout)."""
    options = parse(sys.argv[1:] if argv is None else argv)
    out = sys.stdout if out is None else out
    try:
        if options.command == "run":
            return _run(options, out)
        return _check(options, out)
    except job.JobError as error:
        sys.stderr.write(f"pynn-spinn-virtual: {error}\n")
        return 2


# -- run -----------------------------------------------------------------------------------
def _run(options, out):
    summary = job.run_job(options.script, options.args, output=options.output,
                          progress=not options.quiet, timeout=options.timeout, echo=out)
    text = format_run_summary(summary)
    out.write(text)
    out.flush()
    job.write_summary(summary, text)
    return summary["exit_status"]


def format_run_summary(summary):
    lines = ["", f"== pynn-spinn-virtual run {' '.join([summary['script']] + summary['args'])}"]
    status = summary["exit_status"]
    state = "finished" if status == 0 else "error"
    if status >= 128:
        state = f"error: Python exited with signal {status - 128}"
    if summary.get("note"):
        state += f" ({summary['note']})"
    lines.append(f"Job folder: {summary['job_folder']}")
    lines.append(f"Exit status: {status} ({state})")
    outs = summary["outputs"]
    lines.append(f"Outputs ({len(outs)} new file{_s(len(outs))}; *.pyc, reports/ and "
                 f"application_generated_data_files/ excluded as on the portal):")
    lines.extend(f"  {name}" for name in outs)
    if not outs:
        lines.append("  (none: the portal returns only files the script writes into its "
                     "working folder)")
    child = summary.get("child") or {}
    simulations = [s for s in child.get("simulations", []) if s]
    mappings = [(i, m) for i, s in enumerate(simulations, 1) for m in s.get("mappings", [])]
    if not mappings:
        mappings = [(None, m) for m in summary.get("reports_mappings", [])]
    for index, mapping in mappings:
        where = f" (simulation {index})" if index is not None and len(simulations) > 1 else ""
        lines.append(f"Mapping{where}: {_cores_text(mapping)}")
        lines.append(f"  machine: {mapping['machine']}")
    if not mappings:
        lines.append("Mapping: none (the script did not run a network)")
    lines.extend(_provenance_lines(summary, simulations))
    lines.extend(_warning_lines(child.get("portal_warnings", [])))
    if child.get("figures"):
        lines.append("Figures saved by plt.show(): " + ", ".join(child["figures"]))
    if child.get("error"):
        error = child["error"]
        lines.append(f"Script error: {error['type']}: {_short(error['message'])}")
    lines.append(f"Log: {summary['log']}")
    return "\n".join(lines) + "\n"


def _cores_text(mapping):
    cores = mapping["cores"]
    chips = mapping.get("chips_used")
    boards = mapping.get("boards_used")
    text = (f"{cores['total']} cores ({cores['neuron']} neuron, {cores['source']} spike "
            f"source, {cores['delay']} delay extension) on {chips} chip{_s(chips)}")
    if boards is not None:
        text += f" of {boards} board{_s(boards)}"
    return text


def _provenance_lines(summary, simulations):
    provenance = summary.get("reports_provenance")
    if provenance is None:
        provenance = {"ring_buffer_saturations": {}, "delay_counter_saturations": {}}
        found = False
        for simulation in simulations:
            for key, counts in (simulation.get("provenance") or {}).items():
                if key in provenance:
                    found = True
                    for label, count in counts.items():
                        provenance[key][label] = provenance[key].get(label, 0) + count
        if not found:
            return []
    lines = []
    names = {"ring_buffer_saturations": (
                 "ring-buffer saturations",
                 ("synaptic input above the 16-bit ring buffer was clipped; lower the weights "
                  "or raise ring_buffer_sigma")),
             "delay_counter_saturations": (
                 "delay-extension counter saturations",
                 "more than 255 spikes of one neuron in one tick were dropped")}
    for key, (name, meaning) in names.items():
        counts = {k: v for k, v in provenance.get(key, {}).items() if v}
        if counts:
            worst = sorted(counts.items(), key=lambda kv: -kv[1])
            shown = ", ".join(f"{label}: {count}" for label, count in worst[:8])
            more = f" and {len(worst) - 8} more" if len(worst) > 8 else ""
            lines.append(f"Provenance warning: {name} on {len(counts)} core{_s(len(counts))} "
                         f"({meaning}): {shown}{more}")
    if not lines:
        lines.append("Provenance: no ring-buffer or delay-counter saturations")
    lines.extend(_load_lines(simulations))
    return lines


def _load_lines(simulations):
    """The cores whose estimated work per tick exceeds a SpiNNaker core's (load_estimate.py)."""
    over = {}
    for simulation in simulations:
        for label, load in ((simulation.get("provenance") or {}).get("core_load") or {}).items():
            if load.get("overruns"):
                over[label] = max(over.get(label, 0), load.get("fraction", 0))
    if not over:
        return []
    worst = sorted(over.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{label}: {100 * fraction:.0f} %" for label, fraction in worst[:8])
    return [f"Load warning: {len(over)} core{_s(len(over))} would need more than a tick's "
            f"cycles on SpiNNaker ({shown}); use fewer neurons per core or a larger "
            f"time_scale_factor (docs/mapping.md, per-core load)"]


def _warning_lines(warnings):
    if not warnings:
        return []
    lines = [f"The portal would refuse ({len(warnings)}):"]
    lines.extend(f"  - {w['message']}" for w in warnings)
    return lines


# -- check ---------------------------------------------------------------------------------
def _check(options, out):
    report, status, note = job.check_job(options.script, options.args,
                                         machine=options.machine, timeout=options.timeout,
                                         echo=out)
    ok, text = format_check_report(options, report, status, note)
    out.write(text)
    out.flush()
    return 0 if ok else 1


def check_verdict(report, status, note):
    """(fits?, the error that the machine would raise or None, script errors not counted)."""
    if note:
        return False, f"the script was {note} before the check finished", []
    if report is None:
        return False, (f"the script exited with status {status} and no report (killed, "
                       f"or it ended the interpreter abruptly)"), []
    error = report.get("error")
    ignored = []
    simulations = [s for s in report.get("simulations", []) if s]
    for simulation in simulations:
        if simulation.get("mapping_error"):
            e = simulation["mapping_error"]
            return False, f"{e['type']}: {e['message']}", []
    if error:
        if error.get("backend_error") or not error.get("mapped_before"):
            return False, f"{error['type']}: {error['message']}", []
        ignored.append(error)
    elif status != 0:
        if not any(s.get("mappings") for s in simulations):
            return False, f"the script exited with status {status} before mapping", []
        ignored.append({"type": "SystemExit", "message": f"exit status {status}"})
    if not any(s.get("mappings") for s in simulations):
        return False, "the script built no network to map (no Population was created)", []
    return True, None, ignored


def format_check_report(options, report, status, note):
    ok, failure, ignored = check_verdict(report, status, note)
    command = " ".join([options.script] + job.substitute_system(options.args))
    lines = ["", f"== pynn-spinn-virtual check {command}"]
    simulations = [s for s in (report or {}).get("simulations", []) if s]
    if ok:
        lines.append("Result: FITS - the model maps onto the machine")
    else:
        lines.append("Result: WOULD FAIL on the machine")
        lines.append(f"  {failure}")
    for index, simulation in enumerate(simulations, 1):
        lines.extend(_simulation_lines(index, simulation, len(simulations), failed=not ok))
    if len(simulations) > 1 and all("hardware_ms" in s for s in simulations):
        total = sum(s["hardware_ms"] for s in simulations)
        lines.append(f"Total expected hardware time of the {len(simulations)} simulations: "
                     f"{_duration(total)} (plus loading and data extraction of each)")
    lines.extend(_warning_lines((report or {}).get("portal_warnings", [])))
    for error in ignored:
        lines.append(f"Script error after mapping (not counted: recorded data is empty "
                     f"when checking, as on the toolchain's virtual board): "
                     f"{error['type']}: {_short(error['message'])}")
    return ok, "\n".join(lines) + "\n"


def _simulation_lines(index, simulation, n, failed=False):
    title = f"Simulation {index}" if n > 1 else "Simulation"
    lines = [(f"{title}: timestep {simulation['timestep_ms']:g} ms, time scale factor "
              f"{simulation['time_scale_factor']:g}, toolchain {simulation['toolchain']}; "
              f"machine: {simulation['machine_choice']}")]
    for mapping in simulation.get("mappings", []):
        lines.append(f"  Machine: {mapping['machine']}")
        lines.append(f"  Needs: {_cores_text(mapping)}")
        sdram = mapping["sdram_per_chip"]
        lines.append(f"  SDRAM per chip: max {_mb(sdram['max_bytes'])} of "
                     f"{_mb(sdram['chip_bytes'])} "
                     f"({100.0 * sdram['max_bytes'] / max(1, sdram['chip_bytes']):.1f} %) on "
                     f"chip {tuple(sdram['fullest_chip'] or ())}, mean "
                     f"{_mb(sdram['mean_bytes'])}")
        lines.append("  Neurons per core:")
        for pop in mapping["populations"]:
            unit = "source" if pop["model"].startswith("SpikeSource") else "neuron"
            unit += _s(pop["size"])
            lines.append(f"    '{pop['label']}' ({pop['model']}, {pop['size']} {unit}): "
                         f"{pop['cores']} core{_s(pop['cores'])} of up to {pop['per_core']}"
                         f" - {pop['reason']}")
        delays = [p for p in mapping["populations"] if p.get("delay_extension")]
        if delays:
            lines.append("  Delay extensions:")
            for pop in delays:
                d = pop["delay_extension"]
                lines.append(
                    f"    from '{pop['label']}': {d['cores']} delay-extension "
                    f"core{_s(d['cores'])} with {d['stages']} stage{_s(d['stages'])} of "
                    f"{d['stage_ticks']} ticks, for delays up to {d['max_delay_ticks']} ticks "
                    f"(above the {d['on_core_slots']} on-core slots; at most "
                    f"{d['max_supported_ticks']})")
    if "runs_ticks" in simulation:
        runs = simulation["runs_ticks"]
        simulated = simulation["simulated_ms"]
        hardware = simulation["hardware_ms"]
        if runs:
            lines.append(
                f"  Runs: {len(runs)} run{_s(len(runs))}, {sum(runs)} ticks = "
                f"{simulated:g} ms simulated; expected hardware time {_duration(hardware)} "
                f"(simulated time x time scale factor {simulation['time_scale_factor']:g}), "
                f"plus loading and data extraction (typically tens of seconds to minutes)")
        elif failed:
            lines.append("  Runs: none mapped")
        else:
            lines.append("  Runs: none (the script did not call run())")
    return lines


def _duration(ms):
    seconds = ms / 1000.0
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _mb(n):
    return f"{n / 1e6:.2f} MB"


def _s(n):
    return "" if n == 1 else "s"


def _short(message, limit=500):
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[:limit] + " ..."


if __name__ == "__main__":
    sys.exit(main())
