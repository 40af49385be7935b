"""Fixed facts of SpiNNaker-1 boards: link directions, the 48-chip board, triads of boards.

Coordinates are (x, y) chip positions.  A chip has six links, numbered as the hardware
numbers them; link d leads to the chip at (x, y) + LINK_OFFSETS[d]:

    0 east (+1, 0)   1 north-east (+1, +1)   2 north (0, +1)
    3 west (-1, 0)   4 south-west (-1, -1)   5 south (0, -1)

so link d and link (d + 3) % 6 are the two ends of one wire.
"""
import numpy as np

#: (dx, dy) of each link direction
LINK_OFFSETS = ((1, 0), (1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1))
#: short names of the link directions, as the toolchain's reports print them
LINK_NAMES = ("E", "NE", "N", "W", "SW", "S")


def opposite_link(link):
    """The link a packet sent on `link` arrives on at the next chip."""
    return (link + 3) % 6


def _spinn5_board_chips():
    """The 48 board-local chip positions of a SpiNN-4/5 board.

    The board is a hexagon drawn on the 8 x 8 grid: column x holds the chips with
    max(0, x - 4) <= y <= min(7, x + 3), i.e. 4, 5, 6, 7, 8, 7, 6, 5 chips per column.
    Listed column by column (x, then y), the order boards are filled in.
    """
    return tuple((x, y) for x in range(8) for y in range(8) if -4 <= y - x <= 3)


#: board-local (x, y) of the 48 chips of a SpiNN-5 board; (0, 0) is the Ethernet chip
SPINN5_BOARD_CHIPS = _spinn5_board_chips()
#: local (x, y) of the 4 chips of a SpiNN-3 board; (0, 0) is the Ethernet chip
SPINN3_BOARD_CHIPS = ((0, 0), (0, 1), (1, 0), (1, 1))

#: a triad of three SpiNN-5 boards tiles a 12 x 12 area of chips
TRIAD_SIZE = 12
#: Ethernet (board origin) chips of the three boards of a triad, relative to the triad
TRIAD_BOARD_ORIGINS = ((0, 0), (4, 8), (8, 4))
#: chips per SpiNN-5 board, and the board's bounding box
CHIPS_PER_BOARD = 48
BOARD_WIDTH = BOARD_HEIGHT = 8
#: the 10-cabinet HBP machine: 10 cabinets x 5 frames x 24 boards = 400 triads (20 x 20)
HBP_BOARDS = 1200
HBP_WIDTH = HBP_HEIGHT = 240

#: links that the 4-chip SpiNN-3 board does not have although its 2 x 2 grid wraps:
#: the board wraps around vertically only (the toolchain's virtual 4-chip machine
#: lists exactly these as absent)
SPINN3_ABSENT_LINKS = frozenset({
    (0, 0, 3), (0, 0, 4), (0, 1, 3), (0, 1, 4),
    (1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1)})


def hexagonal_length(dx, dy):
    """Hops of the shortest route along a vector (dx, dy) on the hexagonal mesh.

    Moves along x, along y and along the diagonal (+1, +1) each cost one hop, so a vector
    whose components have the same sign costs max(|dx|, |dy|) and one whose components
    have opposite signs costs |dx| + |dy|.
    """
    if (dx >= 0) == (dy >= 0):
        return max(abs(dx), abs(dy))
    return abs(dx) + abs(dy)


def size_from_n_boards(n_boards):
    """(width, height) of the smallest multi-board machine with at least `n_boards` boards.

    The toolchain (and spalloc) hand out rectangles of triads: one board is an 8 x 8
    machine; otherwise t = ceil(n / 3) triads are laid out w = ceil(sqrt(t)) wide and
    h = ceil(t / w) high, and the machine, without wrap-around, is 12 w + 4 by 12 h + 4.
    """
    n_boards = int(n_boards)
    if n_boards <= 1:
        return BOARD_WIDTH, BOARD_HEIGHT
    triads = -(-n_boards // 3)
    width = int(np.ceil(np.sqrt(triads)))
    # integer square root guard against float rounding
    while width * width < triads:
        width += 1
    while (width - 1) * (width - 1) >= triads:
        width -= 1
    height = -(-triads // width)
    return width * TRIAD_SIZE + 4, height * TRIAD_SIZE + 4


def board_origins(width, height):
    """Ethernet chips (board origins) of a width x height machine of SpiNN-5 boards.

    In a dimension that wraps (a multiple of 12) the triads repeat across the whole
    dimension; in one that does not (12 k + 4), a board must fit without wrapping, so
    origins stop 7 chips before the edge.  Listed triad root by triad root, then y, then x.
    """
    span_x = width if width % TRIAD_SIZE == 0 else width - BOARD_WIDTH + 1
    span_y = height if height % TRIAD_SIZE == 0 else height - BOARD_HEIGHT + 1
    if span_x <= 0 or span_y <= 0:
        return [(0, 0)]
    return [(x, y)
            for root_x, root_y in TRIAD_BOARD_ORIGINS
            for y in range(root_y, span_y, TRIAD_SIZE)
            for x in range(root_x, span_x, TRIAD_SIZE)]


def is_valid_multi_board_dimension(n):
    """A multi-board machine dimension: 12 k (wraps) or 12 k + 4 (does not), k >= 1."""
    return n >= TRIAD_SIZE and (n % TRIAD_SIZE == 0 or n % TRIAD_SIZE == 4)
