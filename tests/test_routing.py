"""Routing keys, routing tables, compression, and the spike-delivery property."""
import dataclasses
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pynn_spinn_virtual import machine as M
from pynn_spinn_virtual.exceptions import MappingError
from pynn_spinn_virtual.mapping import placement, routing
from pynn_spinn_virtual.mapping.graph import MachineGraph, MachineVertex
from pynn_spinn_virtual.profiles import get_profile

PROFILE = get_profile("6")


def add_app(graph, app, n_atoms, per_core, kind="neuron", sdram=100_000, stages=None):
    """Slices of one application vertex, as the partitioner makes them."""
    out = []
    for s, lo in enumerate(range(0, n_atoms, per_core)):
        hi = min(lo + per_core, n_atoms)
        n_keys = (hi - lo) * stages if stages else hi - lo
        out.append(graph.add_vertex(MachineVertex(
            f"app{app}({lo}:{hi - 1})", f"app{app}", app, s, lo, hi, kind,
            sdram_bytes=sdram, n_keys=n_keys)))
    return out


def blocks_overlap(k1, m1, k2, m2):
    return ((k1 ^ k2) & m1 & m2) == 0


# -- keys ---------------------------------------------------------------------------------
def test_key_layout_1000_neurons():
    g = MachineGraph()
    pop = add_app(g, 0, 1000, 256)
    other = add_app(g, 1, 10, 256)
    for v in pop:
        g.add_edge(v, other[0])
    keys = routing.allocate_keys(g, PROFILE)
    assert [keys.mask_of(v) for v in pop] == [0xFFFFFF00] * 4
    assert [keys.key_of(v) for v in pop] == [0x000, 0x100, 0x200, 0x300]
    assert other[0] not in keys                 # sends nothing, so no key (as the toolchain)
    app = keys.applications[0]
    assert (app.key, app.mask, app.atom_bits, app.machine_bits) == (0, 0xFFFFFC00, 8, 2)
    assert keys.zone_bits == 10
    assert list(keys.keys_of(pop[3])[[0, -1]]) == [0x300, 0x3E7]


def test_colour_bits_come_from_the_profile():
    g = MachineGraph()
    pop = add_app(g, 0, 1000, 256)
    g.add_edge(pop[0], pop[1])
    seven_like = dataclasses.replace(PROFILE, routing_key_colour_bits=4)
    keys = routing.allocate_keys(g, seven_like)
    assert keys.mask_of(pop[0]) == 0xFFFFF000          # 12 bits: 8 atom + 4 colour bits
    assert keys.applications[0].mask == 0xFFFFC000
    assert routing.allocate_keys(g, PROFILE).mask_of(pop[0]) == 0xFFFFFF00


def test_delay_vertex_keys():
    g = MachineGraph()
    pop = add_app(g, 0, 512, 256)
    delay = add_app(g, 1, 512, 256, kind="delay", stages=8)
    g.add_edge(pop[0], delay[0])
    g.add_edge(delay[1], pop[1])
    keys = routing.allocate_keys(g, PROFILE)
    assert keys.n_keys_of(delay[1]) == 8 * 256
    assert keys.mask_of(delay[1]) == 0xFFFFF800
    assert keys.key_of(delay[1]) == keys.applications[1].key | 0x800
    assert keys.mask_of(pop[0]) == 0xFFFFFF00
    # slices without an outgoing edge keep their place in the key space but get no key
    assert delay[0] not in keys and pop[1] not in keys
    assert keys.applications[1].vertices == delay


