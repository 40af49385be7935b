"""Bad parameters of every model and source give clear errors naming the population."""
import numpy as np
import pytest

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.exceptions import ConfigurationError, ParameterError

pytestmark = pytest.mark.usefixtures("simulation")

LIF_MODELS = [sim.IF_curr_exp, sim.IF_cond_exp, sim.IF_curr_alpha, sim.IF_curr_delta,
              sim.extra_models.IFCurrExpCa2Adaptive, sim.extra_models.IF_curr_dual_exp]


@pytest.mark.parametrize("model", LIF_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("name, value, message", [
    ("tau_m", -5.0, "tau_m must be > 0"), ("cm", 0.0, "cm must be > 0"),
    ("tau_refrac", -1.0, "tau_refrac must be >= 0")])
def test_lif_family_refuses_bad_membrane_parameters(model, name, value, message):
    with pytest.raises(ParameterError, match=message) as err:
        sim.Population(2, model(**{name: value}), label="bad")
    assert "'bad'" in str(err.value)


@pytest.mark.parametrize("model, name", [
    (sim.IF_curr_exp, "tau_syn_E"), (sim.IF_cond_exp, "tau_syn_I"),
    (sim.IF_curr_alpha, "tau_syn_E"), (sim.Izhikevich, "tau_syn_I"),
    (sim.extra_models.IF_curr_dual_exp, "tau_syn_E2"),
    (sim.extra_models.IFCurrExpCa2Adaptive, "tau_ca2")], ids=lambda x: getattr(x, "__name__", x))
def test_time_constants_must_be_positive(model, name):
    with pytest.raises(ParameterError, match=f"{name} must be > 0"):
        sim.Population(1, model(**{name: 0.0}), label="bad")


def test_izhikevich_parameter_outside_s1615_is_refused_before_running():
    pop = sim.Population(1, sim.Izhikevich(a=1e6), label="izh")
    with pytest.raises(ParameterError, match="'izh'.*out of range"):
        sim.run(1.0)
    assert pop.size == 1


def test_set_between_runs_is_checked_too():
    pop = sim.Population(1, sim.IF_cond_exp(), label="cond")
    sim.run(1.0)
    with pytest.raises(ParameterError, match="'cond'.*tau_m must be > 0"):
        pop.set(tau_m=-1.0)


@pytest.mark.parametrize("rate", [-1.0, float("nan"), float("inf")])
def test_poisson_rate_must_be_finite_and_non_negative(rate):
    with pytest.raises(ParameterError, match="'noise'.*rate"):
        sim.Population(3, sim.SpikeSourcePoisson(rate=rate), label="noise")


def test_poisson_start_must_not_be_negative():
    with pytest.raises(ParameterError, match="start must be >= 0"):
        sim.Population(1, sim.SpikeSourcePoisson(rate=5.0, start=-1.0), label="noise")


def test_poisson_variable_schedules_must_be_consistent():
    with pytest.raises(ParameterError, match="same length"):
        sim.Population(1, sim.extra_models.SpikeSourcePoissonVariable(
            rates=[1.0, 2.0], starts=[0.0]), label="var")
    with pytest.raises(ParameterError, match="starts must be sorted"):
        sim.Population(1, sim.extra_models.SpikeSourcePoissonVariable(
            rates=[1.0, 2.0], starts=[10.0, 0.0]), label="var")


def test_poisson_rate_too_high_for_the_chip_is_refused():
    sim.Population(1, sim.SpikeSourcePoisson(rate=7e7), label="fast")   # sqrt(70000) > 252
    with pytest.raises(ParameterError, match="'fast'.*rate"):
        sim.run(1.0)


def test_spike_times_must_be_sorted_and_non_negative():
    with pytest.raises(ParameterError, match="not sorted"):
        sim.Population(1, sim.SpikeSourceArray(spike_times=[5.0, 2.0]), label="ssa")
    with pytest.raises(ParameterError, match="negative"):
        sim.Population(1, sim.SpikeSourceArray(spike_times=[-1.0]), label="ssa")


def test_step_current_source_times_must_increase():
    with pytest.raises(ValueError, match="strictly increasing"):
        sim.StepCurrentSource(times=[10.0, 5.0], amplitudes=[1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        sim.StepCurrentSource(times=[10.0], amplitudes=[1.0, 2.0])


def test_noisy_current_source_must_update_every_tick():
    with pytest.raises(ConfigurationError, match="must equal the simulation timestep"):
        sim.NoisyCurrentSource(mean=0.0, stdev=1.0, dt=5.0)


def test_current_cannot_be_injected_into_a_spike_source():
    src = sim.Population(1, sim.SpikeSourcePoisson(rate=1.0), label="src")
    with pytest.raises(TypeError, match="spike source"):
        sim.DCSource(amplitude=1.0).inject_into(src)


def test_receptor_type_must_exist_on_the_model():
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]), label="src")
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    with pytest.raises(Exception, match="excitatory2"):
        sim.Projection(src, post, sim.OneToOneConnector(), receptor_type="excitatory2")
    dual = sim.Population(1, sim.extra_models.IF_curr_dual_exp(), label="dual")
    proj = sim.Projection(src, dual, sim.OneToOneConnector(),
                          sim.StaticSynapse(weight=1.0), receptor_type="excitatory2")
    assert proj._synapse_type_index == 1
    assert np.isfinite(proj.get("weight", format="array")).sum() == 1
