"""Giving freed memory back to the operating system between the mapper's passes.

The mapper and the connectors free large temporary arrays all the time, many of them in
worker threads; glibc keeps what was freed in its heaps (one per thread) unless asked to
return it, so the process's resident memory would stay near the sum of every pass's peak.
"""
import ctypes
import ctypes.util

try:
    _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    _trim.argtypes = [ctypes.c_size_t]
except (OSError, AttributeError):          # not glibc: nothing to do
    _trim = None


def give_back():
    """Return the free memory of every malloc heap to the system (glibc's malloc_trim)."""
    if _trim is not None:
        _trim(0)