def test_keys_unique_and_non_overlapping():
    g = MachineGraph()
    rng = random.Random(3)
    apps = []
    for a in range(40):
        kind = rng.choice(["neuron", "poisson", "spike_array", "delay"])
        apps.append(add_app(g, a, rng.randint(1, 3000), rng.choice([1, 7, 64, 255, 256, 500]),
                            kind=kind, stages=rng.randint(1, 8) if kind == "delay" else None))
    everything = [v for app in apps for v in app]
    for v in everything:
        g.add_edge(v, rng.choice(everything))
    keys = routing.allocate_keys(g, PROFILE, all_vertices=True)
    assert len(keys) == len(everything)
    items = [(keys.key_of(v), keys.mask_of(v), keys.n_keys_of(v)) for v in everything]
    for key, mask, n in items:
        assert 0 <= key <= 0xFFFFFFFF and key & ~mask & 0xFFFFFFFF == 0
        assert n <= (~mask & 0xFFFFFFFF) + 1            # the atom field holds every key
    # the masks are contiguous, so the blocks are aligned ranges: sorted by key, each
    # block must end before the next begins
    ranges = sorted((key, key + ((~mask) & 0xFFFFFFFF)) for key, mask, _ in items)
    assert all(end < next_start for (_, end), (next_start, _) in zip(ranges, ranges[1:]))
    all_keys = np.concatenate([keys.keys_of(v) for v in everything])
    assert len(np.unique(all_keys)) == len(all_keys)


def test_too_many_key_bits_refused():
    g = MachineGraph()
    big = add_app(g, 0, 2 ** 20, 2 ** 20)          # one slice with 2**20 atoms: 20 bits
    g.add_edge(big[0], big[0])
    for a in range(1, 5000):                        # 5000 senders: 13 more bits
        v = add_app(g, a, 1, 1)[0]
        g.add_edge(v, big[0])
    with pytest.raises(MappingError, match="Unable to allocate routing keys"):
        routing.allocate_keys(g, PROFILE)


# -- tables -------------------------------------------------------------------------------
def test_simple_route():
    g = MachineGraph()
    src = add_app(g, 0, 10, 256)[0]
    dst = add_app(g, 1, 10, 256)[0]
    src.constraint = (0, 0, 1)
    dst.constraint = (2, 1, 3)
    g.add_edge(src, dst)
    m = M.spinn5()
    pl = placement.place(g, m)
    keys = routing.allocate_keys(g, PROFILE)
    tables = routing.routing_tables(g, pl, m, keys)
    # diagonal first: (0,0) -NE-> (1,1) -E-> (2,1)
    assert sorted(tables) == [(0, 0), (1, 1), (2, 1)]
    assert tables[(0, 0)][0].links == (1,) and tables[(0, 0)][0].processors == ()
    assert tables[(1, 1)][0].links == (0,)
    assert tables[(2, 1)][0].links == () and tables[(2, 1)][0].processors == (3,)
    key = keys.key_of(src)
    assert routing.cores_reached(tables, m, (0, 0), key) == {(2, 1, 3)}
    assert routing.cores_reached(tables, m, (0, 0), key + 9) == {(2, 1, 3)}
    # a key nobody sends is dropped at the source
    assert routing.cores_reached(tables, m, (0, 0), 0x7FFFFFFF) == set()


def test_wrap_around_route_is_short():
    g = MachineGraph()
    src = add_app(g, 0, 10, 256)[0]
    dst = add_app(g, 1, 10, 256)[0]
    src.constraint = (0, 0, 1)
    dst.constraint = (11, 11, 1)
    g.add_edge(src, dst)
    m = M.from_size(12, 12)
    pl = placement.place(g, m)
    keys = routing.allocate_keys(g, PROFILE)
    tables = routing.routing_tables(g, pl, m, keys)
    assert sorted(tables) == [(0, 0), (11, 11)]      # one hop south-west over the wrap
    assert tables[(0, 0)][0].links == (4,)


