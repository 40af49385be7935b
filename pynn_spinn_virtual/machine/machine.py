"""A description of a SpiNNaker-1 machine: chips, cores, SDRAM, routers, links, boards.

A :class:`Machine` keeps its chips in numpy arrays indexed by (x, y), so that even the
57,600-chip HBP machine is built in milliseconds; :class:`Chip` objects are made on demand
(``machine.chips[(x, y)]``, ``machine[x, y]``, iteration) and cached.
"""
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..exceptions import ConfigurationError
from ..profiles import get_profile
from .geometry import LINK_NAMES, LINK_OFFSETS, opposite_link


@dataclass(frozen=True)
class Chip:
    """One chip of a machine (a read-only view)."""

    x: int
    y: int
    n_cores: int                    #: cores on the chip (18 on a SpiNNaker-1 chip)
    monitor_cores: tuple            #: cores running system code (core 0: the SCAMP monitor)
    sdram: int                      #: bytes of SDRAM usable by applications
    router_entries: int             #: multicast routing-table entries available
    is_ethernet: bool               #: the chip with the board's Ethernet connection
    ethernet: tuple                 #: (x, y) of the Ethernet chip of its board
    board: int                      #: index of its board in ``machine.boards``
    local: tuple                    #: (x, y) on its board, relative to the Ethernet chip
    links: tuple                    #: ((link id, (x, y) of the neighbour)), ordered by id

    @property
    def application_cores(self):
        """Cores that may run application code, in increasing order."""
        return tuple(p for p in range(self.n_cores) if p not in self.monitor_cores)

    @property
    def n_application_cores(self):
        return self.n_cores - len(self.monitor_cores)

    @property
    def neighbours(self):
        """{link id: (x, y)} of the chips this chip has a working link to."""
        return dict(self.links)

    def __str__(self):
        kind = " (Ethernet)" if self.is_ethernet else ""
        links = ", ".join(f"{LINK_NAMES[d]}->{xy}" for d, xy in self.links)
        return (f"Chip ({self.x}, {self.y}){kind}: {self.n_cores} cores "
                f"({self.n_application_cores} application), {self.sdram} bytes SDRAM, "
                f"{self.router_entries} router entries, board {self.board}, links {links}")


class Board:
    """One SpiNN-5 (or SpiNN-3) board of a machine."""

    __slots__ = ("index", "ethernet", "_machine")

    def __init__(self, index, ethernet, machine):
        self.index = index
        self.ethernet = ethernet
        self._machine = machine

    @property
    def chips(self):
        """(x, y) of the chips of this board, in x-then-y order."""
        m = self._machine
        xs, ys = np.nonzero(m.board_of == self.index)
        return list(zip(xs.tolist(), ys.tolist()))

    @property
    def n_chips(self):
        return int(np.count_nonzero(self._machine.board_of == self.index))

    def __repr__(self):
        return f"Board({self.index}, ethernet={self.ethernet})"


class _Chips(Mapping):
    """``machine.chips``: a read-only mapping (x, y) -> Chip, built lazily."""

    __slots__ = ("_machine",)

    def __init__(self, machine):
        self._machine = machine

    def __getitem__(self, xy):
        chip = self._machine.chip_at(*xy)
        if chip is None:
            raise KeyError(xy)
        return chip

    def __contains__(self, xy):
        try:
            x, y = xy
        except (TypeError, ValueError):
            return False
        return self._machine.is_chip_at(x, y)

    def __len__(self):
        return self._machine.n_chips

    def __iter__(self):
        return iter(self._machine.chip_coordinates())


