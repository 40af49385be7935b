"""Shared machinery of the neuron components."""
import functools
from typing import NamedTuple

import numpy as np

from .. import fixedpoint
from ..exceptions import ParameterError

S1615 = "s1615"   # signed 16.15 fixed point in an int32
U032 = "u032"     # unsigned 0.32 fraction in a uint32
INT32 = "int32"   # plain integer (timers, tick counts)

_NUMPY_TYPE = {S1615: np.int32, U032: np.uint32, INT32: np.int32}


@functools.lru_cache(maxsize=None)
def _struct_dtype(fields):
    """The numpy dtype of a component's struct (made once: the mapper asks per core)."""
    return np.dtype([(f.name, _NUMPY_TYPE[f.kind]) for f in fields])


class Field(NamedTuple):
    """One 32-bit word of a component's struct."""
    name: str
    kind: str          # S1615, U032 or INT32
    state: bool = False  # True: a state variable, re-initialised on reset()


class Component:
    """Base class: a C component described from Python.

    Subclasses set ``kind`` ("membrane", "synapse", "input", "threshold"), ``c_name``
    (the name in the C registry), ``fields`` (struct order) and implement
    :meth:`parameter_words` and :meth:`state_words`.
    """

    kind = None
    c_name = None
    fields = ()
    #: PyNN parameters that must be strictly positive / non-negative
    positive = ()
    non_negative = ()
    #: PyNN state variable name -> field holding it
    state_fields = {}

    @property
    def registry_name(self):
        return f"{self.kind}:{self.c_name}"

    def dtype(self):
        return _struct_dtype(tuple(self.fields))

    def check(self, params):
        """Raise ParameterError for values the model cannot use (e.g. tau <= 0)."""
        for name in self.positive:
            values = np.asarray(params[name], dtype=float)
            bad = ~(values > 0)
            if bad.any():
                raise ParameterError(
                    f"{name} must be > 0 (got {values[bad].flat[0]!r})")
        for name in self.non_negative:
            values = np.asarray(params[name], dtype=float)
            bad = ~(values >= 0)
            if bad.any():
                raise ParameterError(
                    f"{name} must be >= 0 (got {values[bad].flat[0]!r})")

    def pack(self, n, params, initial, dt_ms, profile):
        """Build the struct array of `n` neurons from PyNN parameters and initial values."""
        self.check(params)
        words = dict(self.parameter_words(params, dt_ms, profile))
        words.update(self.state_words(initial))
        array = np.zeros(n, dtype=self.dtype())
        for field in self.fields:
            array[field.name] = self._checked_word(field, words[field.name])
        return array

    @staticmethod
    def _checked_word(field, value):
        """Integer fields (timers, tick counts) must fit their int32 word, never wrap."""
        if field.kind == INT32:
            values = np.asarray(value)
            if np.any(values > np.iinfo(np.int32).max) or np.any(values < np.iinfo(np.int32).min):
                raise ParameterError(f"{field.name} = {values.max()} does not fit the machine's "
                                     f"32-bit word")
        return value

    def reset_state(self, array, initial):
        """Write the initial values into the state fields of an existing struct array."""
        for name, value in self.state_words(initial).items():
            array[name] = value

    def update_parameters(self, array, params, dt_ms, profile):
        """Rewrite the parameter fields (state untouched), e.g. after Population.set()."""
        self.check(params)
        kinds = {f.name: f for f in self.fields}
        for name, value in self.parameter_words(params, dt_ms, profile).items():
            array[name] = self._checked_word(kinds[name], value)

    def write_state_variable(self, array, variable, values):
        """Overwrite one PyNN state variable (e.g. Population.initialize() between runs)."""
        array[self.state_fields[variable]] = fixedpoint.encode_s1615(values)

    def read_state(self, array, variable):
        """Current value of a PyNN state variable held by this component, as floats."""
        field = self.state_fields[variable]
        return fixedpoint.decode_s1615(array[field])

    # -- to implement ----------------------------------------------------------------
    def parameter_words(self, params, dt_ms, profile):
        """Field name -> words, for the parameter fields."""
        return {}

    def state_words(self, initial):
        """Field name -> words, for the state fields, from PyNN initial values."""
        return {}
