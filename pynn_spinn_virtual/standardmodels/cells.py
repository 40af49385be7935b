"""Standard cell types, as sPyNNaker names them, built from neuron components.

Every neuron model is a composition of four components (membrane, synapse, input,
threshold) that exist both in C (``csrc/components``) and here (``components``).  The PyNN
parameter names are kept as the native names (identity translations) because the
conversion to machine words is done by the components, with the toolchain profile's rules.
"""
from pyNN.standardmodels import build_translations, cells

import numpy as np
from pyNN.parameters import Sequence
from pyNN.standardmodels import StandardCellType

from ..components import (AlphaSynapse, Ca2AdaptiveInput, ConductanceInput, CurrentInput,
                          DeltaInput, DeltaSynapse, DualExponentialSynapse, ExponentialSynapse,
                          IzhikevichMembrane, LifMembrane, StaticThreshold)
from ..exceptions import ParameterError


def _identity_translations(parameters):
    return build_translations(*[(name, name) for name in parameters])


class NeuronModel:
    """Mixin for neuron cell types that run on a neuron core."""

    core_kind = "neuron"
    #: name of the model in the C registry
    c_model = None
    #: (membrane, synapse, input, threshold) component instances
    components = ()
    #: the recordable analog variables, in the kernel's slot order
    analog_recordables = ("v", "gsyn_exc", "gsyn_inh")

    @property
    def synapse_component(self):
        return self.components[1]

    @property
    def input_component(self):
        return self.components[2]

    @property
    def n_synapse_types(self):
        return len(self.synapse_component.receptor_types)

    @property
    def weight_scale(self):
        """The toolchain's global weight scale (1 for current, 1024 for conductance inputs)."""
        return self.input_component.weight_scale

    def pack_components(self, n, params, initial, dt_ms, profile):
        """Component name -> struct array for `n` neurons (None for field-less components)."""
        packed = {}
        for component in self.components:
            if component.fields:
                packed[component.kind] = component.pack(n, params, initial, dt_ms, profile)
            else:
                component.check(params)
                packed[component.kind] = None
        return packed

    def check_parameters(self, params):
        for component in self.components:
            component.check(params)


class SpikeSourceModel:
    """Mixin for spike sources (no neuron state, no incoming synapses)."""
    core_kind = "source"
    analog_recordables = ()
    components = ()

    def check_parameters(self, params):
        pass


def _lif_defaults(**extra):
    """sPyNNaker's LIF defaults (identical to PyNN's), plus model-specific parameters."""
    defaults = {'tau_m': 20.0, 'cm': 1.0, 'v_rest': -65.0, 'v_reset': -65.0, 'v_thresh': -50.0,
                'tau_syn_E': 5.0, 'tau_syn_I': 5.0, 'tau_refrac': 0.1, 'i_offset': 0.0}
    defaults.update(extra)
    return defaults


_GSYN_UNITS = {'gsyn_exc': 'uS', 'gsyn_inh': 'uS'}
_RECORDABLE = ['spikes', 'v', 'gsyn_exc', 'gsyn_inh']


class IF_curr_exp(NeuronModel, cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    default_parameters = _lif_defaults()
    default_initial_values = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0}
    recordable = _RECORDABLE
    units = dict(cells.IF_curr_exp.units, **_GSYN_UNITS)
    translations = _identity_translations(default_parameters)
    c_model = "if_curr_exp"
    components = (LifMembrane(), ExponentialSynapse(), CurrentInput(), StaticThreshold())


class IF_cond_exp(NeuronModel, cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    default_parameters = _lif_defaults(e_rev_E=0.0, e_rev_I=-70.0)
    # sPyNNaker's names; the values are written unscaled (x/1024 uS on the machine)
    default_initial_values = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0}
    recordable = _RECORDABLE
    units = dict(cells.IF_cond_exp.units, isyn_exc='uS', isyn_inh='uS', **_GSYN_UNITS)
    translations = _identity_translations(default_parameters)
    c_model = "if_cond_exp"
    components = (LifMembrane(), ExponentialSynapse(), ConductanceInput(), StaticThreshold())


