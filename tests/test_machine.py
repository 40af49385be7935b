"""Machine descriptions: presets, sizes, boards, links and the toolchain's sizing rules."""
import time

import pytest

from pynn_spinn_virtual import machine as M
from pynn_spinn_virtual.exceptions import ConfigurationError, MappingError
from pynn_spinn_virtual.profiles import get_profile

SDRAM = 123_469_792
PROFILE = get_profile("6")

# the 48 chips of a SpiNN-5 board, column by column (x: y range)
SPINN5_XY = {(x, y) for x, ys in {0: range(0, 4), 1: range(0, 5), 2: range(0, 6),
                                  3: range(0, 7), 4: range(0, 8), 5: range(1, 8),
                                  6: range(2, 8), 7: range(3, 8)}.items() for y in ys}


def test_profile_machine_numbers():
    assert PROFILE.sdram_per_chip == SDRAM
    assert PROFILE.router_entries_per_chip == 1023
    assert PROFILE.cores_per_chip == 18
    assert PROFILE.monitor_cores == (0,)
    assert PROFILE.application_cores_per_chip == 17
    assert PROFILE.routing_key_colour_bits == 0


def test_spinn3():
    m = M.spinn3()
    assert (m.width, m.height, m.n_chips, m.n_boards) == (2, 2, 4, 1)
    assert m.n_cores == 72
    assert m.n_application_cores == 68
    assert m.total_sdram == 4 * SDRAM
    assert set(m.chips) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert m.wrap == "FullWrap"
    assert m.ethernets == [(0, 0)]
    chip = m[0, 0]
    assert chip.is_ethernet and chip.n_cores == 18 and chip.monitor_cores == (0,)
    assert chip.application_cores == tuple(range(1, 18))
    assert chip.sdram == SDRAM and chip.router_entries == 1023
    # the board wraps vertically but has no wrap-around wires in x
    assert m.neighbour(0, 1, 2) == (0, 0)
    assert m.neighbour(0, 0, 5) == (0, 1)
    assert m.neighbour(0, 0, 3) is None and m.neighbour(0, 0, 4) is None
    assert m.neighbour(1, 0, 0) is None and m.neighbour(1, 1, 1) is None
    assert m.neighbour(0, 0, 0) == (1, 0) and m.neighbour(1, 0, 3) == (0, 0)


def test_spinn5():
    m = M.spinn5()
    assert (m.width, m.height, m.n_boards, m.wrap) == (8, 8, 1, "NoWrap")
    assert len(m.chips) == 48 and m.n_chips == 48
    assert set(m.chips) == SPINN5_XY
    assert set(M.SPINN5_BOARD_CHIPS) == SPINN5_XY
    assert m.n_cores == 48 * 18 == 864
    assert m.n_application_cores == 48 * 17 == 816
    assert m.total_sdram == 48 * SDRAM
    assert (0, 4) not in m.chips and (5, 0) not in m.chips and (7, 2) not in m.chips
    assert [c.is_ethernet for c in m].count(True) == 1 and m[0, 0].is_ethernet
    # no wrap-around
    assert m.neighbour(0, 0, 3) is None and m.neighbour(0, 0, 5) is None
    assert m.neighbour(7, 7, 0) is None and m.neighbour(7, 7, 1) is None
    assert m.neighbour(0, 3, 2) is None            # (0, 4) is not on the board
    assert m.neighbour(4, 4, 1) == (5, 5)
    assert len(m[4, 4].links) == 6 and len(m[0, 0].links) == 3


@pytest.mark.parametrize("n_boards, size, boards", [
    (1, (8, 8), 1), (2, (16, 16), 3), (3, (16, 16), 3), (4, (28, 16), 6), (6, (28, 16), 6),
    (7, (28, 28), 12), (24, (40, 40), 27), (120, (88, 76), 126), (600, (184, 172), 630),
    (1200, (244, 244), 1200)])
def test_multi_board_sizes(n_boards, size, boards):
    assert M.size_from_n_boards(n_boards) == size
    m = M.multi_board(n_boards)
    assert (m.width, m.height) == size
    assert m.n_boards == boards >= n_boards
    assert m.n_chips == 48 * boards
    assert m.n_cores == 48 * 18 * boards
    assert m.wrap == "NoWrap"


def test_multi_board_geometry():
    for m in (M.multi_board(3), M.from_size(12, 12), M.from_size(24, 16), M.multi_board(24)):
        for ex, ey in m.ethernets:
            assert ex % 4 == 0 and (ex + ey) % 12 == 0
            assert m[ex, ey].is_ethernet and m[ex, ey].local == (0, 0)
        for board in m.boards:
            chips = board.chips
            assert len(chips) == 48
            assert {m[xy].local for xy in chips} == SPINN5_XY
            assert all(m.ethernet_of(*xy) == board.ethernet for xy in chips)
        assert sum(1 for c in m if c.is_ethernet) == m.n_boards
    # every position of a full-wrap machine is a chip
    assert M.from_size(12, 12).n_chips == 144
    assert M.from_size(24, 24).n_chips == 576


def test_links_are_symmetric():
    for m in (M.spinn3(), M.spinn5(), M.multi_board(3), M.from_size(12, 12),
              M.from_size(12, 16), M.from_size(16, 12)):
        for chip in m:
            for link, (nx, ny) in chip.links:
                assert m.is_chip_at(nx, ny)
                assert m.neighbour(nx, ny, M.opposite_link(link)) == (chip.x, chip.y)


