"""The C kernel's extension module for the kernel tests.

Imported through the package when it imports; otherwise loaded by path (the kernel does not
need the rest of the package, e.g. PyNN).
"""
import glob
import importlib.util
import os


def load_kernel():
    try:
        from pynn_spinn_virtual import _kernel
        return _kernel
    except ImportError:
        root = os.path.join(os.path.dirname(__file__), "..", "pynn_spinn_virtual")
        paths = glob.glob(os.path.join(root, "_kernel*.so")) + glob.glob(
            os.path.join(root, "_kernel*.pyd"))
        if not paths:
            raise
        spec = importlib.util.spec_from_file_location("pynn_spinn_virtual._kernel", paths[0])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
