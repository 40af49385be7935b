"""Placement of machine vertices on cores: order, neighbourhoods, limits and constraints."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pynn_spinn_virtual import machine as M
from pynn_spinn_virtual.exceptions import MappingError
from pynn_spinn_virtual.mapping import placement
from pynn_spinn_virtual.mapping.graph import MachineGraph, MachineVertex
from pynn_spinn_virtual.profiles import get_profile

PROFILE = get_profile("6")
SDRAM = 123_469_792


def build(sizes, sdram=100_000, kind="neuron", graph=None, start_index=0):
    """A graph with one application vertex per entry of `sizes` (number of slices);
    `sdram` is bytes per slice (a number, or a list per application vertex)."""
    graph = MachineGraph() if graph is None else graph
    pops = []
    for a, n in enumerate(sizes):
        app = start_index + a
        s_bytes = sdram[a] if isinstance(sdram, (list, tuple)) else sdram
        pops.append([graph.add_vertex(MachineVertex(
            f"pop{app}({s * 256}:{s * 256 + 255})", f"pop{app}", app, s, s * 256, s * 256 + 256,
            kind, sdram_bytes=s_bytes, n_keys=256)) for s in range(n)])
    return graph, pops


def test_creation_order_and_consecutive_cores():
    graph, (a, b, c) = build([3, 2, 1])
    pl = placement.place(graph, M.spinn5())
    assert [pl[v] for v in a] == [(0, 0, 1), (0, 0, 2), (0, 0, 3)]
    assert [pl[v] for v in b] == [(0, 0, 4), (0, 0, 5)]
    assert [pl[v] for v in c] == [(0, 0, 6)]
    assert [v.label for v, _ in pl] == [v.label for v in graph.vertices]
    assert pl.vertex_at(0, 0, 4) is b[0]
    assert pl.on_chip(0, 0)[0] == (1, a[0])
    assert pl.n_chips_used == 1 and pl.n_cores_used == 6


def test_spreading_to_neighbours_then_next_start():
    graph, (a, b) = build([20, 3])
    pl = placement.place(graph, M.spinn5())
    # 17 application cores on (0, 0), then its first neighbour on the board: east (1, 0)
    assert [pl[v] for v in a[:17]] == [(0, 0, p) for p in range(1, 18)]
    assert [pl[v] for v in a[17:]] == [(1, 0, 1), (1, 0, 2), (1, 0, 3)]
    # the next application vertex starts from the next start chip, x then y: (0, 1)
    assert [pl[v] for v in b] == [(0, 1, 1), (0, 1, 2), (0, 1, 3)]


def test_same_board_first():
    graph, (_, big) = build([1, 48 * 17 + 5])
    m = M.multi_board(3)
    pl = placement.place(graph, m)
    chips_by_board = {}
    for v in big:
        x, y, _ = pl[v]
        chips_by_board.setdefault(m.ethernet_of(x, y), set()).add((x, y))
    assert len(chips_by_board[(0, 0)]) == 48          # the whole first board first
    assert sum(len(c) for b, c in chips_by_board.items() if b != (0, 0)) == 1


def test_monitor_core_never_used():
    graph, _ = build([17] * 48)                      # exactly one board's application cores
    m = M.spinn5()
    pl = placement.place(graph, m)
    assert pl.n_cores_used == 816 and pl.n_chips_used == 48
    assert all(1 <= p <= 17 for _, (x, y, p) in pl)
    assert all(pl.vertex_at(x, y, 0) is None for x, y in m.chips)
    assert len({tuple(place) for _, place in pl}) == 816


def test_machine_too_small_names_both_numbers():
    graph, _ = build([17] * 48 + [1])                # 817 cores: 49 chips
    assert placement.chips_needed(graph, PROFILE) == 49
    with pytest.raises(MappingError) as info:
        placement.place(graph, M.spinn5())
    message = str(info.value)
    assert "requires 49 chips" in message and "machine has 48" in message
    assert "pop48" in message


def test_two_boards_on_one_board_machine():
    graph, _ = build([10] * 90)                      # 900 cores: needs 2 boards
    needed = placement.chips_needed(graph, PROFILE)
    assert needed > 48
    with pytest.raises(MappingError) as info:
        placement.place(graph, M.spinn5())
    assert f"requires {needed} chips but the machine has 48" in str(info.value)
    # sized to the model it fits
    m = M.machine_for(needed)
    pl = placement.place(graph, m)
    assert pl.n_cores_used == 900


def test_sdram_limits_chip():
    forty_mb = 40_000_000
    graph, (a, b) = build([7, 1], sdram=[forty_mb, 1000])
    pl = placement.place(graph, M.spinn5())
    assert [pl[v] for v in a] == [(0, 0, 1), (0, 0, 2), (0, 0, 3), (1, 0, 1), (1, 0, 2),
                                  (1, 0, 3), (1, 1, 1)]
    for xy in [(0, 0), (1, 0)]:
        assert pl.sdram_on_chip(*xy) == 3 * forty_mb <= SDRAM
    # (0, 0) still has 14 cores and 3.4 MB, but 120 MB used passes the "full" cap
    # (sdram - sdram // 17): the next application vertex starts on the next chip
    assert pl[b[0]] == (0, 1, 1)
    assert placement.chips_needed(graph, PROFILE) == 3


def test_sdram_cap_makes_chip_full():
    # 117 MB used passes 123469792 - 123469792 // 17: the chip is full for later vertices
    graph, (a, b) = build([1, 1], sdram=[117_000_000, 1000])
    pl = placement.place(graph, M.spinn5())
    assert pl[a[0]] == (0, 0, 1)
    assert pl[b[0]][:2] != (0, 0)


def test_vertex_too_big_for_any_chip():
    graph, _ = build([1], sdram=SDRAM + 1)
    with pytest.raises(MappingError) as info:
        placement.place(graph, M.spinn5())
    message = str(info.value)
    assert "pop0(0:255) will not fit on any possible chip" in message
    assert str(SDRAM + 1) in message and str(SDRAM) in message and "1 bytes too many" in message
    graph, _ = build([1], sdram=SDRAM)
    assert placement.place(graph, M.spinn5()).n_cores_used == 1


def test_constraints_honoured():
    graph, (a, b, c) = build([2, 1, 3])
    b[0].constraint = (2, 3, 5)
    c[0].constraint = (1, 1)
    c[1].constraint = (1, 1, None)
    a[1].constraint = (0, 0, 1)
    pl = placement.place(graph, M.spinn5())
    assert pl[b[0]] == (2, 3, 5)
    assert pl[a[1]] == (0, 0, 1)
    assert pl[c[0]] == (1, 1, 1) and pl[c[1]] == (1, 1, 2)
    # unconstrained vertices avoid the constrained cores
    assert pl[a[0]] == (0, 0, 2)
    assert pl[c[2]] == (0, 0, 3)


@pytest.mark.parametrize("constraint, match", [
    ((9, 9, 1), r"constrained to chip \(9, 9\) but .* has no such chip"),
    ((0, 4), r"constrained to chip \(0, 4\)"),
    ((0, 0, 0), r"Core 0 on chip \(0, 0\) is not available .* monitor"),
    ((0, 0, 18), r"Core 18 on chip \(0, 0\) is not available .* cores 0..17"),
])
def test_bad_constraints_refused(constraint, match):
    graph, (a,) = build([1])
    a[0].constraint = constraint
    with pytest.raises(MappingError, match=match):
        placement.place(graph, M.spinn5())


def test_occupied_core_refused():
    graph, (a, b) = build([1, 1])
    a[0].constraint = (1, 1, 4)
    b[0].constraint = (1, 1, 4)
    with pytest.raises(MappingError, match=r"Core 4 on chip \(1, 1\) .* already holds pop0"):
        placement.place(graph, M.spinn5())


def test_full_chip_constraint_refused():
    graph, pops = build([17, 1])
    for v in pops[0]:
        v.constraint = (2, 2)
    pops[1][0].constraint = (2, 2)
    with pytest.raises(MappingError, match=r"No more cores available on chip \(2, 2\)"):
        placement.place(graph, M.spinn5())


def test_constrained_sdram_overflow():
    graph, (a,) = build([2], sdram=70_000_000)
    for v in a:
        v.constraint = (0, 0)
    with pytest.raises(MappingError, match=r"Too much SDRAM has been allocated on chip \(0, 0\)"):
        placement.place(graph, M.spinn5())


def test_chips_needed():
    assert placement.chips_needed(build([17])[0], PROFILE) == 1
    assert placement.chips_needed(build([18])[0], PROFILE) == 2
    assert placement.chips_needed(build([17 * 48])[0], PROFILE) == 48
    assert placement.chips_needed(build([4], sdram=40_000_000)[0], PROFILE) == 2
    assert placement.chips_needed(MachineGraph(), PROFILE) == 0


def test_delay_vertices_after_populations():
    graph, _ = build([2])
    build([2], kind="delay", graph=graph, start_index=1)
    pl = placement.place(graph, M.spinn3())
    assert [pl[v] for v in graph.vertices] == [(0, 0, 1), (0, 0, 2), (0, 0, 3), (0, 0, 4)]


def test_large_graph_is_fast():
    import time
    graph, _ = build([10] * 1000)                    # 10,000 cores
    m = M.machine_for(placement.chips_needed(graph, PROFILE))
    start = time.perf_counter()
    pl = placement.place(graph, m)
    assert time.perf_counter() - start < 10.0
    assert pl.n_cores_used == 10_000
    assert len({tuple(p) for _, p in pl}) == 10_000




@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(1, 60), min_size=1, max_size=25),
       sdram=st.lists(st.sampled_from([10_000, 2_000_000, 15_000_000, 45_000_000]),
                      min_size=25, max_size=25),
       n_boards=st.sampled_from([1, 3]))
def test_placement_invariants(sizes, sdram, n_boards):
    graph, pops = build(sizes, sdram=sdram[:len(sizes)])
    m = M.multi_board(n_boards)
    try:
        pl = placement.place(graph, m)
    except MappingError as error:
        assert "requires" in str(error) and f"machine has {m.n_chips}" in str(error)
        return
    cores = [tuple(place) for _, place in pl]
    assert len(cores) == len(set(cores)) == len(graph.vertices)
    for x, y, p in cores:
        assert m.is_chip_at(x, y) and p in m.chips[(x, y)].application_cores
    for xy in pl.chips:
        assert pl.sdram_on_chip(*xy) <= m.sdram_at(*xy)
    for slices in pops:
        chips_in_order = []
        for v in slices:
            xy = tuple(pl[v])[:2]
            if xy not in chips_in_order:
                chips_in_order.append(xy)
        # cores ascend within a chip; each new chip neighbours one already used
        for xy in chips_in_order:
            ps = [pl[v].p for v in slices if tuple(pl[v])[:2] == xy]
            assert ps == sorted(ps)
        for i, xy in enumerate(chips_in_order[1:], 1):
            neighbours = {n for _, n in m.links_of(*xy)}
            assert neighbours & set(chips_in_order[:i])
