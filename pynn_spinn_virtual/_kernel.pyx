# cython: language_level=3
"""The C kernel (csrc/) seen from Python.

The network keeps raw pointers into the numpy arrays it is given (component
structs, ring buffers, synaptic rows, recording buffers) and a reference to
each of them, so Python owns the memory and may read or change values in
place between runs.  Array *shapes*, the index/type fields of synaptic words
and row offsets must not be changed after they were added (they were checked
then); weights (bits 31..16 of a word) may be.  Spike-source events are copied.
Current sources and Poisson cores work the same way: their parameter/state
structs (current_source_dtype(), poisson_dtype()) and the Poisson generator
state are numpy arrays that Python owns and may reset between runs; so are
the spike counters of delay-extension cores.

STDP (profile 6): set_plasticity() gives a neuron core its rule and its
post-synaptic history (stdp_history_dtype(), Python-owned); plastic blocks
(add_plastic_incoming) keep pointers to their 16-bit weights and per-row
headers (stdp_row_state_dtype()), which the kernel updates in place.

Every bad argument raises ValueError naming the argument and the limit.
"""
import operator

import numpy as np

from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from cpython.exc cimport PyErr_CheckSignals
cimport numpy as cnp

cnp.import_array()


cdef extern int __builtin_popcount(unsigned int) nogil
cdef extern int __builtin_ctz(unsigned int) nogil


cdef extern from "kernel.h" nogil:
    int KN_HAVE_BOUNDS_CHECKS

    ctypedef enum kn_kind_t:
        KN_KIND_MEMBRANE
        KN_KIND_SYNAPSE
        KN_KIND_INPUT
        KN_KIND_THRESHOLD
        KN_KIND_ADDITIONAL
        KN_N_KINDS

    ctypedef struct kn_field_desc_t:
        const char *name
        int is_signed

    ctypedef struct kn_component_desc_t:
        kn_kind_t kind
        const char *name
        const kn_field_desc_t *fields
        uint32_t n_fields
        uint32_t size

    ctypedef struct kn_model_desc_t:
        const char *name
        const kn_component_desc_t *components[5]
        uint32_t n_synapse_types
        const char **recordables
        uint32_t n_recordables

    ctypedef struct kn_network_t:
        int n_threads
        int neuron_lanes

    ctypedef struct kn_array_t:
        void *data
        size_t length
        size_t itemsize

    ctypedef struct kn_analog_spec_t:
        int64_t slot
        const int32_t *columns
        size_t n_columns_entries
        int64_t interval
        int64_t first_sample_tick
        int32_t *buffer
        size_t n_samples
        size_t n_rec

    const char *kn_kind_name(kn_kind_t kind)
    size_t kn_n_models()
    const kn_model_desc_t *kn_model_at(size_t i)
    const kn_model_desc_t *kn_find_model(const char *name)
    size_t kn_n_components()
    const kn_component_desc_t *kn_component_at(size_t i)
    const kn_component_desc_t *kn_find_component(const char *qualified_name)
    size_t kn_n_records()
    const kn_component_desc_t *kn_record_at(size_t i)
    const kn_component_desc_t *kn_find_record(const char *name)

    ctypedef struct kn_poisson_source_t:
        pass
    ctypedef struct kn_poisson_entry_t:
        pass
    int kn_add_current_source(kn_network_t *net, int64_t core, int64_t kind, void *params,
                              size_t params_size, const int64_t *neurons, size_t n_neurons,
                              const uint32_t *step_times, const int32_t *step_amplitudes,
                              size_t step_len)
    int kn_add_poisson_core(kn_network_t *net, int64_t n_atoms, uint32_t *rng, size_t rng_len,
                            kn_poisson_source_t *sources, size_t n_sources,
                            const uint32_t *schedule_offsets, size_t n_offsets,
                            const kn_poisson_entry_t *schedule, size_t n_schedule)
    int kn_add_delay_core(kn_network_t *net, int64_t source, int64_t n_atoms,
                          int64_t n_stages, int64_t stage_length, uint8_t *counters,
                          size_t n_slots, size_t n_columns)
    int kn_poisson_load(kn_network_t *net, int64_t core, int resume)
    int kn_poisson_draw_isi(kn_network_t *net, int64_t core, int64_t source)

    kn_network_t *kn_network_new()
    int kn_lanes_available()
    int kn_core_uses_lanes(kn_network_t *net, int64_t core)
    void kn_network_free(kn_network_t *net)
    const char *kn_error(const kn_network_t *net)
    int kn_add_neuron_core(kn_network_t *net, const char *model, int64_t n_atoms,
                           int64_t n_synapse_types, int64_t index_bits, int64_t type_bits,
                           int64_t delay_bits, const int64_t *shifts, size_t n_shifts,
                           const kn_array_t *components, uint16_t *ring, size_t ring_len)
    int kn_add_spike_array_core(kn_network_t *net, int64_t n_atoms, const uint32_t *ticks,
                                const uint32_t *indices, size_t n_events)
    int kn_add_incoming(kn_network_t *net, int64_t target, int64_t source,
                        const uint32_t *row_offsets, size_t n_offsets, const uint32_t *words,
                        size_t n_words)
    int kn_set_recording(kn_network_t *net, int64_t core, void *spikes, size_t spike_rows,
                         size_t spike_words, int64_t spikes_first_tick,
                         const kn_analog_spec_t *analog, size_t n_analog)
    void kn_clear_recording(kn_network_t *net)
    int kn_check_run(kn_network_t *net, int64_t start_tick, int64_t n_ticks)
    void kn_run(kn_network_t *net, uint32_t start_tick, uint32_t n_ticks)
    int kn_saturations(kn_network_t *net, int64_t core, uint64_t *out)
    int kn_plastic_saturations(kn_network_t *net, int64_t core, uint64_t *out)
    void kn_reset_saturations(kn_network_t *net)
    enum:
        KN_LOAD_TICKS
        KN_LOAD_SPIKES_OUT
        KN_LOAD_NEURON_UPDATES
        KN_LOAD_SPIKES_IN
        KN_LOAD_ROWS
        KN_LOAD_SYNAPTIC_EVENTS
        KN_LOAD_PLASTIC_EVENTS
        KN_LOAD_ALL_EVENTS
        KN_LOAD_PACKETS_IN
        KN_LOAD_N
    int kn_load_counters(kn_network_t *net, int64_t core, uint64_t *total, uint64_t *max)
    void kn_reset_load_counters(kn_network_t *net)

    int KN_STDP_HISTORY_SIZE
    ctypedef struct kn_stdp_history_t:
        pass
    ctypedef struct kn_stdp_row_state_t:
        pass
    int kn_set_plasticity(kn_network_t *net, int64_t core, int64_t timing, int64_t weight,
                          const int16_t *lut_plus, size_t n_plus, int64_t lut_plus_shift,
                          const int16_t *lut_minus, size_t n_minus, int64_t lut_minus_shift,
                          const int64_t *w_min, const int64_t *w_max, const int64_t *a2_plus,
                          const int64_t *a2_minus, size_t n_types, int backprop_delay,
                          kn_stdp_history_t *history, size_t n_history)
    int kn_add_plastic_incoming(kn_network_t *net, int64_t target, int64_t source,
                                const uint32_t *row_offsets, size_t n_offsets,
                                const uint16_t *controls, uint16_t *weights, size_t n_syn,
                                kn_stdp_row_state_t *row_state, size_t n_row_state)