def _random_graph(rng, n_apps, max_slices, p_edge):
    g = MachineGraph()
    apps = []
    for a in range(n_apps):
        kind = rng.choice(["neuron", "neuron", "poisson", "spike_array", "delay"])
        per_core = rng.choice([1, 3, 16, 100, 256])
        n_atoms = rng.randint(1, per_core * max_slices)
        apps.append(add_app(g, a, n_atoms, per_core, kind=kind,
                            sdram=rng.choice([50_000, 1_000_000, 20_000_000]),
                            stages=rng.randint(1, 8) if kind == "delay" else None))
    for pre in apps:
        for post in apps:
            if rng.random() < p_edge:
                # a projection: edges between slice pairs, some pruned (one-to-one, lists)
                prune = rng.random() < 0.3
                for v in pre:
                    for w in post:
                        if not prune or rng.random() < 0.5:
                            g.add_edge(v, w)
    return g


def _check_delivery(g, pl, m, keys, tables, rng):
    targets = {}
    for e in g.edges:
        targets.setdefault(e.pre, set()).add(e.post)
    for v in g.vertices:
        expected = {tuple(pl[t]) for t in targets.get(v, ())}
        if v not in keys:
            assert not expected
            continue
        x, y, _ = pl[v]
        n = keys.n_keys_of(v)
        key = keys.key_of(v)
        for k in {key, key + n - 1, key + rng.randrange(n)}:
            delivered = routing.trace_packet(tables, m, (x, y), k)
            assert len(delivered) == len(set(delivered)), "a core got a packet twice"
            assert set(delivered) == expected, v.label


MACHINES = {"spinn5": M.spinn5(), "three_boards": M.multi_board(3),
            "torus": M.from_size(12, 12)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 31), n_apps=st.integers(1, 12),
       max_slices=st.integers(1, 25), p_edge=st.floats(0.05, 0.6),
       machine=st.sampled_from(sorted(MACHINES)))
def test_every_spike_reaches_exactly_its_targets(seed, n_apps, max_slices, p_edge, machine):
    rng = random.Random(seed)
    g = _random_graph(rng, n_apps, max_slices, p_edge)
    m = MACHINES[machine]
    if placement.chips_needed(g, PROFILE) > m.n_chips:
        m = M.machine_for(placement.chips_needed(g, PROFILE))
    try:
        pl = placement.place(g, m)
    except MappingError:
        m = M.machine_for(4 * placement.chips_needed(g, PROFILE))
        pl = placement.place(g, m)
    keys = routing.allocate_keys(g, PROFILE)
    plain = routing.routing_tables(g, pl, m, keys, compress="never")
    _check_delivery(g, pl, m, keys, plain, rng)
    squeezed = routing.routing_tables(g, pl, m, keys, compress="always")
    _check_delivery(g, pl, m, keys, squeezed, rng)
    assert all(len(squeezed[xy]) <= len(plain[xy]) for xy in plain)
    assert plain.uncompressed == squeezed.uncompressed


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 31), n=st.integers(1, 120))
def test_compression_preserves_every_route(seed, n):
    """Random tables of non-overlapping blocks: every key routes as before compression."""
    rng = random.Random(seed)
    blocks = set()
    while len(blocks) < n:
        bits = rng.choice([0, 2, 4, 8])
        blocks.add((rng.randrange(0, 1 << 12) << 8 & ~((1 << bits) - 1), bits))
    blocks = sorted(blocks)
    # drop overlapping blocks
    chosen = []
    for key, bits in blocks:
        mask = routing.mask_for(bits)
        if all(not blocks_overlap(key, mask, k, m) for k, m in chosen):
            chosen.append((key, mask))
    routes = [rng.choice([1, 2, 1 << 7, (1 << 8) | 4, 3]) for _ in chosen]
    table = [routing.RoutingEntry(k, m, r) for (k, m), r in zip(chosen, routes)]
    compressed = routing.compress_table(table)
    assert len(compressed) <= len(table)
    for entry in table:
        block = (~entry.mask) & 0xFFFFFFFF
        for key in {entry.key, entry.key | block, entry.key | (rng.randrange(block + 1) & block)}:
            assert routing.lookup(compressed, key).route == entry.route


