/*
 * Delay-extension cores (spec kernel.md §5.2, profile 6).
 *
 * A delay core serves one source core and has the same atoms.  It keeps an
 * 8-bit spike counter per (slot, atom) in a Python-owned array of n_slots
 * rows (n_slots a power of two > n_stages * stage_length, so no slot is
 * reused while a stage may still read it):
 *
 *   phase A of tick T: for k = 1..n_stages (only while T >= k * L, as the
 *       machine does), atoms i in index order: if counter[(T - k L) mod
 *       n_slots][i] = c > 0, emit key (k - 1) * n_atoms + i with payload c
 *       (its rows are processed c times); then slot T mod n_slots is zeroed;
 *   phase B of tick T: every spike the source emitted in phase A of tick T
 *       (with its count) is added to counter[T mod n_slots][atom], which
 *       saturates at 255; the excess spikes are lost and counted.
 *
 * So a spike of tick t leaves as stage k at tick t + k L, and a stage-k row
 * with delay field r puts it into the ring-buffer slot of t + k L + r: the
 * same tick as an on-core delay of k L + r.
 */
#include <string.h>

#include "kernel.h"

static uint8_t *slot_counters(const kn_core_t *core, uint32_t slot)
{
    KN_ASSERT(slot <= core->delay.slot_mask);
    return core->delay.counters + (size_t)slot * core->n_atoms;
}

/* slot_used from the counters as Python left them. */
void kn_delay_begin_run(kn_core_t *core)
{
    kn_delay_core_t *dc = &core->delay;
    for (uint32_t slot = 0; slot <= dc->slot_mask; slot++) {
        const uint8_t *counters = slot_counters(core, slot);
        uint8_t used = 0;
        for (uint32_t i = 0; i < core->n_atoms && !used; i++)
            used = counters[i] != 0;
        dc->slot_used[slot] = used;
    }
    core->out_n = 0;
}

/* Phase A: this tick's keys (stage by stage, atoms in index order) with
 * their counts, then the slot of this tick is emptied for phase B. */
void kn_delay_tick(kn_core_t *core, uint32_t tick)
{
    kn_delay_core_t *dc = &core->delay;
    const uint32_t n_atoms = core->n_atoms;
    size_t out_n = 0;

    for (uint32_t k = 1; k <= dc->n_stages; k++) {
        uint32_t delay = k * dc->stage_length;   /* <= 2^24, checked at add time */
        if (tick < delay)
            break;                               /* and so are the later stages */
        uint32_t slot = (tick - delay) & dc->slot_mask;
        if (!dc->slot_used[slot])
            continue;
        const uint8_t *counters = slot_counters(core, slot);
        const uint32_t first_key = (k - 1) * n_atoms;
        for (uint32_t i = 0; i < n_atoms; i++) {
            if (counters[i] != 0) {
                KN_ASSERT(out_n < (size_t)dc->n_stages * n_atoms);
                dc->out_index[out_n] = first_key + i;
                dc->out_count[out_n] = counters[i];
                out_n++;
            }
        }
    }

    uint32_t now = tick & dc->slot_mask;
    if (dc->slot_used[now]) {
        memset(slot_counters(core, now), 0, n_atoms);
        dc->slot_used[now] = 0;
    }
    core->out_index = dc->out_index;
    core->out_count = dc->out_count;
    core->out_n = out_n;
}

/* Phase B: counts what `source` emitted in phase A of this tick. */
void kn_delay_receive(kn_core_t *core, const kn_core_t *source, uint32_t tick)
{
    if (source->out_n == 0)
        return;
    kn_delay_core_t *dc = &core->delay;
    const uint32_t slot = tick & dc->slot_mask;
    uint8_t *counters = slot_counters(core, slot);
    uint64_t lost = 0, received = 0;
    for (size_t s = 0; s < source->out_n; s++) {
        uint32_t atom = source->out_index[s];
        uint64_t count = source->out_count != NULL ? source->out_count[s] : 1;
        KN_ASSERT(atom < core->n_atoms);
        received += count;
        uint64_t sum = counters[atom] + count;
        if (sum > KN_DELAY_COUNTER_MAX) {
            lost += sum - KN_DELAY_COUNTER_MAX;
            sum = KN_DELAY_COUNTER_MAX;
        }
        counters[atom] = (uint8_t)sum;
    }
    dc->slot_used[slot] = 1;
    core->saturations += lost;
    kn_load_add(&core->load, KN_LOAD_PACKETS_IN, received);
}