# True in the sanitizer build (PYNN_SPINN_VIRTUAL_SANITIZE=1): the time loop
# asserts every index it uses and aborts with a message on a violation.
BOUNDS_CHECKS = bool(KN_HAVE_BOUNDS_CHECKS)

# Ticks per call into C: between chunks the GIL is taken back and signals
# (Ctrl-C) are checked.
RUN_CHUNK = 2000

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


# ---- registry --------------------------------------------------------------

cdef str _s(const char *c_string):
    return c_string.decode("ascii")


cdef const kn_model_desc_t *_model(object model) except NULL:
    if not isinstance(model, str):
        raise ValueError(f"model must be a str, got {model!r}")
    cdef const kn_model_desc_t *desc = kn_find_model(model.encode("ascii", "replace"))
    if desc == NULL:
        raise ValueError(f"unknown model {model!r} (known models: {', '.join(model_names())})")
    return desc


cdef const kn_component_desc_t *_component(object component) except NULL:
    if not isinstance(component, str):
        raise ValueError(f"component must be a str like 'membrane:lif', got {component!r}")
    cdef const kn_component_desc_t *desc = kn_find_component(
        component.encode("ascii", "replace"))
    if desc == NULL:
        raise ValueError(f"unknown component {component!r} (known components: "
                         f"{', '.join(component_names())})")
    return desc


cdef str _qualified(const kn_component_desc_t *desc):
    return f"{_s(kn_kind_name(desc.kind))}:{_s(desc.name)}"


def lanes_available():
    """True if this build and processor can update neurons 8 at a time (AVX2)."""
    return bool(kn_lanes_available())


def model_names():
    """Names of the neuron models the kernel implements."""
    return [_s(kn_model_at(i).name) for i in range(kn_n_models())]


def component_names():
    """Qualified names ("kind:name") of every component the kernel has."""
    return [_qualified(kn_component_at(i)) for i in range(kn_n_components())]


def model_components(model):
    """The model's components in kind order, e.g. ["membrane:lif", ...]."""
    cdef const kn_model_desc_t *desc = _model(model)
    return [_qualified(desc.components[k]) for k in range(<int>KN_N_KINDS)
            if desc.components[k] != NULL]


def model_component_kinds(model):
    """The kinds ("membrane", "synapse", ...) the model is made of, in order."""
    cdef const kn_model_desc_t *desc = _model(model)
    return [_s(kn_kind_name(<kn_kind_t>k)) for k in range(<int>KN_N_KINDS)
            if desc.components[k] != NULL]


def component_fields(component):
    """Field names of a component's struct, in order ([] if it has none)."""
    cdef const kn_component_desc_t *desc = _component(component)
    return [_s(desc.fields[i].name) for i in range(desc.n_fields)]


def component_dtype(component):
    """The numpy structured dtype matching the component's C struct, or None
    for a component without fields."""
    cdef const kn_component_desc_t *desc = _component(component)
    if desc.n_fields == 0:
        return None
    return np.dtype([(_s(desc.fields[i].name), np.int32 if desc.fields[i].is_signed
                      else np.uint32) for i in range(desc.n_fields)])


def component_size(component):
    """Bytes per neuron of the component's struct (0 if it has no fields)."""
    return _component(component).size


def model_recordables(model):
    """Analog recordable names in slot order, e.g. ["v", "gsyn_exc", "gsyn_inh"]."""
    cdef const kn_model_desc_t *desc = _model(model)
    return [_s(desc.recordables[i]) for i in range(desc.n_recordables)]


def model_n_synapse_types(model):
    return _model(model).n_synapse_types


# ---- current sources and Poisson sources: their structs ----------------------

# current source kinds, as 7.x numbers them (CurrentSourceIDs)
_CURRENT_SOURCE_KINDS = {"dc": 1, "ac": 2, "step": 3, "noisy": 4}


cdef const kn_component_desc_t *_record(str name) except NULL:
    cdef const kn_component_desc_t *desc = kn_find_record(name.encode("ascii", "replace"))
    if desc == NULL:
        raise ValueError(f"unknown struct {name!r}")
    return desc


cdef list _desc_fields(const kn_component_desc_t *desc):
    return [_s(desc.fields[i].name) for i in range(desc.n_fields)]


cdef object _desc_dtype(const kn_component_desc_t *desc):
    return np.dtype([(_s(desc.fields[i].name), np.int32 if desc.fields[i].is_signed
                      else np.uint32) for i in range(desc.n_fields)])


def _current_source_record(kind):
    if kind not in _CURRENT_SOURCE_KINDS:
        raise ValueError(f"unknown current source kind {kind!r} (known kinds: "
                         f"{', '.join(_CURRENT_SOURCE_KINDS)})")
    return f"current_source:{kind}"