def test_compression_merges_slices():
    # 64 slices with one route fold into one entry when nothing else is on the chip
    entries = [routing.RoutingEntry(i << 8, 0xFFFFFF00, 1 << 7) for i in range(64)]
    assert routing.compress_table(entries) == [routing.RoutingEntry(0, 0xFFFFC000, 1 << 7)]
    # an entry with another route in between keeps them apart where needed
    entries.append(routing.RoutingEntry(64 << 8, 0xFFFFFF00, 1))
    out = routing.compress_table(entries)
    for e in entries:
        assert routing.lookup(out, e.key).route == e.route
    assert len(out) <= 3


def _fan_in_graph(n_sources):
    """n_sources single-core senders, each to its own subset of the 17 cores of chip (0, 0):
    every entry on (0, 0) has its own route, so nothing can be merged there."""
    g = MachineGraph()
    targets = []
    for p in range(17):
        v = add_app(g, p, 1, 1)[0]
        v.constraint = (0, 0, p + 1)
        targets.append(v)
    for s in range(n_sources):
        v = add_app(g, 17 + s, 1, 1)[0]
        subset = s + 1
        for p in range(17):
            if subset >> p & 1:
                g.add_edge(v, targets[p])
    return g


def test_table_too_large_raises():
    g = _fan_in_graph(1030)
    m = M.machine_for(placement.chips_needed(g, PROFILE))
    pl = placement.place(g, m)
    keys = routing.allocate_keys(g, PROFILE)
    with pytest.raises(MappingError) as info:
        routing.routing_tables(g, pl, m, keys)
    message = str(info.value)
    assert message.startswith("The routing table after compression will still not fit "
                              "within the machines router: ")
    assert "(x:0,y:0)=1030" in message
    # 1023 distinct routes fit exactly
    g = _fan_in_graph(1000)
    pl = placement.place(g, m)
    tables = routing.routing_tables(g, pl, m, routing.allocate_keys(g, PROFILE))
    assert len(tables[(0, 0)]) == 1000


def test_small_router_profile():
    g = MachineGraph()
    pops = [add_app(g, a, 256, 256) for a in range(6)]
    for a in range(5):
        g.add_edge(pops[a][0], pops[5][0])
    small = dataclasses.replace(PROFILE, router_entries_per_chip=2)
    m = M.spinn5(small)
    pl = placement.place(g, m)
    keys = routing.allocate_keys(g, small)
    # all five entries on (0, 0) deliver to the same core: compression folds them
    tables = routing.routing_tables(g, pl, m, keys, small)
    assert (0, 0) in tables.compressed_chips and len(tables[(0, 0)]) == 1
    assert len(tables.uncompressed[(0, 0)]) == 5


def test_routing_ten_thousand_vertices_is_fast():
    import time
    g = MachineGraph()
    rng = random.Random(1)
    pops = [add_app(g, a, 2560, 256, sdram=300_000) for a in range(1000)]
    for a in range(1000):
        for b in {(a + rng.randint(-5, 5)) % 1000 for _ in range(5)}:
            for v in pops[a]:
                for w in pops[b]:
                    g.add_edge(v, w)
    m = M.machine_for(placement.chips_needed(g, PROFILE))
    start = time.perf_counter()
    pl = placement.place(g, m)
    keys = routing.allocate_keys(g, PROFILE)
    tables = routing.routing_tables(g, pl, m, keys)
    assert time.perf_counter() - start < 30.0
    assert max(len(t) for t in tables.values()) <= 1023
    # spot-check delivery
    _check_delivery_subset(g, pl, m, keys, tables, rng, 50)


def _check_delivery_subset(g, pl, m, keys, tables, rng, n):
    targets = {}
    for e in g.edges:
        targets.setdefault(e.pre, set()).add(e.post)
    for v in rng.sample(g.vertices, n):
        x, y, _ = pl[v]
        assert routing.cores_reached(tables, m, (x, y), keys.key_of(v)) == \
            {tuple(pl[t]) for t in targets[v]}
