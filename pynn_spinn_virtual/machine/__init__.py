"""Descriptions of SpiNNaker machines: chips, cores, SDRAM, routers, links, boards.

Presets: :func:`spinn3` (4 chips), :func:`spinn5` (one 48-chip board),
:func:`multi_board` (n boards, sized as the toolchain sizes them), :func:`from_size`
(width x height), :func:`hbp_machine` (the 10-cabinet, 1,036,800-core HBP machine),
:func:`machine_for` (the smallest machine with enough chips) and
:func:`machine_from_config` (setup() arguments / ``[Machine]`` options).
See docs/mapping.md.
"""
from .geometry import (LINK_NAMES, LINK_OFFSETS, SPINN5_BOARD_CHIPS, hexagonal_length,
                       opposite_link, size_from_n_boards)
from .machine import Board, Chip, Machine, build_machine
from .presets import (MAX_CHIPS, from_size, hbp_machine, machine_for, machine_from_config,
                      multi_board, spinn3, spinn5)

__all__ = [
    "Board", "Chip", "Machine", "build_machine", "LINK_NAMES", "LINK_OFFSETS",
    "SPINN5_BOARD_CHIPS", "hexagonal_length", "opposite_link", "size_from_n_boards",
    "MAX_CHIPS", "from_size", "hbp_machine", "machine_for", "machine_from_config",
    "multi_board", "spinn3", "spinn5",
]
