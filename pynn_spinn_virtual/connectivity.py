"""Synaptic rows in the machine's 32-bit word format, built vectorised.

A static synapse word is ``weight << 16 | delay << (N + T) | type << N | index``
(kernel spec §4.2), where N and T are the target core's index and synapse-type bits and the
delay field has D bits (a delay of 2**D ticks is stored as 0 and behaves as 2**D).  Each
source atom of an edge owns one row; rows are laid out consecutively with an offset table,
which is the kernel's view of the machine's master population table plus row blocks.
"""
import numpy as np


def quantise_weights(weights, scale):
    """16-bit integer weights as the host writes them: rint(|w| * scale) & 0xFFFF."""
    return (np.rint(np.abs(np.asarray(weights, dtype=np.float64)) * scale)
            .astype(np.int64) & 0xFFFF)


def build_rows(pre_local, post_local, weight_ints, delay_ticks, synapse_type, n_pre_atoms,
               index_bits, type_bits, delay_bits):
    """Return (row_offsets, words) for one edge.

    `pre_local`/`post_local` index atoms inside the pre and post slices.  Within a row the
    synapses keep the order in which the connector created them.
    """
    pre_local = np.asarray(pre_local, dtype=np.int64)
    order = np.argsort(pre_local, kind="stable")
    counts = np.bincount(pre_local, minlength=n_pre_atoms)
    offsets = np.zeros(n_pre_atoms + 1, dtype=np.uint32)
    np.cumsum(counts, out=offsets[1:])
    delay_mask = (1 << delay_bits) - 1
    words = ((np.asarray(weight_ints, dtype=np.uint32) << np.uint32(16))
             | ((np.asarray(delay_ticks, dtype=np.uint32) & np.uint32(delay_mask))
                << np.uint32(index_bits + type_bits))
             | (np.uint32(synapse_type) << np.uint32(index_bits))
             | np.asarray(post_local, dtype=np.uint32))
    return offsets, np.ascontiguousarray(words[order], dtype=np.uint32)
