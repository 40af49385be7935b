"""Synapse types: static synapses and SpiNNaker's STDP rules."""
import math

import numpy as np
from pyNN.standardmodels import build_translations, synapses


class StaticSynapse(synapses.StaticSynapse):
    """Fixed weight and delay.

    Unlike PyNN's own StaticSynapse there is no sign check: like sPyNNaker, the machine
    stores the magnitude |w| of each weight on the projection's receptor, so scripts that
    give positive inhibitory weights (the SpiNNaker convention) and scripts that give
    negative ones (the PyNN convention for current-based synapses) both work.
    """
    translations = build_translations(('weight', 'weight'), ('delay', 'delay'))
    parameter_checks = {}

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay


class STDPMechanism(synapses.STDPMechanism):
    """Spike-timing-dependent plasticity as SpiNNaker computes it (kernel spec §6).

    The machine keeps 16-bit weights, 11-bit traces and lookup-table exponentials, and updates
    a weight only when a pre-synaptic spike arrives.  `backprop_delay` (sPyNNaker's extra
    argument, default True) makes post-synaptic spikes reach the synapse after the synapse's
    delay.  Voltage dependence is not available on SpiNNaker.
    """
    __doc__ = synapses.STDPMechanism.__doc__ + (__doc__ or "")
    base_translations = build_translations(
        ('weight', 'weight'), ('delay', 'delay'),
        ('dendritic_delay_fraction', 'dendritic_delay_fraction'))
    parameter_checks = {}      # magnitudes on any receptor, as for StaticSynapse

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None, pad_to_length=None,
                 backprop_delay=True):
        if voltage_dependence is not None:
            raise NotImplementedError("voltage-dependent STDP is not supported on SpiNNaker")
        for part, kind in ((timing_dependence, "timing"), (weight_dependence, "weight")):
            if part is None or not hasattr(part, "kernel_name"):
                raise NotImplementedError(
                    f"STDPMechanism needs a {kind} dependence SpiNNaker supports "
                    f"(got {type(part).__name__})")
        super().__init__(timing_dependence, weight_dependence, None, dendritic_delay_fraction,
                         weight, delay)
        self.backprop_delay = bool(backprop_delay)
        self._check_rule()

    #: entries of an STDP exponential lookup table that fit a core's 64 KiB DTCM (int16)
    MAX_LUT_ENTRIES = 32768

    def _check_rule(self):
        """Refuse what the machine's tables and words cannot hold, naming the rule and the
        parameter (NaN, infinite or non-positive time constants, lookup tables longer than
        a core's memory; found by tests/test_fuzz_networks.py: they crashed with
        ZeroDivisionError, MemoryError or a NaN cast at the first run)."""
        from .. import simulator
        from ..exceptions import ParameterError
        dt = simulator.state.dt
        for component in (self.timing_dependence, self.weight_dependence):
            rule = type(component).__name__
            for name, value in _values(component):
                if not math.isfinite(value):
                    raise ParameterError(f"{rule}: {name} = {value} must be a finite number")
                if name.startswith("tau_"):
                    if value <= 0:
                        raise ParameterError(f"{rule}: {name} = {value} ms must be > 0")
                    entries = math.log(2048) * value / dt
                    if entries > self.MAX_LUT_ENTRIES:
                        raise ParameterError(
                            f"{rule}: {name} = {value:g} ms needs an exponential lookup table "
                            f"of {entries:.3g} entries at dt = {dt:g} ms; a SpiNNaker core "
                            f"holds at most {self.MAX_LUT_ENTRIES} (tau <= "
                            f"{self.MAX_LUT_ENTRIES * dt / math.log(2048):.0f} ms)")

    def _build_translations(self):
        # PyNN updates the class's dict in place; each mechanism gets its own copy here
        self.translations = dict(self.base_translations)
        for component in (self.timing_dependence, self.weight_dependence):
            self.translations.update(component.translations)

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay

    def same_rule_as(self, other):
        """sPyNNaker allows one STDP rule per post-synaptic population."""
        def key(mechanism):
            t, w = mechanism.timing_dependence, mechanism.weight_dependence
            return (type(t), _values(t), type(w), _values(w), mechanism.backprop_delay)
        return key(self) == key(other)


def _values(component):
    """(name, value) of a plasticity component's parameters (scalars on SpiNNaker)."""
    values = []
    for name, value in component.parameter_space.items():
        base = value.base_value if hasattr(value, "base_value") else value
        if np.ndim(base) != 0 or not np.isreal(base):
            raise NotImplementedError(f"{type(component).__name__}: {name} must be a single "
                                      f"number on SpiNNaker (one rule per population)")
        values.append((name, float(base)))
    return tuple(sorted(values))


def _identity(parameters):
    return build_translations(*[(name, name) for name in parameters])


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = _identity(synapses.SpikePairRule.default_parameters)
    kernel_name = "pair"


class SpikeNearestPairRule(synapses.STDPTimingDependence):
    """Nearest-neighbour spike pairing (sPyNNaker extra model): no traces, each pre spike
    pairs with the nearest post spike and vice versa."""
    default_parameters = dict(synapses.SpikePairRule.default_parameters)
    translations = _identity(default_parameters)
    kernel_name = "nearest_pair"

    def __init__(self, tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.01):
        super().__init__(tau_plus=tau_plus, tau_minus=tau_minus, A_plus=A_plus, A_minus=A_minus)


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = _identity(synapses.AdditiveWeightDependence.default_parameters)
    kernel_name = "additive"


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = _identity(synapses.MultiplicativeWeightDependence.default_parameters)
    kernel_name = "multiplicative"
