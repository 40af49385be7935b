/*
 * Spike-source-array cores (spec kernel.md §7.1): at tick t every event
 * stamped t is emitted, exactly like a neuron spike of step t.
 *
 * Events are kept sorted by tick (in the order given within a tick).  A run
 * finds its first event with a binary search, so runs may start at any tick
 * and a reset needs no state.  A neuron listed k times in the same tick is
 * emitted as k separate entries (its row is processed k times, as k packets
 * would be on the machine); its spike-record bit is simply set.
 */
#include "kernel.h"

/* first event with tick >= start_tick */
static size_t lower_bound(const uint32_t *ticks, size_t n, uint32_t start_tick)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ticks[mid] < start_tick)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void kn_spike_array_begin_run(kn_core_t *core, uint32_t start_tick)
{
    core->ssa.cursor = lower_bound(core->ssa.ticks, core->ssa.n_events, start_tick);
    core->out_n = 0;
}

/* Phase A: the output list is the run of this tick's events, in place. */
void kn_spike_array_tick(kn_core_t *core, uint32_t tick)
{
    kn_spike_array_core_t *ssa = &core->ssa;
    size_t first = ssa->cursor;

    kn_recording_begin_tick(&core->rec, tick);
    /* ticks are sorted and the cursor starts at the run's first tick, so
     * every event before the cursor is in the past */
    while (ssa->cursor < ssa->n_events && ssa->ticks[ssa->cursor] == tick) {
        kn_record_spike(&core->rec, ssa->indices[ssa->cursor]);
        ssa->cursor++;
    }
    core->out_index = ssa->indices + first;
    core->out_n = ssa->cursor - first;
}
