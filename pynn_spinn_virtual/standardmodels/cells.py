"""Standard cell types, as sPyNNaker names them, built from neuron components.

Every neuron model is a composition of four components (membrane, synapse, input,
threshold) that exist both in C (``csrc/components``) and here (``components``).  The PyNN
parameter names are kept as the native names (identity translations) because the
conversion to machine words is done by the components, with the toolchain profile's rules.
"""
from pyNN.standardmodels import build_translations, cells

from ..components import CurrentInput, ExponentialSynapse, LifMembrane, StaticThreshold


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


class IF_curr_exp(NeuronModel, cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    # sPyNNaker's defaults (identical to PyNN's for this model)
    default_parameters = {
        'tau_m': 20.0, 'cm': 1.0, 'v_rest': -65.0, 'v_reset': -65.0, 'v_thresh': -50.0,
        'tau_syn_E': 5.0, 'tau_syn_I': 5.0, 'tau_refrac': 0.1, 'i_offset': 0.0,
    }
    default_initial_values = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0}
    recordable = ['spikes', 'v', 'gsyn_exc', 'gsyn_inh']
    units = dict(cells.IF_curr_exp.units, gsyn_exc='uS', gsyn_inh='uS')
    translations = _identity_translations(default_parameters)
    c_model = "if_curr_exp"
    components = (LifMembrane(), ExponentialSynapse(), CurrentInput(), StaticThreshold())


class SpikeSourceArray(SpikeSourceModel, cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = _identity_translations(cells.SpikeSourceArray.default_parameters)
    core_kind = "spike_array"


__all__ = ["IF_curr_exp", "SpikeSourceArray"]
