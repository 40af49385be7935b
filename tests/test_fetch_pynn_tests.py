"""tools/fetch_pynn_tests.py on a small hand-made sdist (no network): it unpacks only test/,
records what it fetched, does nothing the second time and refuses a wrong archive."""
import importlib.util
import io
import json
import os
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool():
    spec = importlib.util.spec_from_file_location(
        "fetch_pynn_tests", os.path.join(ROOT, "tools", "fetch_pynn_tests.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sdist(path, version="0.13.9", name="PyNN", extra=()):
    top = f"pynn-{version}"
    files = {f"{top}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{top}/pyNN/__init__.py": "",
             f"{top}/test/system/scenarios/__init__.py": "",
             f"{top}/test/system/scenarios/test_x.py": "def test_x(sim):\n    pass\n"}
    files.update(dict(extra))
    with tarfile.open(path, "w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def test_fetch_from_a_local_sdist_is_idempotent(tmp_path, capsys):
    tool = _tool()
    archive = _sdist(tmp_path / "pynn-0.13.9.tar.gz")
    dest = tmp_path / "cache"
    assert tool.main(["--version", "0.13.9", "--archive", archive, "--dest", str(dest)]) == 0
    assert (dest / "test" / "system" / "scenarios" / "test_x.py").exists()
    assert not (dest / "pyNN").exists(), "only the test/ folder is unpacked"
    stamp = json.loads((dest / "FETCHED.json").read_text())
    assert stamp["version"] == "0.13.9" and stamp["sdist"] == "pynn-0.13.9.tar.gz"
    capsys.readouterr()
    os.remove(archive)          # the second call needs neither the archive nor the network
    assert tool.main(["--version", "0.13.9", "--archive", archive, "--dest", str(dest)]) == 0
    assert "already" in capsys.readouterr().out


def test_fetch_refuses_the_wrong_archive(tmp_path):
    tool = _tool()
    dest = str(tmp_path / "cache")
    other = _sdist(tmp_path / "a.tar.gz", version="0.13.8")
    with pytest.raises(SystemExit, match="not PyNN 0.13.9"):
        tool.main(["--version", "0.13.9", "--archive", other, "--dest", dest])
    unsafe = _sdist(tmp_path / "b.tar.gz", extra={"pynn-0.13.9/test/../../evil.py": ""})
    with pytest.raises(SystemExit, match="unsafe path"):
        tool.main(["--version", "0.13.9", "--archive", unsafe, "--dest", dest])
    with pytest.raises(SystemExit, match="targets PyNN 0.13"):
        tool.main(["--version", "0.12.4", "--dest", dest])
    assert not os.path.exists(os.path.join(dest, "FETCHED.json"))