class Machine:
    """A SpiNNaker-1 machine of ``width`` x ``height`` chip positions.

    Not every position need hold a chip (a SpiNN-5 board is a hexagon on an 8 x 8 grid;
    a multi-board machine without wrap-around has gaps along its edges).  Where the
    machine wraps around, links leaving one edge arrive at the opposite edge.
    """

    def __init__(self, name, width, height, wrap_x, wrap_y, exists, board_of, local_x,
                 local_y, n_cores, ethernets, link_mask, profile, kind):
        self.name = name
        self.width = int(width)
        self.height = int(height)
        self.wrap_x = bool(wrap_x)
        self.wrap_y = bool(wrap_y)
        #: bool[width, height]: a chip at (x, y)
        self.exists = exists
        #: int[width, height]: board index of each chip (-1: none)
        self.board_of = board_of
        self.local_x = local_x
        self.local_y = local_y
        #: int[width, height]: cores of each chip (0: none)
        self.n_cores_at = n_cores
        #: uint8[width, height]: bit d set when link d works
        self.link_mask = link_mask
        self.profile = profile
        #: "spinn3", "spinn5" or "multi_board"
        self.kind = kind
        self.ethernets = [tuple(map(int, e)) for e in ethernets]
        self.boards = [Board(i, e, self) for i, e in enumerate(self.ethernets)]
        self.monitor_cores = tuple(profile.monitor_cores)
        self.sdram_per_chip = int(profile.sdram_per_chip)
        self.router_entries_per_chip = int(profile.router_entries_per_chip)
        self._chip_cache = {}
        self._coords = None
        self._eth_set = set(self.ethernets)
        self.chips = _Chips(self)

    # -- shape -------------------------------------------------------------------------
    @property
    def wrap(self):
        """The toolchain's name for the wrap-around: FullWrap, HorizontalWrap, VerticalWrap, NoWrap."""
        if self.wrap_x and self.wrap_y:
            return "FullWrap"
        if self.wrap_x:
            return "HorizontalWrap"
        if self.wrap_y:
            return "VerticalWrap"
        return "NoWrap"

    @property
    def n_boards(self):
        return len(self.ethernets)

    @property
    def n_chips(self):
        return int(np.count_nonzero(self.exists))

    @property
    def n_cores(self):
        return int(self.n_cores_at.sum())

    def application_cores_at(self, x, y):
        """Cores of chip (x, y) that may run application code."""
        n = int(self.n_cores_at[x, y])
        reserved = set(self.monitor_cores)
        extra = self.profile.ethernet_chip_system_cores if (x, y) in self._eth_set else 0
        cores = [p for p in range(n) if p not in reserved]
        return tuple(cores[extra:])

    @property
    def n_application_cores(self):
        n_mon = len(self.monitor_cores)
        per_chip = np.where(self.exists, self.n_cores_at - n_mon, 0)
        return int(per_chip.sum()) - self.profile.ethernet_chip_system_cores * self.n_boards

    @property
    def total_sdram(self):
        return self.n_chips * self.sdram_per_chip

    def sdram_at(self, x, y):
        """SDRAM of chip (x, y) left for the application."""
        sdram = self.sdram_per_chip - self.profile.monitor_sdram_per_chip
        if (x, y) in self._eth_set:
            sdram -= self.profile.ethernet_chip_system_sdram
        return sdram

    def max_neurons(self, neurons_per_core=None):
        """Neurons the machine can hold at `neurons_per_core` (profile default) per core."""
        if neurons_per_core is None:
            neurons_per_core = self.profile.max_neurons_per_core
        return self.n_application_cores * int(neurons_per_core)

    # -- chips -------------------------------------------------------------------------
    def is_chip_at(self, x, y):
        return (0 <= x < self.width and 0 <= y < self.height
                and bool(self.exists[x, y]))

    def chip_coordinates(self):
        """(x, y) of every chip, x first then y (the order chips are tried as starts)."""
        if self._coords is None:
            xs, ys = np.nonzero(self.exists)
            self._coords = list(zip(xs.tolist(), ys.tolist()))
        return self._coords

    def chip_at(self, x, y):
        """The :class:`Chip` at (x, y), or None."""
        if not self.is_chip_at(x, y):
            return None
        chip = self._chip_cache.get((x, y))
        if chip is None:
            board = int(self.board_of[x, y])
            chip = Chip(
                x=x, y=y, n_cores=int(self.n_cores_at[x, y]),
                monitor_cores=self.monitor_cores, sdram=self.sdram_at(x, y),
                router_entries=self.router_entries_per_chip,
                is_ethernet=(x, y) in self._eth_set, ethernet=self.ethernets[board],
                board=board, local=(int(self.local_x[x, y]), int(self.local_y[x, y])),
                links=tuple(self.links_of(x, y)))
            self._chip_cache[(x, y)] = chip
        return chip

    def __getitem__(self, xy):
        return self.chips[tuple(xy)]

    def __contains__(self, xy):
        return xy in self.chips

    def __iter__(self):
        return iter(self.chips.values())

    def __len__(self):
        return self.n_chips

    def ethernet_of(self, x, y):
        """(x, y) of the Ethernet chip of the board holding chip (x, y)."""
        return self.ethernets[int(self.board_of[x, y])]

    # -- links -------------------------------------------------------------------------
    def xy_over_link(self, x, y, link):
        """The position reached from (x, y) over `link`, wrapping where the machine wraps
        (it may hold no chip)."""
        dx, dy = LINK_OFFSETS[link]
        nx, ny = x + dx, y + dy
        if self.wrap_x:
            nx %= self.width
        if self.wrap_y:
            ny %= self.height
        return nx, ny

    def neighbour(self, x, y, link):
        """(x, y) of the chip at the other end of `link` of chip (x, y), or None when
        that link does not exist."""
        if not self.is_chip_at(x, y) or not (int(self.link_mask[x, y]) >> link) & 1:
            return None
        return self.xy_over_link(x, y, link)

    def links_of(self, x, y):
        """[(link id, (x, y) of the neighbour)] of the working links of chip (x, y)."""
        mask = int(self.link_mask[x, y])
        return [(d, self.xy_over_link(x, y, d)) for d in range(6) if (mask >> d) & 1]

    # -- description ---------------------------------------------------------------------
    def description(self):
        return (f"{self.name}: {self.width}x{self.height} {self.wrap}, {self.n_boards} "
                f"board{'s' if self.n_boards != 1 else ''}, {self.n_chips} chips, "
                f"{self.n_cores} cores ({self.n_application_cores} application cores)")

    def __str__(self):
        return self.description()

    def __repr__(self):
        return (f"<Machine {self.name} {self.width}x{self.height} {self.wrap} "
                f"chips={self.n_chips} cores={self.n_cores}>")

    def to_json(self):
        """A JSON-friendly summary of the machine (no per-chip list)."""
        return {
            "name": self.name, "kind": self.kind, "width": self.width,
            "height": self.height, "wrap": self.wrap, "n_boards": self.n_boards,
            "n_chips": self.n_chips, "n_cores": self.n_cores,
            "n_application_cores": self.n_application_cores,
            "monitor_cores": list(self.monitor_cores),
            "sdram_per_chip": self.sdram_per_chip,
            "router_entries_per_chip": self.router_entries_per_chip,
            "ethernet_chips": [list(e) for e in self.ethernets],
        }


