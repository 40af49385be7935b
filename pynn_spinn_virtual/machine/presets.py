"""Machine presets and the toolchain's rules for sizing a virtual machine."""
import math

from ..exceptions import ConfigurationError, MappingError
from ..profiles import get_profile
from . import geometry
from .geometry import (CHIPS_PER_BOARD, HBP_BOARDS, HBP_HEIGHT, HBP_WIDTH, SPINN3_ABSENT_LINKS,
                       SPINN3_BOARD_CHIPS, SPINN5_BOARD_CHIPS, board_origins,
                       is_valid_multi_board_dimension, size_from_n_boards)
from .machine import build_machine

#: chips of the largest machine a model may be sized to (the 10-cabinet HBP machine)
MAX_CHIPS = HBP_BOARDS * CHIPS_PER_BOARD


def _profile(profile):
    if profile is None:
        return get_profile("6")
    if isinstance(profile, str):
        return get_profile(profile)
    return profile


def spinn3(profile=None):
    """The 4-chip SpiNN-3 board: 2 x 2 chips, Ethernet at (0, 0).

    The 2 x 2 grid is a full-wrap machine in the toolchain, but the board has no
    wrap-around wires in x, so only the vertical links wrap (see geometry.py).
    """
    return build_machine("SpiNN-3", 2, 2, True, True, [(0, 0)], SPINN3_BOARD_CHIPS,
                         _profile(profile), absent_links=SPINN3_ABSENT_LINKS, kind="spinn3")


def spinn5(profile=None):
    """One 48-chip SpiNN-5 board: the hexagon on the 8 x 8 grid, no wrap-around."""
    return build_machine("SpiNN-5", 8, 8, False, False, [(0, 0)], SPINN5_BOARD_CHIPS,
                         _profile(profile), kind="spinn5")


def from_size(width, height, profile=None, name=None):
    """A virtual machine of width x height chips, as the toolchain accepts them.

    2 x 2 is a SpiNN-3 board and 8 x 8 a SpiNN-5 board.  Larger machines are made of
    SpiNN-5 boards in triads: each dimension must be a multiple of 12 (then it wraps
    around) or a multiple of 12 plus 4 (then it does not); Ethernet chips sit where
    x % 4 == 0 and (x + y) % 12 == 0 on the triad pattern.
    """
    profile = _profile(profile)
    width, height = int(width), int(height)
    if (width, height) == (2, 2):
        return spinn3(profile)
    if (width, height) == (8, 8):
        return spinn5(profile)
    for label, n in (("width", width), ("height", height)):
        if not is_valid_multi_board_dimension(n):
            raise ConfigurationError(
                f"A virtual machine of {width}x{height} chips is not possible: the {label} "
                f"{n} must be 2 or 8 for a single board, or a multiple of 12 (with "
                f"wrap-around) or a multiple of 12 plus 4 (without) for several boards")
    wrap_x = width % geometry.TRIAD_SIZE == 0
    wrap_y = height % geometry.TRIAD_SIZE == 0
    origins = board_origins(width, height)
    if name is None:
        name = f"{len(origins)}-board machine"
    return build_machine(name, width, height, wrap_x, wrap_y, origins, SPINN5_BOARD_CHIPS,
                         profile, kind="multi_board")


def multi_board(n_boards, profile=None):
    """The smallest machine of SpiNN-5 boards the toolchain allocates for `n_boards` boards.

    1 -> 8x8 (48 chips), 2-3 -> 16x16 (3 boards), 4-6 -> 28x16 (6 boards),
    24 -> 40x40, 120 -> 88x76, 600 -> 184x172, 1200 -> 244x244 (see
    :func:`geometry.size_from_n_boards`).  The result may have more boards than asked for.
    """
    n_boards = int(n_boards)
    if n_boards < 1:
        raise ConfigurationError(f"A machine needs at least 1 board, not {n_boards}")
    if n_boards > HBP_BOARDS:
        raise ConfigurationError(
            f"{n_boards} boards were requested but the largest machine, the 10-cabinet HBP "
            f"machine, has {HBP_BOARDS} boards")
    width, height = size_from_n_boards(n_boards)
    return from_size(width, height, profile)