def current_source_kinds():
    """The current source kinds: ["dc", "ac", "step", "noisy"]."""
    return list(_CURRENT_SOURCE_KINDS)


def current_source_fields(kind):
    """Field names of a current source's parameter/state struct, in order."""
    return _desc_fields(_record(_current_source_record(kind)))


def current_source_dtype(kind):
    """The numpy structured dtype of a current source's struct (one element
    per source)."""
    return _desc_dtype(_record(_current_source_record(kind)))


def _poisson_record(which):
    if which not in ("source", "entry"):
        raise ValueError(f"poisson struct must be 'source' or 'entry', got {which!r}")
    return f"poisson:{which}"


def poisson_fields(which="source"):
    """Field names of a Poisson source's working struct ("source") or of a
    schedule entry ("entry"), in order."""
    return _desc_fields(_record(_poisson_record(which)))


def poisson_dtype(which="source"):
    """The numpy structured dtype of a Poisson "source" or "entry" struct."""
    return _desc_dtype(_record(_poisson_record(which)))


# ---- STDP: its structs ---------------------------------------------------------

# Entries of a neuron's post-synaptic history, the sentinel entry 0 included
# (sPyNNaker's MAX_POST_SYNAPTIC_EVENTS).
STDP_HISTORY_SIZE = KN_STDP_HISTORY_SIZE

_STDP_TIMING = {"pair": 0, "nearest_pair": 1}
_STDP_WEIGHT = {"additive": 0, "multiplicative": 1}


def stdp_history_dtype():
    """One neuron's post-synaptic event history (the C kn_stdp_history_t):
    n_events (uint32, 0..15: entries after the sentinel), times (uint32[16],
    ticks; times[0] is the sentinel's, 0), traces (int32[16] holding int16
    post traces, 11 fraction bits; 0 for nearest pair).  Zeros = empty."""
    n = KN_STDP_HISTORY_SIZE
    return np.dtype([("n_events", np.uint32), ("times", np.uint32, (n,)),
                     ("traces", np.int32, (n,))])


def stdp_row_state_dtype():
    """The pre-synaptic header of one plastic row (kn_stdp_row_state_t):
    prev_time (uint32, tick of the row's last processing), prev_trace (int32
    holding the int16 pre trace, pair rule only).  Zeros = as loaded."""
    return np.dtype([("prev_time", np.uint32), ("prev_trace", np.int32)])


def stdp_timing_rules():
    return list(_STDP_TIMING)


def stdp_weight_dependences():
    return list(_STDP_WEIGHT)


if sizeof(kn_stdp_history_t) != stdp_history_dtype().itemsize \
        or sizeof(kn_stdp_row_state_t) != stdp_row_state_dtype().itemsize:
    raise ImportError("STDP struct sizes of the C kernel and the wrapper disagree")


