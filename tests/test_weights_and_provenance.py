"""Weight signs, quantisation warnings and ring-buffer saturation provenance (hand-computed)."""
import logging
import warnings

import numpy as np
import pytest

import pynn_spinn_virtual as sim

pytestmark = pytest.mark.usefixtures("simulation")


def _source(times, n=1):
    return sim.Population(n, sim.SpikeSourceArray(spike_times=times), label="src")


def test_negative_weight_on_excitatory_receptor_excites_with_its_magnitude():
    """The machine stores |w| on the projection's receptor: -1.0 nA on 'excitatory' excites."""
    src = _source([5.0])
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    with pytest.warns(UserWarning, match="negative weights on the excitatory receptor"):
        proj = sim.Projection(src, post, sim.FromListConnector([(0, 0, -1.0, 1.0)]),
                              receptor_type="excitatory")
    post.record("gsyn_exc")
    sim.run(10)
    gsyn = post.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude[:, 0]
    # one 1.0 nA weight: shift 1, 16384 << 1 = 32768 bits enters through init (tau 5 ms)
    init = 3892727437
    assert round(gsyn[6] * 32768) == (32768 * init) >> 32
    assert gsyn[6] > 0
    assert proj.get("weight", format="list")[0][2] == -1.0   # the user's sign is kept


def test_saturation_count_is_reported_after_the_run(caplog):
    """Five spikes of one source in one tick, weight 1.0 nA: the entry holds 16384 per spike
    (shift 1), 4 x 16384 = 65536 overflows, so the 4th and 5th additions saturate: 2."""
    src = _source([5.1, 5.2, 5.3, 5.4, 5.5])          # all rounded up to tick 6
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    sim.Projection(src, post, sim.FromListConnector([(0, 0, 1.0, 1.0)]))
    with caplog.at_level(logging.WARNING, logger="pynn_spinn_virtual"):
        sim.run(10)
    assert post.get_provenance()["ring_buffer_saturations"] == {"post(0:0)": 2}
    assert "saturated 2 times" in caplog.text


def test_weights_too_small_for_16_bits_are_reported():
    """0.5 nA and 1e-6 nA on one receptor: shift 0 (max 0.5 -> ceil(log2) = -1 -> 0, 2^0 > 0.5),
    scale 32768, 1e-6 * 32768 = 0.03 -> 0: the small weight vanishes on the machine."""
    src = _source([5.0], n=2)
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    proj = sim.Projection(src, post, sim.FromListConnector([(0, 0, 0.5, 1.0), (1, 0, 1e-6, 1.0)]))
    with pytest.warns(UserWarning):
        sim.run(1)
    weights = proj.get("weight", format="array")
    assert weights[0, 0] == 0.5 and weights[1, 0] == 0.0


def test_weights_are_quantised_to_the_16_bit_scale():
    """0.37 nA alone: shift 0 (0.37 < 1), scale 2^15; host rows round: rint(0.37 * 32768) = 12124."""
    src = _source([5.0])
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    proj = sim.Projection(src, post, sim.FromListConnector([(0, 0, 0.37, 1.0)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.run(1)
    (w,) = proj.get("weight", format="list", with_address=False)
    assert w == 12124 / 32768
    assert w != 0.37
    assert np.isclose(w, 0.37, atol=1 / 65536)


def test_projections_changed_by_more_than_one_percent_are_reported():
    """Weights 8.0 and 0.003 on one receptor: total 8.003 -> shift 4, unit 2^4/2^15 =
    0.000488; 0.003 becomes 6 units = 0.0029297 (-2.3 %), so the projection is reported."""
    src = _source([5.0], n=2)
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    sim.Projection(src, post, sim.FromListConnector([(0, 0, 8.0, 1.0)]), label="big")
    small = sim.Projection(src, post, sim.FromListConnector([(1, 0, 0.003, 1.0)]), label="small")
    with pytest.warns(UserWarning, match=r"'small'.*differ from the requested ones by up to 2\.3 %"):
        sim.run(1)
    (w,) = small.get("weight", format="list", with_address=False)
    assert w == 6 * 2 ** 4 / 2 ** 15
    summaries = {s.label: s for s in sim.simulator.state.quantisation}
    assert summaries["big"].max_relative_change == 0.0
    assert not summaries["big"].worrying and summaries["small"].worrying


def test_weight_quantisation_report_lists_shifts_and_projections(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_REPORTS", "1")
    sim.setup(timestep=1.0)
    src = _source([5.0], n=2)
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    sim.Projection(src, post, sim.FromListConnector([(0, 0, 0.5, 1.0), (1, 0, 1e-6, 1.0)]),
                   label="tiny")
    with pytest.warns(UserWarning, match="'tiny': 1 of 2 weights are below"):
        sim.run(1.0)
    (report,) = tmp_path.glob("reports/*/run_1/weight_quantisation.rpt")
    text = report.read_text()
    assert "post" in text and "excitatory" in text
    assert "tiny" in text and "<-- check" in text
