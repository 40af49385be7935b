#!/usr/bin/env python3
"""Fetch PyNN's own test suite (the `test/` folder of the PyNN sdist) into a cache folder.

PyNN's backend-independent tests -- the `test/system/scenarios` registry, whose scenarios take
the simulator module as an argument -- are not vendored in this repository: this script
downloads the source distribution of the PyNN release that is installed (0.13.x) from the
package index with pip, checks its version (and, for releases we know, the archive's
SHA-256), and unpacks its `test/` folder into `.pynn_tests/` (gitignored).
`tests/pynn_suite/` then runs the scenarios against `pynn_spinn_virtual`
(docs/pynn_conformance.md).

    python tools/fetch_pynn_tests.py                 # the installed PyNN's version
    python tools/fetch_pynn_tests.py --version 0.13.0
    python tools/fetch_pynn_tests.py --archive pynn-0.13.0.tar.gz   # offline, a local sdist
    python tools/fetch_pynn_tests.py --force         # fetch again

Exit status 0 when `.pynn_tests/` holds the tests of the requested version (already there or
fetched now), non-zero with a message otherwise.  Nothing outside the cache folder is written.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DEST = os.path.join(ROOT, ".pynn_tests")
#: SHA-256 of the sdists on the package index (pypi.org/project/PyNN/#files); a release not
#: listed here is accepted with its hash recorded in the cache's FETCHED.json
KNOWN_SDIST_SHA256 = {
    "0.13.0": "da2821e45055a88de6cf34896067eaaebcabbfdfb7883dd147353e7b78617815",
}
SUPPORTED_SERIES = "0.13."


def installed_pynn_version():
    try:
        from importlib.metadata import version
        return version("PyNN")
    except Exception:
        return None


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_sdist(version, workdir):
    """`pip download` the sdist of PyNN==version (no dependencies, no wheel) into workdir."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "--disable-pip-version-check", "-d", workdir, f"PyNN=={version}"]
    print("fetch_pynn_tests:", " ".join(cmd))
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout)
        raise SystemExit(f"fetch_pynn_tests: pip could not download the PyNN {version} sdist "
                         "(is the package index reachable?)")
    archives = [name for name in os.listdir(workdir)
                if name.lower().startswith("pynn-") and name.endswith((".tar.gz", ".zip"))]
    if len(archives) != 1:
        raise SystemExit(f"fetch_pynn_tests: expected one PyNN sdist in {workdir}, "
                         f"found {archives}")
    return os.path.join(workdir, archives[0])


def unpack_tests(archive, version, dest):
    """Unpack <sdist>/test/** into dest/test, after checking the sdist's version."""
    if not archive.endswith(".tar.gz"):
        raise SystemExit(f"fetch_pynn_tests: {archive}: only .tar.gz sdists are supported")
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        top = members[0].name.split("/")[0]
        pkg_info = tar.extractfile(f"{top}/PKG-INFO")
        if pkg_info is None:
            raise SystemExit(f"fetch_pynn_tests: {archive} has no PKG-INFO")
        fields = dict(line.split(": ", 1) for line in pkg_info.read().decode().splitlines()
                      if ": " in line and not line.startswith(" "))
        if fields.get("Name", "").lower() != "pynn" or fields.get("Version") != version:
            raise SystemExit(f"fetch_pynn_tests: {archive} is {fields.get('Name')} "
                             f"{fields.get('Version')}, not PyNN {version}")
        prefix = f"{top}/test/"
        selected = []
        for member in members:
            if not member.name.startswith(prefix) or not (member.isfile() or member.isdir()):
                continue
            relative = member.name[len(top) + 1:]
            if relative.startswith("/") or ".." in relative.split("/"):
                raise SystemExit(f"fetch_pynn_tests: unsafe path in archive: {member.name}")
            selected.append((member, relative))
        if not any(rel.startswith("test/system/scenarios/") for _, rel in selected):
            raise SystemExit(f"fetch_pynn_tests: {archive} has no test/system/scenarios")
        staging = dest + ".partial"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        for member, relative in selected:
            target = os.path.join(staging, relative)
            if member.isdir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    return staging


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default=None,
                        help="PyNN release whose tests to fetch (default: the installed PyNN)")
    parser.add_argument("--dest", default=DEFAULT_DEST,
                        help="cache folder (default: .pynn_tests/ at the repository root)")
    parser.add_argument("--archive", default=None,
                        help="use this local PyNN sdist (.tar.gz) instead of downloading")
    parser.add_argument("--force", action="store_true", help="fetch even if cached")
    args = parser.parse_args(argv)

    installed = installed_pynn_version()
    version = args.version or installed
    if version is None:
        raise SystemExit("fetch_pynn_tests: PyNN is not installed; install the project first "
                         "(pip install -e '.[test]') or pass --version")
    if not version.startswith(SUPPORTED_SERIES):
        raise SystemExit(f"fetch_pynn_tests: PyNN {version}: this backend targets PyNN 0.13")
    if installed is not None and installed != version:
        print(f"fetch_pynn_tests: warning: fetching the tests of PyNN {version} but PyNN "
              f"{installed} is installed", file=sys.stderr)

    dest = os.path.abspath(args.dest)
    stamp_path = os.path.join(dest, "FETCHED.json")
    if not args.force and os.path.exists(stamp_path):
        with open(stamp_path) as f:
            stamp = json.load(f)
        if stamp.get("version") == version and os.path.isdir(
                os.path.join(dest, "test", "system", "scenarios")):
            print(f"fetch_pynn_tests: PyNN {version} tests already in {dest}")
            return 0

    with tempfile.TemporaryDirectory() as workdir:
        archive = args.archive or download_sdist(version, workdir)
        digest = sha256(archive)
        expected = KNOWN_SDIST_SHA256.get(version)
        if expected is not None and digest != expected:
            raise SystemExit(f"fetch_pynn_tests: {archive}: SHA-256 {digest} differs from the "
                             f"PyNN {version} sdist on the package index ({expected})")
        staging = unpack_tests(archive, version, dest)
    with open(os.path.join(staging, "FETCHED.json"), "w") as f:
        json.dump({"version": version, "sdist": os.path.basename(archive), "sha256": digest,
                   "sha256_checked": expected is not None}, f, indent=1)
        f.write("\n")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(staging, dest)
    n_scenario_files = len([n for n in os.listdir(os.path.join(dest, "test", "system",
                                                              "scenarios"))
                            if n.startswith("test_") and n.endswith(".py")])
    print(f"fetch_pynn_tests: PyNN {version} tests ({n_scenario_files} scenario modules) "
          f"in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
