"""Placing machine vertices on cores, as the toolchain's application placer does.

Rules (docs/mapping.md, "Placement"):

* vertices with a placement constraint are placed first, on the chip (and core) given;
* then application vertices in creation order (the order of their first slice in
  ``graph.vertices``), the slices of one application vertex together: starting from a
  start chip, filling its free application cores in increasing order, then moving to a
  neighbouring chip (over the links in link order 0..5, chips of the same board before
  chips of other boards), never using a monitor core;
* start chips are taken in x-then-y order from (0, 0); chips tried as starts by one
  application vertex are offered again first to the next one; when the chips around a
  start run out before all slices are placed, the whole application vertex starts again
  from the next start chip;
* a chip is full for later application vertices once all its application cores are used
  or its SDRAM use passes ``sdram - sdram // application cores``; a slice fits a chip
  when a core is free and the chip's SDRAM is not exceeded.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from ..exceptions import MappingError

Placement = namedtuple("Placement", "x y p")


class Placements:
    """Where every machine vertex runs: vertex -> (x, y, p)."""

    def __init__(self, graph, machine):
        self.graph = graph
        self.machine = machine
        self._where = {}
        self._by_core = {}
        self._by_chip = {}
        self._sdram = {}

    def add(self, vertex, x, y, p):
        if vertex in self._where:
            raise MappingError(f"{vertex.label} is already placed at {self._where[vertex]}")
        if (x, y, p) in self._by_core:
            raise MappingError(f"Core ({x}, {y}, {p}) already holds "
                               f"{self._by_core[(x, y, p)].label}")
        place = Placement(x, y, p)
        self._where[vertex] = place
        self._by_core[place] = vertex
        self._by_chip.setdefault((x, y), {})[p] = vertex
        self._sdram[(x, y)] = self._sdram.get((x, y), 0) + int(vertex.sdram_bytes)

    # -- queries -----------------------------------------------------------------------
    def __getitem__(self, vertex):
        return self._where[vertex]

    def of(self, vertex):
        return self._where[vertex]

    def get(self, vertex, default=None):
        return self._where.get(vertex, default)

    def __contains__(self, vertex):
        return vertex in self._where

    def __len__(self):
        return len(self._where)

    def __iter__(self):
        """(vertex, Placement) in the order of graph.vertices."""
        for vertex in self.graph.vertices:
            if vertex in self._where:
                yield vertex, self._where[vertex]

    def vertex_at(self, x, y, p):
        return self._by_core.get((x, y, p))

    def on_chip(self, x, y):
        """[(p, vertex)] on chip (x, y), by core."""
        return sorted(self._by_chip.get((x, y), {}).items())

    @property
    def chips(self):
        """(x, y) of the chips holding vertices, x then y."""
        return sorted(self._by_chip)

    @property
    def n_chips_used(self):
        return len(self._by_chip)

    @property
    def n_cores_used(self):
        return len(self._where)

    def sdram_on_chip(self, x, y):
        return self._sdram.get((x, y), 0)

    def arrays(self):
        """(x, y, p) int arrays indexed like graph.vertices (-1 where not placed)."""
        n = len(self.graph.vertices)
        out = np.full((3, n), -1, dtype=np.int64)
        for i, vertex in enumerate(self.graph.vertices):
            place = self._where.get(vertex)
            if place is not None:
                out[:, i] = place
        return out[0], out[1], out[2]


# -- chip counting ------------------------------------------------------------------------
def chips_needed(graph, profile):
    """Chips a graph needs, counted like the toolchain's ChipCounter.

    Vertices are taken in graph order; a new chip is opened whenever the current one
    lacks a free application core or the SDRAM for the next vertex.  A cheap estimate
    (it ignores constraints and the placer's neighbourhoods) used to size the machine.
    """
    cores_per_chip = int(profile.application_cores_per_chip)
    sdram_per_chip = int(profile.chip_sdram_for_application)
    n_chips = 0
    cores_free = 0
    sdram_free = 0
    for vertex in graph.vertices:
        sdram = int(vertex.sdram_bytes)
        if cores_free < 1 or sdram_free < sdram:
            n_chips += 1
            cores_free = cores_per_chip
            sdram_free = sdram_per_chip
        cores_free -= 1
        sdram_free -= sdram
    return n_chips


# -- the placer ---------------------------------------------------------------------------
class _ChipState:
    """Committed use of every chip: free application cores and SDRAM."""

    def __init__(self, machine, profile):
        self.machine = machine
        self.profile = profile
        self._free = {}
        self._sdram_used = {}

    def free_cores(self, xy):
        free = self._free.get(xy)
        if free is None:
            free = list(self.machine.application_cores_at(*xy))
            self._free[xy] = free
        return free

    def n_application_cores(self, xy):
        return len(self.machine.application_cores_at(*xy))

    def sdram_used(self, xy):
        return self._sdram_used.get(xy, 0)

    def commit(self, xy, p, sdram):
        self.free_cores(xy).remove(p)
        self._sdram_used[xy] = self.sdram_used(xy) + int(sdram)


class _Placer:
    def __init__(self, graph, machine, profile, placements, state):
        self.graph = graph
        self.machine = machine
        self.profile = profile
        self.placements = placements
        self.state = state
        self.max_cores = int(profile.application_cores_per_chip)
        self.max_sdram = int(profile.chip_sdram_for_application)
        #: a chip whose SDRAM use passes this is full for later application vertices
        self.cap_sdram = self.max_sdram - self.max_sdram // max(1, self.max_cores)
        self._starts = iter(machine.chip_coordinates())
        self.full = set()
        self.restored = []
        self.tried = []
        self.label = None
        # per preparation
        self.prepared = set()
        self.current = None
        self.current_free = []
        self.current_sdram = 0
        self.ethernet = None
        self.same_board = OrderedDict()
        self.other_board = OrderedDict()

    # -- one application vertex --------------------------------------------------------
    def place_application_vertex(self, label, vertices):
        self.label = label
        self.restored.extend(self.tried)
        self.tried = []
        while True:
            made = self._prepare(vertices)
            if made is not None:
                break
        for vertex, xy, p in made:
            self.state.commit(xy, p, vertex.sdram_bytes)
            self.placements.add(vertex, xy[0], xy[1], p)

    def _prepare(self, vertices):
        self.prepared = set()
        self.current = None
        made = []
        for vertex in vertices:
            sdram = int(vertex.sdram_bytes)
            chip = self._next_chip_with_space(sdram)
            if chip is None:
                return None
            made.append((vertex, chip, self.current_free.pop(0)))
        return made

    def _next_chip_with_space(self, sdram):
        if self.current is None:
            return self._next_start(sdram)
        if (self.current_free
                and self.current_sdram + sdram <= self.machine.sdram_at(*self.current)):
            self.current_sdram += sdram
            return self.current
        while True:
            chip = self._pop_neighbour()
            if chip is None:
                return None
            if self._space_on_chip(chip, sdram):
                return chip

    def _space_on_chip(self, xy, sdram):
        free = self.state.free_cores(xy)
        if not free:
            self.full.add(xy)
            return False
        used = self.state.sdram_used(xy)
        if used > self.cap_sdram:
            self.full.add(xy)
            return False
        self.prepared.add(xy)
        if used + sdram > self.machine.sdram_at(*xy):
            return False
        self.current = xy
        self.current_free = list(free)
        self.current_sdram = used + sdram
        self._add_neighbours(xy)
        return True

    def _next_start(self, sdram):
        self.same_board.clear()
        self.other_board.clear()
        while True:
            start = self._pop_start()
            self.tried.append(start)
            self.ethernet = self.machine.ethernet_of(*start)
            if self._space_on_chip(start, sdram):
                return start

    def _pop_start(self):
        while self.restored:
            xy = self.restored.pop(0)
            if xy not in self.full:
                return xy
        for xy in self._starts:
            if xy not in self.full:
                return xy
        needed = chips_needed(self.graph, self.profile)
        n_chips = self.machine.n_chips
        raise MappingError(
            f"No more chips to start with for {self.label}: out of {n_chips} chips "
            f"{len(self.full)} are already full and {len(self.tried)} were tried. "
            f"The graph requires {needed} chips but the machine has {n_chips} "
            f"({self.machine.description()}); it needs {max(needed - n_chips, 1)} more "
            f"chips, e.g. {_boards_hint(needed)}")

    def _add_neighbours(self, xy):
        for _, target in self.machine.links_of(*xy):
            if target in self.full or target in self.prepared:
                continue
            if self.machine.ethernet_of(*target) == self.ethernet:
                self.same_board[target] = True
            else:
                self.other_board[target] = True

    def _pop_neighbour(self):
        if self.same_board:
            xy, _ = self.same_board.popitem(last=False)
            return xy
        if self.other_board:
            xy, _ = self.other_board.popitem(last=False)
            self.ethernet = self.machine.ethernet_of(*xy)
            rest = list(self.other_board)
            self.other_board.clear()
            for chip in rest:
                if self.machine.ethernet_of(*chip) == self.ethernet:
                    self.same_board[chip] = True
                else:
                    self.other_board[chip] = True
            return xy
        return None


def _boards_hint(n_chips):
    from ..machine.geometry import CHIPS_PER_BOARD
    boards = -(-n_chips // CHIPS_PER_BOARD)
    return f"a machine of {boards} SpiNN-5 board{'s' if boards != 1 else ''}"


# -- constraints --------------------------------------------------------------------------
def _split_constraint(vertex):
    c = vertex.constraint
    if c is None:
        return None
    c = tuple(c)
    if len(c) == 2:
        return int(c[0]), int(c[1]), None
    if len(c) == 3:
        return int(c[0]), int(c[1]), (None if c[2] is None else int(c[2]))
    raise MappingError(f"{vertex.label}: a placement constraint is (x, y) or (x, y, p), "
                       f"not {vertex.constraint!r}")


def _place_fixed(vertices, machine, placements, state):
    fixed = [(v, _split_constraint(v)) for v in vertices]
    # first the vertices that name a core, then those that name only a chip
    for vertex, (x, y, p) in [f for f in fixed if f[1][2] is not None] + \
                             [f for f in fixed if f[1][2] is None]:
        label = vertex.label
        if not machine.is_chip_at(x, y):
            raise MappingError(
                f"{label} is constrained to chip ({x}, {y}) but {machine.description()} "
                f"has no such chip")
        free = state.free_cores((x, y))
        if p is None:
            if not free:
                n = state.n_application_cores((x, y))
                raise MappingError(
                    f"No more cores available on chip ({x}, {y}) to place {label}: all {n} "
                    f"application cores are already used")
            p = free[0]
        elif p not in free:
            n_cores = int(machine.n_cores_at[x, y])
            if p in machine.monitor_cores:
                why = "it runs the monitor (SCAMP)"
            elif not 0 <= p < n_cores:
                why = f"the chip has cores 0..{n_cores - 1}"
            elif placements.vertex_at(x, y, p) is not None:
                why = f"it already holds {placements.vertex_at(x, y, p).label}"
            else:
                why = "it is reserved for system software"
            raise MappingError(
                f"Core {p} on chip ({x}, {y}) is not available to place {label} on: {why}")
        sdram = state.sdram_used((x, y)) + int(vertex.sdram_bytes)
        limit = machine.sdram_at(x, y)
        if sdram > limit:
            raise MappingError(
                f"Too much SDRAM has been allocated on chip ({x}, {y}): placing {label} "
                f"there needs {sdram} bytes but the chip has {limit} ({sdram - limit} bytes "
                f"too many)")
        state.commit((x, y), p, vertex.sdram_bytes)
        placements.add(vertex, x, y, p)


def _check_sizes(graph, machine, profile):
    max_sdram = int(profile.chip_sdram_for_application)
    for vertex in graph.vertices:
        need = int(vertex.sdram_bytes)
        if need > max_sdram:
            if need > profile.sdram_per_chip:
                where = f"a chip only has {profile.sdram_per_chip} bytes"
            else:
                where = (f"after the monitors only {max_sdram} bytes are available on a "
                         f"chip")
            raise MappingError(
                f"{vertex.label} will not fit on any possible chip: it requires {need} bytes "
                f"of SDRAM but {where} ({need - max_sdram} bytes too many); "
                f"lowering the number of neurons per core may resolve this")


def place(graph, machine, profile=None):
    """Place every vertex of `graph` on a core of `machine`; return :class:`Placements`.

    Raises :class:`MappingError` naming what does not fit: a vertex too big for any chip,
    a constraint on a missing chip or an unavailable core, too much SDRAM on a constrained
    chip, or a machine too small ("... requires N chips but the machine has M").  The
    error's ``placements`` attribute holds what was placed before the failure (see
    :func:`reports.write_placement_errors`).
    """
    profile = machine.profile if profile is None else profile
    _check_sizes(graph, machine, profile)
    placements = Placements(graph, machine)
    state = _ChipState(machine, profile)
    try:
        fixed = [v for v in graph.vertices if v.constraint is not None]
        _place_fixed(fixed, machine, placements, state)
        groups = OrderedDict()
        for vertex in graph.vertices:
            if vertex.constraint is not None:
                continue
            groups.setdefault((vertex.app_index, vertex.app_label), []).append(vertex)
        placer = _Placer(graph, machine, profile, placements, state)
        for (_, label), vertices in groups.items():
            vertices.sort(key=lambda v: (v.slice_index, v.lo))
            placer.place_application_vertex(label, vertices)
    except MappingError as error:
        # what was placed before the failure, for reports.write_placement_errors
        error.placements = placements
        raise
    return placements