def build_machine(name, width, height, wrap_x, wrap_y, origins, board_chips, profile=None,
                  absent_links=frozenset(), kind="multi_board"):
    """Lay boards out on a width x height grid and connect neighbouring chips.

    `origins` are the Ethernet chips of the boards, `board_chips` the board-local (x, y)
    of the chips of one board.  A board that would leave the grid in a dimension that
    does not wrap is an error.  Every pair of chips that are neighbours (over the wrap
    where it exists) is linked, except the links listed in `absent_links` ((x, y, link)).
    """
    profile = get_profile("6") if profile is None else profile
    origins = np.asarray(origins, dtype=np.int64).reshape(-1, 2)
    local = np.asarray(board_chips, dtype=np.int64).reshape(-1, 2)
    xs = origins[:, None, 0] + local[None, :, 0]
    ys = origins[:, None, 1] + local[None, :, 1]
    if wrap_x:
        xs %= width
    if wrap_y:
        ys %= height
    if xs.min() < 0 or xs.max() >= width or ys.min() < 0 or ys.max() >= height:
        raise ConfigurationError(
            f"{name}: boards do not fit a {width}x{height} machine without wrap-around")
    exists = np.zeros((width, height), dtype=bool)
    board_of = np.full((width, height), -1, dtype=np.int32)
    local_x = np.full((width, height), -1, dtype=np.int16)
    local_y = np.full((width, height), -1, dtype=np.int16)
    n_boards, n_local = xs.shape
    flat_x, flat_y = xs.ravel(), ys.ravel()
    if np.count_nonzero(np.bincount(flat_x * height + flat_y) > 1):
        raise ConfigurationError(f"{name}: boards overlap on a {width}x{height} machine")
    exists[flat_x, flat_y] = True
    board_of[flat_x, flat_y] = np.repeat(np.arange(n_boards, dtype=np.int32), n_local)
    local_x[flat_x, flat_y] = np.tile(local[:, 0], n_boards)
    local_y[flat_x, flat_y] = np.tile(local[:, 1], n_boards)
    cores_by_local = np.array([profile.chip_cores(int(lx), int(ly)) for lx, ly in local],
                              dtype=np.int32)
    n_cores = np.zeros((width, height), dtype=np.int32)
    n_cores[flat_x, flat_y] = np.tile(cores_by_local, n_boards)

    link_mask = np.zeros((width, height), dtype=np.uint8)
    gx, gy = np.meshgrid(np.arange(width), np.arange(height), indexing="ij")
    for d, (dx, dy) in enumerate(LINK_OFFSETS):
        nx, ny = gx + dx, gy + dy
        if wrap_x:
            nx %= width
        if wrap_y:
            ny %= height
        inside = (nx >= 0) & (nx < width) & (ny >= 0) & (ny < height)
        ok = exists & inside
        ok[inside] &= exists[nx[inside], ny[inside]]
        link_mask |= (ok.astype(np.uint8) << d)
    for x, y, d in absent_links:
        link_mask[x, y] &= np.uint8(~(1 << d) & 0xFF)
        # the wire has two ends: remove the other one too
        nx, ny = x + LINK_OFFSETS[d][0], y + LINK_OFFSETS[d][1]
        if wrap_x:
            nx %= width
        if wrap_y:
            ny %= height
        if 0 <= nx < width and 0 <= ny < height:
            link_mask[nx, ny] &= np.uint8(~(1 << opposite_link(d)) & 0xFF)
    return Machine(name, width, height, wrap_x, wrap_y, exists, board_of, local_x, local_y,
                   n_cores, [tuple(o) for o in origins.tolist()], link_mask, profile, kind)
