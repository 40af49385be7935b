"""sPyNNaker-style configuration files, read if present, never required.

The toolchain reads ``~/.spynnaker.cfg`` and then ``./spynnaker.cfg`` (later files override
earlier ones), INI files with sections such as ``[Machine]`` and ``[Simulation]``.  Users and
the EBRAINS portal already have such files, so we honour the options they know; unlike the
toolchain, a missing file is fine (the embedded defaults apply: a virtual machine sized to
the model).
"""
import configparser
import os

#: options we read, with their types
OPTIONS = {
    ("Machine", "version"): int,
    ("Machine", "width"): int,
    ("Machine", "height"): int,
    ("Machine", "virtual_board"): bool,
    ("Machine", "machine_name"): str,
    ("Simulation", "time_scale_factor"): float,
    ("Simulation", "spikes_per_second"): float,
    ("Simulation", "ring_buffer_sigma"): float,
    ("Reports", "max_reports_kept"): int,
    ("Reports", "write_reports"): bool,
    ("Mode", "mode"): str,
}


def config_files(cwd=None):
    """The configuration files the toolchain would read, in order (only those that exist)."""
    candidates = [os.path.join(os.path.expanduser("~"), ".spynnaker.cfg"),
                  os.path.join(cwd or os.getcwd(), "spynnaker.cfg")]
    return [path for path in candidates if os.path.isfile(path)]


def read_config(cwd=None):
    """{(section, option): value} of the known options set in the configuration files.

    "None" (any case) means unset, as in the toolchain's files.
    """
    parser = configparser.ConfigParser()
    parser.optionxform = str.lower
    parser.read(config_files(cwd))
    values = {}
    for (section, option), kind in OPTIONS.items():
        if not parser.has_option(section, option):
            continue
        raw = parser.get(section, option).strip()
        if raw.lower() == "none" or raw == "":
            continue
        try:
            if kind is bool:
                values[(section, option)] = parser.getboolean(section, option)
            else:
                values[(section, option)] = kind(raw)
        except ValueError:
            from .exceptions import ConfigurationError
            raise ConfigurationError(f"spynnaker.cfg: [{section}] {option} = {raw!r} is not "
                                     f"a valid {kind.__name__}") from None
    return values
