"""Synapse types."""
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
