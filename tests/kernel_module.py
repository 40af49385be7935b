"""The C kernel's extension module for the kernel tests.

Imported through the package when it imports; otherwise loaded by path (the kernel does not
need the rest of the package, e.g. PyNN).
"""
import glob
import importlib.util
import os

import numpy as np


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


def component_arrays(K, model, n):
    """Zeroed component arrays of `model` for n neurons, by kind (None for a component
    without fields)."""
    comps = {}
    for qualified in K.model_components(model):
        kind = qualified.split(":")[0]
        dtype = K.component_dtype(qualified)
        comps[kind] = None if dtype is None else np.zeros(n, dtype)
    return comps


def delta_core(K, net, n, shifts=(10, 0), index_bits=2):
    """An IF_curr_delta core of `n` neurons whose V is V_rest + its input (R = 1 MOhm, no
    memory; threshold -50 mV, rest and reset -65 mV), 2 synapse types and 16 delay slots;
    returns (core, component arrays, ring buffer)."""
    s = 1 << 15
    mem = np.zeros(n, K.component_dtype("membrane:lif"))
    mem["V_membrane"] = mem["V_rest"] = mem["V_reset"] = -65 * s
    mem["R_membrane"] = s
    mem["exp_TC"] = 0
    syn = np.zeros(n, K.component_dtype("synapse:delta"))
    inp = np.zeros(n, K.component_dtype("input:delta"))
    inp["scale"] = s
    thr = np.zeros(n, K.component_dtype("threshold:static"))
    thr["threshold_value"] = -50 * s
    ring = np.zeros(16 << (1 + index_bits), np.uint16)
    comps = {"membrane": mem, "synapse": syn, "input": inp, "threshold": thr}
    core = net.add_neuron_core("if_curr_delta", n, 2, index_bits, 1, 4, list(shifts), comps,
                               ring)
    return core, comps, ring