class IF_curr_alpha(NeuronModel, cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    default_parameters = _lif_defaults(tau_syn_E=0.5, tau_syn_I=0.5)
    # sPyNNaker's state names: the synaptic input is response x exp_response
    default_initial_values = {'v': -65.0, 'exc_response': 0.0, 'exc_exp_response': 0.0,
                              'inh_response': 0.0, 'inh_exp_response': 0.0}
    recordable = _RECORDABLE
    units = dict(cells.IF_curr_alpha.units, exc_response='nA', exc_exp_response='',
                 inh_response='nA', inh_exp_response='', **_GSYN_UNITS)
    translations = _identity_translations(default_parameters)
    c_model = "if_curr_alpha"
    components = (LifMembrane(), AlphaSynapse(), CurrentInput(), StaticThreshold())


class IF_curr_delta(NeuronModel, cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    default_parameters = {k: v for k, v in _lif_defaults().items()
                          if k not in ('tau_syn_E', 'tau_syn_I')}
    default_initial_values = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0}
    recordable = _RECORDABLE
    units = dict(cells.IF_curr_delta.units, isyn_exc='nA', isyn_inh='nA', **_GSYN_UNITS)
    translations = _identity_translations(default_parameters)
    c_model = "if_curr_delta"
    components = (LifMembrane(), DeltaSynapse(), DeltaInput(), StaticThreshold())


class Izhikevich(NeuronModel, cells.Izhikevich):
    __doc__ = cells.Izhikevich.__doc__
    default_parameters = {'a': 0.02, 'b': 0.2, 'c': -65.0, 'd': 2.0, 'i_offset': 0.0,
                          'tau_syn_E': 5.0, 'tau_syn_I': 5.0}
    default_initial_values = {'v': -70.0, 'u': -14.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0}
    recordable = _RECORDABLE
    units = dict(cells.Izhikevich.units, tau_syn_E='ms', tau_syn_I='ms', isyn_exc='nA',
                 isyn_inh='nA', **_GSYN_UNITS)
    translations = _identity_translations(default_parameters)
    c_model = "izhikevich"
    components = (IzhikevichMembrane(), ExponentialSynapse(), CurrentInput(),
                  StaticThreshold(constant=30.0))


class Izhikevich_cond(Izhikevich):
    """Izhikevich neuron with exponentially decaying conductances (sPyNNaker extra model)."""
    default_parameters = dict(Izhikevich.default_parameters, e_rev_E=0.0, e_rev_I=-70.0)
    units = dict(Izhikevich.units, e_rev_E='mV', e_rev_I='mV', isyn_exc='uS', isyn_inh='uS')
    translations = _identity_translations(default_parameters)
    conductance_based = True
    c_model = "izhikevich_cond"
    components = (IzhikevichMembrane(), ExponentialSynapse(), ConductanceInput(),
                  StaticThreshold(constant=30.0))


class IFCurrExpCa2Adaptive(NeuronModel, StandardCellType):
    """IF_curr_exp with a calcium-activated adaptation current (sPyNNaker extra model)."""
    default_parameters = _lif_defaults(tau_ca2=50.0, i_alpha=0.1)
    default_initial_values = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0, 'i_ca2': 0.0}
    recordable = _RECORDABLE
    units = dict(IF_curr_exp.units, tau_ca2='ms', i_alpha='nA', i_ca2='nA')
    translations = _identity_translations(default_parameters)
    conductance_based = False
    c_model = "if_curr_exp_ca2_adaptive"
    components = (LifMembrane(), ExponentialSynapse(), CurrentInput(), StaticThreshold(),
                  Ca2AdaptiveInput())


class IF_curr_dual_exp(NeuronModel, StandardCellType):
    """IF_curr_exp with two excitatory receptors ("excitatory", "excitatory2") (extra model)."""
    default_parameters = _lif_defaults(tau_syn_E2=5.0)
    default_initial_values = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_exc2': 0.0, 'isyn_inh': 0.0}
    recordable = _RECORDABLE
    receptor_types = ("excitatory", "excitatory2", "inhibitory")
    units = dict(IF_curr_exp.units, tau_syn_E2='ms', isyn_exc2='nA')
    translations = _identity_translations(default_parameters)
    conductance_based = False
    c_model = "if_curr_dual_exp"
    components = (LifMembrane(), DualExponentialSynapse(), CurrentInput(), StaticThreshold())


class SpikeSourceArray(SpikeSourceModel, cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = _identity_translations(cells.SpikeSourceArray.default_parameters)
    core_kind = "spike_array"


class SpikeSourcePoisson(SpikeSourceModel, cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = _identity_translations(cells.SpikeSourcePoisson.default_parameters)
    core_kind = "poisson"

    def check_parameters(self, params):
        _check_poisson(params["rate"], params["start"], params["duration"])


class SpikeSourcePoissonVariable(SpikeSourceModel, StandardCellType):
    """Poisson source whose rate follows a schedule: rates[i] from starts[i] for durations[i] ms."""
    default_parameters = {'rates': Sequence([]), 'starts': Sequence([]), 'durations': Sequence([])}
    recordable = ['spikes']
    injectable = False
    receptor_types = ()
    units = {'rates': 'Hz', 'starts': 'ms', 'durations': 'ms'}
    translations = _identity_translations(default_parameters)
    core_kind = "poisson"

    def check_parameters(self, params):
        for k, (rates, starts, durations) in enumerate(zip(params["rates"], params["starts"],
                                                           params["durations"])):
            rates, starts = _values(rates), _values(starts)
            durations = _values(durations)
            if len(rates) != len(starts) or (len(durations) and len(durations) != len(rates)):
                raise ParameterError(f"source {k}: rates, starts and durations must have the "
                                     f"same length")
            if len(starts) and np.any(np.diff(starts) < 0):
                raise ParameterError(f"source {k}: starts must be sorted")
            _check_poisson(rates, starts, durations if len(durations) else None)


def _values(sequence):
    return np.asarray(sequence.value if hasattr(sequence, "value") else sequence,
                      dtype=float).ravel()


def _check_poisson(rate, start, duration):
    rate = np.asarray(rate, dtype=float)
    if np.any(~np.isfinite(rate)) or np.any(rate < 0):
        raise ParameterError(f"rate must be a finite number of Hz >= 0 (got {rate.min()})")
    if np.any(np.asarray(start, dtype=float) < 0):
        raise ParameterError("start must be >= 0 ms")
    if duration is not None and np.any(np.asarray(duration, dtype=float) < 0):
        raise ParameterError("duration must be >= 0 ms")


# The PyNN 0.7 names the toolchain still accepts
IZK_curr_exp = Izhikevich
IZK_cond_exp = Izhikevich_cond
IF_curr_exp_ca2_adaptive = IFCurrExpCa2Adaptive

__all__ = ["IF_curr_exp", "IF_cond_exp", "IF_curr_alpha", "IF_curr_delta", "Izhikevich",
           "SpikeSourceArray", "SpikeSourcePoisson"]
EXTRA_MODELS = ["Izhikevich_cond", "IFCurrExpCa2Adaptive", "IF_curr_dual_exp",
                "SpikeSourcePoissonVariable", "IZK_cond_exp", "IF_curr_exp_ca2_adaptive"]