def test_wrap_around():
    m = M.from_size(12, 12)
    assert m.wrap == "FullWrap"
    assert m.neighbour(11, 5, 0) == (0, 5)
    assert m.neighbour(0, 0, 4) == (11, 11)
    assert m.neighbour(3, 11, 2) == (3, 0)
    assert all(len(c.links) == 6 for c in m)
    h = M.from_size(12, 16)
    assert h.wrap == "HorizontalWrap"
    assert h.neighbour(11, 8, 0) == (0, 8)
    assert h.neighbour(4, 15, 2) is None
    v = M.from_size(16, 12)
    assert v.wrap == "VerticalWrap"
    assert v.neighbour(8, 11, 2) == (8, 0)
    assert v.neighbour(15, 8, 0) is None
    nowrap = M.multi_board(3)
    assert nowrap.neighbour(0, 0, 3) is None


def test_from_size_rules():
    assert M.from_size(2, 2).kind == "spinn3"
    assert M.from_size(8, 8).kind == "spinn5"
    for width, height in [(10, 10), (8, 12), (12, 20), (4, 4), (0, 12), (13, 12)]:
        with pytest.raises(ConfigurationError, match="not possible"):
            M.from_size(width, height)


def test_hbp_machine():
    start = time.perf_counter()
    h = M.hbp_machine()
    built = time.perf_counter() - start
    assert built < 2.0
    assert (h.width, h.height, h.wrap) == (240, 240, "FullWrap")
    assert h.n_boards == 1200
    assert len(h.chips) == h.n_chips == 1200 * 48 == 57_600
    assert h.n_cores == 1200 * 48 * 18 == 1_036_800
    assert h.n_application_cores == 1200 * 48 * 17 == 979_200
    assert h.max_neurons(256) == 979_200 * 256 == 250_675_200
    assert h.max_neurons() == 250_675_200
    assert h.total_sdram == 57_600 * SDRAM
    assert (239, 239) in h.chips and h[239, 239].n_cores == 18
    assert h.neighbour(0, 0, 3) == (239, 0)
    assert h.neighbour(239, 239, 1) == (0, 0)
    assert all(ex % 4 == 0 and (ex + ey) % 12 == 0 for ex, ey in h.ethernets)
    # querying is cheap too
    start = time.perf_counter()
    for x in range(0, 240, 7):
        for y in range(0, 240, 5):
            h.chips[(x, y)]
            h.neighbour(x, y, 2)
    assert time.perf_counter() - start < 2.0


def test_machine_for():
    assert M.machine_for(1).n_chips == 48
    assert M.machine_for(48).kind == "spinn5"
    m = M.machine_for(49)
    assert (m.width, m.height, m.n_boards, m.n_chips) == (16, 16, 3, 144)
    assert M.machine_for(144).n_boards == 3
    assert (M.machine_for(145).width, M.machine_for(145).height) == (28, 16)
    assert M.machine_for(24 * 48).n_boards == 27
    top = M.machine_for(57_600)
    assert top.n_chips == 57_600 and top.n_cores == 1_036_800
    with pytest.raises(MappingError) as info:
        M.machine_for(57_601)
    message = str(info.value)
    assert "57601" in message and "57600" in message and "HBP" in message


def test_machine_from_config():
    assert M.machine_from_config(version=3).kind == "spinn3"
    assert M.machine_from_config(version=2).kind == "spinn3"
    assert M.machine_from_config(width=8, height=8).kind == "spinn5"
    assert M.machine_from_config(version=5, width=12, height=12).n_chips == 144
    assert M.machine_from_config(n_boards=2).n_boards == 3
    assert M.machine_from_config(n_chips=100).n_chips == 144
    assert M.machine_from_config(n_chips=48).kind == "spinn5"
    assert M.machine_from_config(version=5) is None
    assert M.machine_from_config() is None
    assert M.machine_from_config(version=5, n_chips_needed=49).n_boards == 3
    with pytest.raises(ConfigurationError, match="multiple boards"):
        M.machine_from_config(version=3, n_boards=2)
    with pytest.raises(ConfigurationError, match="2x2"):
        M.machine_from_config(version=3, width=8, height=8)
    with pytest.raises(ConfigurationError, match="together"):
        M.machine_from_config(width=8)
    with pytest.raises(ConfigurationError, match="not supported"):
        M.machine_from_config(version=201)
    with pytest.raises(ConfigurationError, match="at most one"):
        M.machine_from_config(n_boards=1, n_chips=3)
    with pytest.raises(ConfigurationError, match="1200 boards"):
        M.machine_from_config(n_boards=1201)


def test_chip_views():
    m = M.spinn5()
    chip = m.chips[(3, 2)]
    assert (chip.x, chip.y, chip.board, chip.ethernet, chip.local) == (3, 2, 0, (0, 0), (3, 2))
    assert chip.n_application_cores == 17
    assert chip.neighbours[0] == (4, 2)
    assert "Chip (3, 2)" in str(chip)
    assert m.chip_at(0, 7) is None
    with pytest.raises(KeyError):
        m.chips[(0, 7)]
    # chips iterate x first, then y
    coords = list(m.chips)
    assert coords[:5] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]
    js = m.to_json()
    assert js["n_chips"] == 48 and js["sdram_per_chip"] == SDRAM