def hbp_machine(profile=None):
    """The 10-cabinet HBP (SpiNNaker1M) machine: 1200 SpiNN-5 boards, 400 triads laid out
    20 x 20, i.e. 240 x 240 chips with wrap-around in both directions.

    57,600 chips x 18 cores = 1,036,800 cores; 979,200 application cores in profile "6".
    """
    return from_size(HBP_WIDTH, HBP_HEIGHT, profile,
                     name="HBP machine (10 cabinets, 1200 SpiNN-5 boards)")


def machine_for(n_chips_needed, profile=None):
    """The smallest machine that has at least `n_chips_needed` chips.

    Like the toolchain sizing a virtual machine from the partitioned graph: the chips
    are rounded up to whole SpiNN-5 boards (48 chips) and the boards to the triad
    rectangle of :func:`multi_board`.  More chips than the HBP machine has is refused.
    """
    n = int(n_chips_needed)
    if n > MAX_CHIPS:
        boards = math.ceil(n / CHIPS_PER_BOARD)
        raise MappingError(
            f"The model requires {n} chips ({boards} SpiNN-5 boards) but the largest machine, "
            f"the 10-cabinet HBP machine, has {MAX_CHIPS} chips ({HBP_BOARDS} boards); "
            f"it is {n - MAX_CHIPS} chips too large")
    boards = max(1, math.ceil(n / CHIPS_PER_BOARD))
    return multi_board(boards, profile)


def machine_from_config(version=None, width=None, height=None, n_boards=None, n_chips=None,
                        profile=None, n_chips_needed=None):
    """The machine chosen by setup() arguments / ``[Machine]`` options.

    * `width` and `height` (both or neither): that size (:func:`from_size`); with
      `version` 3 it must be 2 x 2, with version 5 any SpiNN-5 size;
    * else `n_boards` (``n_boards_required``) or `n_chips` (``n_chips_required``):
      the smallest machine with that many boards / chips;
    * else `version` 3 (or 2): the SpiNN-3 board;
    * else (version 5, 4 or None): a machine sized to the model, i.e.
      ``machine_for(n_chips_needed)`` if `n_chips_needed` is given, otherwise None (the
      caller sizes it once the graph is known).
    """
    profile = _profile(profile)
    if version is not None:
        try:
            version = int(version)
        except (TypeError, ValueError):
            raise ConfigurationError(f"[Machine] version {version!r} is not a board version")
        if version not in (2, 3, 4, 5):
            raise ConfigurationError(
                f"[Machine] version {version} is not supported: use 3 (SpiNN-3, 4 chips) or "
                f"5 (SpiNN-5 boards)")
    if n_boards is not None and n_chips is not None:
        raise ConfigurationError("Please use at most one of n_chips_required or "
                                 "n_boards_required")
    if (width is None) != (height is None):
        raise ConfigurationError(
            f"[Machine] width and height must be given together (width={width}, "
            f"height={height})")
    if width is not None:
        width, height = int(width), int(height)
        if version in (2, 3) and (width, height) != (2, 2):
            raise ConfigurationError(
                f"A version {version} board is 2x2 chips, not {width}x{height}")
        if version in (4, 5) and (width, height) == (2, 2):
            raise ConfigurationError(
                f"A version {version} machine is made of 48-chip boards; 2x2 is a SpiNN-3")
        machine = from_size(width, height, profile)
        if n_boards is not None and machine.n_boards < int(n_boards):
            raise ConfigurationError(
                f"Setup asked for {n_boards} boards but a {width}x{height} machine has "
                f"{machine.n_boards}")
        if n_chips is not None and machine.n_chips < int(n_chips):
            raise ConfigurationError(
                f"Setup asked for {n_chips} chips but a {width}x{height} machine has "
                f"{machine.n_chips}")
        return machine
    if version in (2, 3):
        if n_boards is not None and int(n_boards) > 1:
            raise ConfigurationError(
                f"Version {version} (SpiNN-3) does not support multiple boards "
                f"({n_boards} requested)")
        if n_chips is not None and int(n_chips) > 4:
            raise ConfigurationError(
                f"Version {version} (SpiNN-3) has 4 chips, {n_chips} were requested")
        return spinn3(profile)
    if n_boards is not None:
        return multi_board(n_boards, profile)
    if n_chips is not None:
        if int(n_chips) > MAX_CHIPS:
            raise ConfigurationError(
                f"Setup asked for {n_chips} chips but the largest machine, the 10-cabinet "
                f"HBP machine, has {MAX_CHIPS}")
        return machine_for(n_chips, profile)
    if n_chips_needed is not None:
        return machine_for(n_chips_needed, profile)
    return None
