/*
 * Current sources (spec kernel.md §2.4 step 7), with the on-chip arithmetic
 * of sPyNNaker 7.x (neuron/current_sources/current_source_*.h at 68409c40);
 * profile 6 offers them although 5.x/6.x had none.  See docs/models.md.
 *
 * The machine evaluates each neuron's sources once per neuron per tick, in
 * neuron order, so a source injected into k neurons is called k times per
 * tick: a noisy source draws a new value for every neuron, and a step source
 * may advance its index once per call.  We call them in the same order.
 */
#include "kernel.h"

/* DC: amplitude while start <= t < stop */
static int32_t dc_value(const kn_cs_dc_t *p, uint32_t tick)
{
    return (tick >= p->start && tick < p->stop) ? p->amplitude : 0;
}

/* AC: offset + amplitude * sin(time * frequency + phase), time = the ticks
 * since start as an s16.15 ((t - start) << 15, which wraps after 2^16 ticks
 * as on the machine) */
static int32_t ac_value(const kn_cs_ac_t *p, uint32_t tick)
{
    if (!(tick >= p->start && tick < p->stop))
        return 0;
    int32_t time = (int32_t)((tick - p->start) << 15);
    int32_t sin_value = kn_sink(addk(mulk(time, p->frequency), p->phase));
    return addk(p->offset, mulk(p->amplitude, sin_value));
}

/* Step: when t reaches times[index], the value becomes amplitudes[index] and
 * the index moves on (by one per call); the value holds after the last
 * entry.  (The machine then reads times[len], past its array: we treat the
 * end of the list as "no further step".) */
static int32_t step_value(kn_cs_step_t *p, const kn_current_source_t *cs, uint32_t tick)
{
    if (p->index < cs->step_len && tick >= cs->step_times[p->index]) {
        p->amp_last = cs->step_amplitudes[p->index];
        p->index++;
    }
    return p->amp_last;
}

/* Noisy: mean + stdev * norminv_urt(KISS word), while start <= t < stop */
static int32_t noisy_value(kn_cs_noisy_t *p, uint32_t tick)
{
    if (!(tick >= p->start && tick < p->stop))
        return 0;
    kn_kiss_t rng = {p->rng_x, p->rng_y, p->rng_z, p->rng_c};
    int32_t z = kn_norminv_urt(kn_kiss_next(&rng));
    p->rng_x = rng.x, p->rng_y = rng.y, p->rng_z = rng.z, p->rng_c = rng.c;
    return addk(p->mean, mulk(p->stdev, z));
}

static int32_t source_value(kn_current_source_t *cs, uint32_t tick)
{
    switch (cs->kind) {
    case KN_CS_DC:
        return dc_value(cs->params, tick);
    case KN_CS_AC:
        return ac_value(cs->params, tick);
    case KN_CS_STEP:
        return step_value(cs->params, cs, tick);
    case KN_CS_NOISY:
        return noisy_value(cs->params, tick);
    }
    return 0;
}

int32_t kn_current_offset_slow(kn_neuron_core_t *nc, uint32_t tick, uint32_t n)
{
    int32_t offset = 0;
    for (uint32_t i = nc->source_offsets[n]; i < nc->source_offsets[n + 1]; i++) {
        KN_ASSERT(nc->source_ids[i] < nc->n_sources);
        offset = addk(offset, source_value(&nc->sources[nc->source_ids[i]], tick));
    }
    return offset;
}