def _exact_struct_array(arr, name, dtype):
    """A 1-D C-contiguous writeable numpy array of exactly `dtype`."""
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{name} must be a numpy structured array, got {type(arr).__name__}")
    if arr.dtype != dtype:
        raise ValueError(f"{name} must have dtype {dtype} (native byte order), got {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if not arr.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    return arr


# ---- argument checks ---------------------------------------------------------

def _int(value, name):
    """An integer argument as a Python int within int64 (C checks the limits)."""
    if isinstance(value, (float, np.floating)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise ValueError(f"{name} = {v} is out of range")
    return v


def _array(arr, name, dtype, ndim=1, writeable=False):
    """Checks an array the kernel will keep a pointer to."""
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(arr).__name__}")
    if arr.dtype != np.dtype(dtype):
        raise ValueError(f"{name} must have dtype {np.dtype(dtype)} (native byte order), "
                         f"got {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if writeable and not arr.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    return arr


def _integers(values, name, lo, hi, dtype):
    """A copy of integer values (any integer array-like), range-checked."""
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, dtype=dtype)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must contain integers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if int(arr.min()) < lo or int(arr.max()) > hi:
        raise ValueError(f"{name} must be in {lo}..{hi}, got values in "
                         f"{int(arr.min())}..{int(arr.max())}")
    return np.ascontiguousarray(arr, dtype=dtype)


def _component_array(arr, kind, component, n_atoms):
    """Checks a component struct array against the C struct."""
    return _struct_array(arr, f"components[{kind!r}]", component, component_fields(component),
                         component_size(component), n_atoms)


def _struct_array(arr, name, struct, fields, size, length, length_name="n_atoms",
                  writeable=True):
    """Checks a structured array against a C struct (fields, 4 bytes each)."""
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{name} must be a numpy structured array, got {type(arr).__name__}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.dtype.names != tuple(fields):
        raise ValueError(f"{name} must be a structured array with fields {fields} "
                         f"({struct}), got {arr.dtype.names}")
    for i, field in enumerate(fields):
        ftype, offset = arr.dtype.fields[field][:2]
        if ftype.kind not in "iu" or ftype.itemsize != 4 or not ftype.isnative \
                or offset != 4 * i:
            raise ValueError(f"{name}: field {field!r} must be a native int32 or uint32 at "
                             f"offset {4 * i}, got {ftype} at offset {offset}")
    if arr.dtype.itemsize != size:
        raise ValueError(f"{name}: itemsize {arr.dtype.itemsize}, but {struct} structs "
                         f"are {size} bytes")
    if arr.shape[0] != length:
        raise ValueError(f"{name}: length {arr.shape[0]}, expected {length_name} = {length}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if writeable and not arr.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    return arr


cdef inline void *_data(arr):
    # a checked cast: anything but an ndarray raises TypeError
    return cnp.PyArray_DATA(<cnp.ndarray?>arr)


# ---- recorded spikes ------------------------------------------------------------

cdef inline uint32_t _atom_bits(const uint32_t[:, ::1] buffer, Py_ssize_t r, Py_ssize_t w,
                                uint32_t pad_mask) noexcept nogil:
    """Word w of tick row r, without the padding bits of the last word."""
    return buffer[r, w] & pad_mask if w == buffer.shape[1] - 1 else buffer[r, w]


def spike_bitfield_events(const uint32_t[:, ::1] buffer not None, int64_t n_atoms,
                          int64_t first_tick, int64_t first_atom):
    """The spikes of a filled spike-recording buffer (one row of 32-bit words per tick, bit
    b of word w = atom 32 w + b) as (ticks, atoms), int64, in tick then atom order, tick
    row r being first_tick + r and atom a first_atom + a; bits at or beyond n_atoms (the
    padding of the last word) are ignored."""
    cdef Py_ssize_t n_rows = buffer.shape[0], n_words = buffer.shape[1], r, w
    cdef int64_t total = 0, at = 0, atom
    cdef uint32_t word, pad_mask = 0xFFFFFFFF
    if n_atoms < 0 or n_atoms > 32 * n_words:
        raise ValueError(f"spike_bitfield_events: n_atoms = {n_atoms} does not fit "
                         f"{n_words} words per tick")
    if n_words and n_atoms < 32 * n_words and n_atoms % 32:
        pad_mask = (1u << (n_atoms % 32)) - 1u
    with nogil:
        for r in range(n_rows):
            for w in range(n_words):
                total += __builtin_popcount(_atom_bits(buffer, r, w, pad_mask))
    ticks_arr = np.empty(total, dtype=np.int64)
    atoms_arr = np.empty(total, dtype=np.int64)
    cdef int64_t[::1] ticks = ticks_arr
    cdef int64_t[::1] atoms = atoms_arr
    with nogil:
        for r in range(n_rows):
            for w in range(n_words):
                word = _atom_bits(buffer, r, w, pad_mask)
                while word:
                    atom = 32 * w + __builtin_ctz(word)
                    ticks[at] = first_tick + r
                    atoms[at] = first_atom + atom
                    at += 1
                    word &= word - 1
    return ticks_arr, atoms_arr


# ---- load counters -------------------------------------------------------------

# Per core kind, the load counters load_counters() reports: (name, C counter,
# has a per-tick maximum).  A delay core's KN_LOAD_SPIKES_OUT is its packets sent.
_LOAD_KEYS = {
    "neuron": (("ticks", KN_LOAD_TICKS, False),
               ("neuron_updates", KN_LOAD_NEURON_UPDATES, True),
               ("spikes_in", KN_LOAD_SPIKES_IN, True),
               ("rows", KN_LOAD_ROWS, True),
               ("synaptic_events", KN_LOAD_SYNAPTIC_EVENTS, True),
               ("plastic_events", KN_LOAD_PLASTIC_EVENTS, True),
               ("synaptic_plus_plastic_events", KN_LOAD_ALL_EVENTS, True),
               ("spikes_out", KN_LOAD_SPIKES_OUT, True)),
    "spike_array": (("ticks", KN_LOAD_TICKS, False),
                    ("spikes_out", KN_LOAD_SPIKES_OUT, True)),
    "poisson": (("ticks", KN_LOAD_TICKS, False),
                ("spikes_out", KN_LOAD_SPIKES_OUT, True)),
    "delay": (("ticks", KN_LOAD_TICKS, False),
              ("packets_in", KN_LOAD_PACKETS_IN, True),
              ("packets_out", KN_LOAD_SPIKES_OUT, True)),
}


# ---- the network ---------------------------------------------------------------

cdef class Network:
    """A set of cores and their synaptic rows, run by the C time loop.

    Network(n_threads=0): n_threads is the number of OpenMP threads for run()
    (0: the OpenMP default).  Results never depend on it.
    """
    cdef kn_network_t *net
    cdef list _arrays          # every array C points into, kept alive
    cdef list _models          # per core: model name, or None for a source
    cdef list _kinds           # per core: "neuron", "spike_array", "poisson" or "delay"
    cdef dict _recording       # core -> arrays of its current recording
    cdef list _plastic         # (array, description): what plastic blocks write
    cdef dict _histories       # neuron core -> its STDP history array
    cdef object _tick
    cdef bint _running

    def __cinit__(self, *args, **kwargs):
        self.net = kn_network_new()
        if self.net == NULL:
            raise MemoryError()
        self._arrays = []
        self._models = []
        self._kinds = []
        self._recording = {}
        self._plastic = []
        self._histories = {}
        self._tick = 0
        self._running = False

    def __init__(self, n_threads=0):
        self.n_threads = n_threads

    def __dealloc__(self):
        kn_network_free(self.net)

    cdef _fail(self):
        raise ValueError(_s(kn_error(self.net)))

    cdef _check_idle(self):
        # run() releases the GIL: another Python thread must not change the
        # network (or run it) meanwhile
        if self._running:
            raise RuntimeError("the network is running (in another thread)")

    @property
    def n_threads(self):
        return self.net.n_threads

    @n_threads.setter
    def n_threads(self, value):
        self._check_idle()
        v = _int(value, "n_threads")
        if not 0 <= v <= 4096:
            raise ValueError(f"n_threads = {v} must be in 0..4096 (0: OpenMP default)")
        self.net.n_threads = v

    @property
    def neuron_lanes(self):
        """True (default): neuron cores whose model has a vectorised update
        (8 neurons at a time, AVX2) use it when the processor has AVX2.  The
        results are the same bits either way; False forces the scalar loop."""
        return bool(self.net.neuron_lanes)

    @neuron_lanes.setter
    def neuron_lanes(self, value):
        self._check_idle()
        self.net.neuron_lanes = 1 if value else 0

    def uses_lanes(self, core):
        """Whether neuron core `core` ran its vectorised update in the last run()."""
        c = self._core_id(core)
        cdef int used = kn_core_uses_lanes(self.net, c)
        if used < 0:
            raise ValueError(f"core {c} is a {self._kinds[c]} core, not a neuron core")
        return bool(used)

    @property
    def n_cores(self):
        return len(self._models)

    @property
    def tick(self):
        """The first tick not yet run by the last run() (if run() was
        interrupted, the tick boundary it stopped at)."""
        return self._tick

    def add_neuron_core(self, model, n_atoms, n_synapse_types, index_bits, type_bits,
                        delay_bits, shifts, components, ring):
        """Adds a neuron core; returns its id.

        shifts: n_synapse_types integers in 0..16 (copied).
        components: {"membrane": arr, "synapse": arr, "input": arr or None,
            "threshold": arr}: numpy structured arrays (C-contiguous, writeable,
            n_atoms long, the fields of component_fields() in order, 4 bytes
            each); None (or absent) for components without fields.
        ring: uint16, (1 << delay_bits) << (type_bits + index_bits) entries,
            C-contiguous, writeable.
        """
        cdef const kn_model_desc_t *desc = _model(model)
        cdef kn_array_t arrays[5]
        self._check_idle()
        n = _int(n_atoms, "n_atoms")
        n_types = _int(n_synapse_types, "n_synapse_types")
        bits = [_int(index_bits, "index_bits"), _int(type_bits, "type_bits"),
                _int(delay_bits, "delay_bits")]
        shift_values = _integers(shifts, "shifts", 0, 16, np.int64)

        if not isinstance(components, dict):
            raise ValueError(f"components must be a dict {{kind: array}}, got "
                             f"{type(components).__name__}")
        kinds = model_component_kinds(model)
        unknown = set(components) - set(kinds)
        if unknown:
            raise ValueError(f"components has unknown keys {sorted(map(str, unknown))}; "
                             f"model {model!r} is made of {kinds}")
        kept = [ring]
        for k in range(<int>KN_N_KINDS):
            arrays[k].data = NULL
            arrays[k].length = 0
            arrays[k].itemsize = 0
            if desc.components[k] == NULL:
                continue
            kind = _s(kn_kind_name(<kn_kind_t>k))
            component = _qualified(desc.components[k])
            arr = components.get(kind)
            if desc.components[k].size == 0:
                if arr is not None:
                    raise ValueError(f"components[{kind!r}]: {component} has no fields, "
                                     f"pass None")
                continue
            if arr is None:
                raise ValueError(f"components[{kind!r}] ({component}) is missing")
            _component_array(arr, kind, component, n)
            arrays[k].data = _data(arr)
            arrays[k].length = arr.shape[0]
            arrays[k].itemsize = arr.dtype.itemsize
            kept.append(arr)
        _array(ring, "ring", np.uint16, writeable=True)

        core = kn_add_neuron_core(self.net, model.encode("ascii"), n, n_types, bits[0],
                                  bits[1], bits[2], <const int64_t *>_data(shift_values),
                                  shift_values.shape[0], arrays,
                                  <uint16_t *>_data(ring), ring.shape[0])
        if core < 0:
            self._fail()
        self._arrays.extend(kept)
        self._models.append(model)
        self._kinds.append("neuron")
        return core

    def add_spike_array_core(self, n_atoms, ticks, indices):
        """Adds a spike-source-array core; returns its id.  ticks and indices
        (integers, copied) list the events, sorted by tick; an index listed k
        times in one tick is emitted k times (its row is processed k times)."""
        self._check_idle()
        n = _int(n_atoms, "n_atoms")
        t = _integers(ticks, "ticks", 0, 0xFFFFFFFF, np.uint32)
        i = _integers(indices, "indices", 0, 0xFFFFFFFF, np.uint32)
        if t.shape[0] != i.shape[0]:
            raise ValueError(f"ticks and indices must have the same length, got "
                             f"{t.shape[0]} and {i.shape[0]}")
        core = kn_add_spike_array_core(self.net, n, <const uint32_t *>_data(t),
                                       <const uint32_t *>_data(i), t.shape[0])
        if core < 0:
            self._fail()
        self._models.append(None)
        self._kinds.append("spike_array")
        return core

    def add_current_source(self, core, kind, params, neuron_indices, times=None,
                           amplitudes=None):
        """Injects a current source into neurons of neuron core `core`; returns
        its index among the core's sources.

        kind: "dc", "ac", "step" or "noisy".
        params: numpy structured array of current_source_dtype(kind), length 1,
            C-contiguous, writeable; the kernel keeps a pointer (state fields:
            step index/amp_last, noisy rng_*, are updated in place).
        neuron_indices: distinct integers in 0..n_atoms-1 (copied).
        times, amplitudes: step sources only: uint32 ticks and int32 s1615
            amplitudes of equal length (kept by pointer, read only).
        """
        self._check_idle()
        c = self._core_id(core)
        if not isinstance(kind, str) or kind not in _CURRENT_SOURCE_KINDS:
            raise ValueError(f"unknown current source kind {kind!r} (known kinds: "
                             f"{', '.join(_CURRENT_SOURCE_KINDS)})")
        struct = _current_source_record(kind)
        _struct_array(params, "params", struct, current_source_fields(kind),
                      current_source_dtype(kind).itemsize, 1, length_name="one source")
        neurons = _integers(neuron_indices, "neuron_indices", 0, _INT64_MAX, np.int64)
        kept = [params]
        cdef const uint32_t *times_data = NULL
        cdef const int32_t *amps_data = NULL
        cdef size_t step_len = 0
        if kind == "step":
            if times is None or amplitudes is None:
                raise ValueError("a step source needs times and amplitudes")
            _array(times, "times", np.uint32)
            _array(amplitudes, "amplitudes", np.int32)
            if times.shape[0] != amplitudes.shape[0]:
                raise ValueError(f"times and amplitudes must have the same length, got "
                                 f"{times.shape[0]} and {amplitudes.shape[0]}")
            step_len = times.shape[0]
            if step_len:
                times_data = <const uint32_t *>_data(times)
                amps_data = <const int32_t *>_data(amplitudes)
            kept.extend([times, amplitudes])
        elif times is not None or amplitudes is not None:
            raise ValueError(f"times/amplitudes are only for step sources, not {kind!r}")
        index = kn_add_current_source(self.net, c, _CURRENT_SOURCE_KINDS[kind], _data(params),
                                      params.dtype.itemsize, <const int64_t *>_data(neurons),
                                      neurons.shape[0], times_data, amps_data, step_len)
        if index < 0:
            self._fail()
        self._arrays.extend(kept)
        return index

    def add_poisson_core(self, n_atoms, rng, sources, schedule_offsets=None, schedule=None):
        """Adds a SpikeSourcePoisson core (5.x/6.x arithmetic); returns its id.

        rng: uint32[4], the KISS state x, y, z, c (kept, updated in place).
        sources: structured array of poisson_dtype("source"), n_atoms long,
            C-contiguous, writeable: each source's current rate entry and state
            (kept, updated in place).
        schedule_offsets, schedule (SpikeSourcePoissonVariable; both or
            neither): uint32[n_atoms + 1] and a structured array of
            poisson_dtype("entry"); source s's entries are
            schedule[schedule_offsets[s]:schedule_offsets[s + 1]] (at least
            one), sources[s].rate_index is the entry in use (kept, read only).
        """
        self._check_idle()
        n = _int(n_atoms, "n_atoms")
        _array(rng, "rng", np.uint32, writeable=True)
        _struct_array(sources, "sources", "poisson:source", poisson_fields("source"),
                      poisson_dtype("source").itemsize, sources.shape[0]
                      if isinstance(sources, np.ndarray) and sources.ndim == 1 else -1)
        kept = [rng, sources]
        cdef const uint32_t *offsets_data = NULL
        cdef const kn_poisson_entry_t *schedule_data = NULL
        cdef size_t n_offsets = 0, n_schedule = 0
        if (schedule_offsets is None) != (schedule is None):
            raise ValueError("schedule_offsets and schedule must be given together")
        if schedule is not None:
            _array(schedule_offsets, "schedule_offsets", np.uint32)
            _struct_array(schedule, "schedule", "poisson:entry", poisson_fields("entry"),
                          poisson_dtype("entry").itemsize, schedule.shape[0]
                          if isinstance(schedule, np.ndarray) and schedule.ndim == 1 else -1,
                          writeable=False)
            n_offsets = schedule_offsets.shape[0]
            n_schedule = schedule.shape[0]
            offsets_data = <const uint32_t *>_data(schedule_offsets)
            schedule_data = <const kn_poisson_entry_t *>_data(schedule)
            kept.extend([schedule_offsets, schedule])
        core = kn_add_poisson_core(self.net, n, <uint32_t *>_data(rng), rng.shape[0],
                                   <kn_poisson_source_t *>_data(sources), sources.shape[0],
                                   offsets_data, n_offsets, schedule_data, n_schedule)
        if core < 0:
            self._fail()
        self._arrays.extend(kept)
        self._models.append(None)
        self._kinds.append("poisson")
        return core

    def add_delay_core(self, source, n_atoms, n_stages, stage_length, counters):
        """Adds a delay-extension core serving core `source` (a neuron,
        spike-array or Poisson core with the same n_atoms); returns its id.

        It re-sends each spike of source atom i n_stages times, stage k
        (1..n_stages) k * stage_length ticks later with key
        (k - 1) * n_atoms + i, so add_incoming(target, this core, ...) takes
        n_stages * n_atoms + 1 row offsets.
        counters: uint8 [n_slots, n_atoms], n_slots a power of two
            > n_stages * stage_length, C-contiguous, writeable: the spike
            counters (state, kept, updated in place; zero it to reset).
        """
        self._check_idle()
        src = _int(source, "source")
        n = _int(n_atoms, "n_atoms")
        stages = _int(n_stages, "n_stages")
        length = _int(stage_length, "stage_length")
        _array(counters, "counters", np.uint8, ndim=2, writeable=True)
        core = kn_add_delay_core(self.net, src, n, stages, length,
                                 <uint8_t *>_data(counters), counters.shape[0],
                                 counters.shape[1])
        if core < 0:
            self._fail()
        self._arrays.append(counters)
        self._models.append(None)
        self._kinds.append("delay")
        return core

    def poisson_load(self, core, resume=False):
        """What a 6.x Poisson core does when it (re)loads its parameters: each
        slow source (is_fast == 0), in index order, whose time_to_spike is 0
        draws one from the core's generator.  resume=True does that pass twice
        (6.x resume_callback: read_rates and then its own loop)."""
        self._check_idle()
        if kn_poisson_load(self.net, _int(core, "core"), 1 if resume else 0) < 0:
            self._fail()

    def poisson_draw_isi(self, core, source):
        """sources[source].time_to_spike = a fresh ISI (1/1000 ticks) for its
        mean_isi_ticks, from the core's generator."""
        self._check_idle()
        if kn_poisson_draw_isi(self.net, _int(core, "core"), _int(source, "source")) < 0:
            self._fail()

    def _core_id(self, core):
        c = _int(core, "core")
        if not 0 <= c < len(self._models):
            raise ValueError(f"core: core id {c} out of range (the network has "
                             f"{len(self._models)} cores)")
        return c

    def add_incoming(self, target, source, row_offsets, words):
        """Adds the synaptic rows of `source` for neuron core `target`:
        row k (spikes with key k: source atom k; for a delay core, atom
        k % n_atoms at stage k // n_atoms + 1) is
        words[row_offsets[k]:row_offsets[k + 1]] (both uint32, C-contiguous;
        n_keys + 1 offsets).  Blocks are processed in the order added."""
        self._check_idle()
        tgt = _int(target, "target")
        src = _int(source, "source")
        _array(row_offsets, "row_offsets", np.uint32)
        _array(words, "words", np.uint32)
        if kn_add_incoming(self.net, tgt, src, <const uint32_t *>_data(row_offsets),
                           row_offsets.shape[0], <const uint32_t *>_data(words),
                           words.shape[0]) < 0:
            self._fail()
        self._arrays.extend([row_offsets, words])

    def _check_not_shared(self, arrays, skip_core=None):
        """The arrays plastic rows write must not overlap each other (each is
        written by the thread of one core): `arrays` are (array, name)."""
        others = [(a, d) for a, d in self._plastic]
        others += [(a, f"the STDP history of core {c}") for c, a in self._histories.items()
                   if c != skip_core]
        for i, (arr, name) in enumerate(arrays):
            for other, desc in others + arrays[:i]:
                if np.may_share_memory(arr, other):
                    raise ValueError(f"{name} shares memory with {desc}: every array the "
                                     f"kernel writes must be separate")

    def set_plasticity(self, core, timing, weight_dependence, lut_plus, lut_minus, w_min,
                       w_max, a2_plus, a2_minus, backprop_delay, history, lut_plus_shift=0,
                       lut_minus_shift=0):
        """Gives neuron core `core` its STDP rule (profile 6, sPyNNaker
        5.x/6.x); calling it again replaces the rule and the history.

        timing: "pair" or "nearest_pair".
        weight_dependence: "additive" or "multiplicative".
        lut_plus, lut_minus: int16 values (copied, at most 65535 each):
            LUT(delta ticks) = values[delta >> shift], 0 beyond the table;
            plus decays the pre trace / gives potentiation, minus the post
            trace / depression.  lut_*_shift: 0..31 (0 for the pair rules).
        w_min, w_max, a2_plus, a2_minus: one int32 per synapse type of the
            core, in that type's ring-buffer weight units (what the 6.x host
            writes, see docs/models.md "STDP (kernel)").
        backprop_delay: bool; the dendritic delay of a synapse is its delay
            field if True, else 0.
        history: structured array of stdp_history_dtype(), n_atoms long,
            C-contiguous, writeable (kept, updated in place; zero it to reset).
        """
        self._check_idle()
        c = self._core_id(core)
        if not isinstance(timing, str) or timing not in _STDP_TIMING:
            raise ValueError(f"timing must be one of {list(_STDP_TIMING)}, got {timing!r}")
        if not isinstance(weight_dependence, str) or weight_dependence not in _STDP_WEIGHT:
            raise ValueError(f"weight_dependence must be one of {list(_STDP_WEIGHT)}, got "
                             f"{weight_dependence!r}")
        if not isinstance(backprop_delay, (bool, np.bool_)):
            raise ValueError(f"backprop_delay must be a bool, got {backprop_delay!r}")
        plus = _integers(lut_plus, "lut_plus", -(1 << 15), (1 << 15) - 1, np.int16)
        minus = _integers(lut_minus, "lut_minus", -(1 << 15), (1 << 15) - 1, np.int16)
        params = [_integers(v, name, _INT64_MIN, _INT64_MAX, np.int64) for v, name in
                  ((w_min, "w_min"), (w_max, "w_max"), (a2_plus, "a2_plus"),
                   (a2_minus, "a2_minus"))]
        n_types = params[0].shape[0]
        for p, name in zip(params, ("w_min", "w_max", "a2_plus", "a2_minus")):
            if p.shape[0] != n_types:
                raise ValueError(f"{name} has {p.shape[0]} entries but w_min has {n_types} "
                                 f"(one per synapse type)")
        _exact_struct_array(history, "history", stdp_history_dtype())
        self._check_not_shared([(history, "history")], skip_core=c)
        cdef const int16_t *plus_data = <const int16_t *>_data(plus) if plus.shape[0] else NULL
        cdef const int16_t *minus_data = \
            <const int16_t *>_data(minus) if minus.shape[0] else NULL
        if kn_set_plasticity(self.net, c, _STDP_TIMING[timing], _STDP_WEIGHT[weight_dependence],
                             plus_data, plus.shape[0], _int(lut_plus_shift, "lut_plus_shift"),
                             minus_data, minus.shape[0],
                             _int(lut_minus_shift, "lut_minus_shift"),
                             <const int64_t *>_data(params[0]),
                             <const int64_t *>_data(params[1]),
                             <const int64_t *>_data(params[2]),
                             <const int64_t *>_data(params[3]), n_types,
                             1 if backprop_delay else 0,
                             <kn_stdp_history_t *>_data(history), history.shape[0]) < 0:
            self._fail()
        self._histories[c] = history

    def add_plastic_incoming(self, target, source, row_offsets, controls, weights, row_state):
        """Adds plastic rows of `source` for neuron core `target` (which needs
        set_plasticity first).  Row k (key k, as in add_incoming) is synapses
        row_offsets[k] .. row_offsets[k + 1] - 1.

        row_offsets: uint32 [n_keys(source) + 1] (C-contiguous, may be read-only).
        controls: uint16 [n_syn], delay << (index_bits + type_bits) | type <<
            index_bits | index (a delay field of 0 means 2^delay_bits ticks
            for the ring buffer, and a dendritic delay of 0).
        weights: uint16 [n_syn], writeable: the plastic weights, updated in
            place each time their row is processed.
        row_state: structured array of stdp_row_state_dtype(), n_keys(source)
            long, writeable: each row's pre-synaptic header (zeros at load).
        Blocks, static and plastic, are processed in the order added."""
        self._check_idle()
        tgt = _int(target, "target")
        src = _int(source, "source")
        _array(row_offsets, "row_offsets", np.uint32)
        _array(controls, "controls", np.uint16)
        _array(weights, "weights", np.uint16, writeable=True)
        _exact_struct_array(row_state, "row_state", stdp_row_state_dtype())
        if weights.shape[0] != controls.shape[0]:
            raise ValueError(f"weights has {weights.shape[0]} entries, expected one per "
                             f"control ({controls.shape[0]})")
        self._check_not_shared([(weights, "weights"), (row_state, "row_state")])
        if kn_add_plastic_incoming(self.net, tgt, src, <const uint32_t *>_data(row_offsets),
                                   row_offsets.shape[0], <const uint16_t *>_data(controls),
                                   <uint16_t *>_data(weights), controls.shape[0],
                                   <kn_stdp_row_state_t *>_data(row_state),
                                   row_state.shape[0]) < 0:
            self._fail()
        self._arrays.extend([row_offsets, controls, weights, row_state])
        self._plastic.extend([(weights, f"the weights of a plastic block of core {tgt}"),
                              (row_state, f"the row_state of a plastic block of core {tgt}")])

    def set_recording(self, core, spikes=None, spikes_first_tick=0, analog=()):
        """Replaces all recording of `core`.

        spikes: None or uint32 [n_rows, ceil(n_atoms / 32)]: bit (n & 31) of
            word (n >> 5) of row t - spikes_first_tick is set (ORed) when atom n
            spikes in tick t.  Poisson cores: uint16 [n_rows, n_atoms]: row
            t - spikes_first_tick receives every source's spike count of tick t
            (all entries written, 0 included; saturating at 65535).
        analog: (slot, columns, interval, first_sample_tick, buffer) tuples:
            slot = index (or name) of the model's recordable; columns int32
            [n_atoms], -1 or the buffer column of each neuron; buffer int32
            [n_samples, n_rec]; row (t - first_sample_tick) // interval
            receives the pre-update values of tick t when that division is exact.
        Delay cores record nothing (only spikes=None and no analog are accepted).
        """
        self._check_idle()
        c = self._core_id(core)
        first = _int(spikes_first_tick, "spikes_first_tick")
        kept = []
        cdef void *spike_data = NULL
        cdef size_t spike_rows = 0, spike_words = 0
        entries = list(analog)
        if self._kinds[c] == "delay" and (spikes is not None or entries):
            raise ValueError("spikes/analog: a delay-extension core records nothing")
        if spikes is not None:
            if self._kinds[c] == "poisson":
                _array(spikes, "spikes (Poisson counts)", np.uint16, ndim=2, writeable=True)
            else:
                _array(spikes, "spikes", np.uint32, ndim=2, writeable=True)
            spike_data = _data(spikes)
            spike_rows, spike_words = spikes.shape[0], spikes.shape[1]
            kept.append(spikes)
        cdef size_t n_analog = len(entries)
        cdef kn_analog_spec_t *specs = <kn_analog_spec_t *>calloc(n_analog if n_analog > 0 else 1,
                                                                   sizeof(kn_analog_spec_t))
        if specs == NULL:
            raise MemoryError()
        try:
            for i, entry in enumerate(entries):
                kept.extend(self._analog_spec(c, i, entry, &specs[i]))
            if kn_set_recording(self.net, c, spike_data, spike_rows, spike_words, first,
                                specs, n_analog) < 0:
                self._fail()
        finally:
            free(specs)
        self._recording[c] = kept

    cdef list _analog_spec(self, int64_t core, size_t i, entry, kn_analog_spec_t *spec):
        try:
            slot, columns, interval, first_sample_tick, buffer = entry
        except (TypeError, ValueError):
            raise ValueError(f"analog[{i}] must be a tuple (slot, columns, interval, "
                             f"first_sample_tick, buffer)") from None
        model = self._models[core]
        if isinstance(slot, str):
            names = model_recordables(model) if model is not None else []
            if slot not in names:
                raise ValueError(f"analog[{i}]: unknown recordable {slot!r} (this core "
                                 f"records {names})")
            slot = names.index(slot)
        _array(columns, f"analog[{i}] columns", np.int32)
        _array(buffer, f"analog[{i}] buffer", np.int32, ndim=2, writeable=True)
        spec.slot = _int(slot, f"analog[{i}] slot")
        spec.columns = <const int32_t *>_data(columns)
        spec.n_columns_entries = columns.shape[0]
        spec.interval = _int(interval, f"analog[{i}] interval")
        spec.first_sample_tick = _int(first_sample_tick, f"analog[{i}] first_sample_tick")
        spec.buffer = <int32_t *>_data(buffer)
        spec.n_samples = buffer.shape[0]
        spec.n_rec = buffer.shape[1]
        return [columns, buffer]

    def clear_recording(self):
        """Drops every recording (the kernel forgets all recording buffers)."""
        self._check_idle()
        kn_clear_recording(self.net)
        self._recording.clear()

    def run(self, start_tick, n_ticks):
        """Runs ticks start_tick ... start_tick + n_ticks - 1, in chunks of
        RUN_CHUNK ticks without the GIL.  Ctrl-C raises KeyboardInterrupt at
        the end of a chunk; the state is then consistent at tick self.tick
        (every tick before it has been run completely)."""
        start = _int(start_tick, "start_tick")
        n = _int(n_ticks, "n_ticks")
        if kn_check_run(self.net, start, n) < 0:
            self._fail()
        self._check_idle()
        cdef int64_t tick = start
        cdef int64_t end = start + n
        cdef uint32_t chunk
        self._tick = tick
        self._running = True
        try:
            while tick < end:
                chunk = <uint32_t>min(end - tick, RUN_CHUNK)
                with nogil:
                    kn_run(self.net, <uint32_t>tick, chunk)
                tick += chunk
                self._tick = tick
                PyErr_CheckSignals()
        finally:
            self._running = False

    def saturations(self, core):
        """Ring-buffer adds of `core` that saturated at 65535 since the last
        reset; for a delay core, the spikes lost because a counter was at 255."""
        cdef uint64_t count = 0
        if kn_saturations(self.net, _int(core, "core"), &count) < 0:
            self._fail()
        return count

    def plastic_saturations(self, core):
        """The part of saturations(core) due to plastic synapses (6.0's
        separate plastic saturation count)."""
        cdef uint64_t count = 0
        if kn_plastic_saturations(self.net, _int(core, "core"), &count) < 0:
            self._fail()
        return count

    def reset_saturations(self):
        self._check_idle()
        kn_reset_saturations(self.net)

    def load_counters(self, core):
        """The work `core` did since the last reset_load_counters() (or since
        it was added), for estimating whether it would keep up on the machine:
        a dict of cumulative counts and, under "max_" + name, the largest
        value of one tick.  Keys by core kind (see csrc/README.md):

        neuron: ticks, neuron_updates, spikes_in, rows, synaptic_events,
            plastic_events, synaptic_plus_plastic_events (their sum: its
            maximum is that of the per-tick sum), spikes_out;
        spike_array, poisson: ticks, spikes_out;
        delay: ticks, packets_in, packets_out.
        """
        self._check_idle()
        c = self._core_id(core)
        cdef uint64_t total[KN_LOAD_N]
        cdef uint64_t maxima[KN_LOAD_N]
        if kn_load_counters(self.net, c, total, maxima) < 0:
            self._fail()
        out = {}
        keys = _LOAD_KEYS[self._kinds[c]]
        for name, which, has_max in keys:
            out[name] = total[which]
        for name, which, has_max in keys:
            if has_max:
                out["max_" + name] = maxima[which]
        return out

    def reset_load_counters(self):
        """Zeroes every core's load counters and their per-tick maxima."""
        self._check_idle()
        kn_reset_load_counters(self.net)
