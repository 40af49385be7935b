/*
 * SpikeSourcePoisson cores of 5.x/6.x (spec kernel.md §7.2; sPyNNaker 6.0
 * spike_source/poisson/spike_source_poisson.c): the host computes each
 * source's regime parameters, the chip draws spike counts from one KISS
 * generator per core, source by source in index order, every tick.
 *
 *   fast (is_fast, sqrt_lambda <= 0): Knuth's method with exp(-lambda)
 *   faster (is_fast, sqrt_lambda > 0): n = round((0.5 z + sqrt_lambda)^2), z normal
 *   slow (!is_fast, mean_isi_ticks != 0): time_to_spike counts down in
 *       1/1000 tick; while it is below 1000 a spike is emitted and an ISI added
 *
 * A source is active while start_tick <= t < end_tick.  After a source was
 * processed in tick t, if t + 1 >= next_tick it switches to the next entry of
 * its schedule (SpikeSourcePoissonVariable), which therefore rules from tick
 * t + 1 = next_tick on; a slow entry draws a fresh time_to_spike then.
 */
#include "kernel.h"

#define ISI_SCALE 1000u          /* time_to_spike is in 1/1000 tick */

/* (uint32) roundk(E * 1000) * mean_isi_ticks, E an Exp(1) variate: the
 * product E * 1000 is exact (accum x int), wrapping to 32 bits; the rounding
 * is half up; the final product wraps (uint32 arithmetic). */
uint32_t kn_poisson_isi(kn_kiss_t *rng, uint32_t mean_isi_ticks)
{
    int32_t e = kn_exponential_variate(rng);
    int32_t scaled = (int32_t)((uint32_t)e * ISI_SCALE);
    uint32_t value = (uint32_t)(round_bits(scaled, 15) >> 15);
    return value * mean_isi_ticks;
}

/* Knuth: multiply u0.32 uniforms (each product floored) until the product
 * is <= exp(-lambda); the count is the number of factors - 1. */
static uint32_t fast_count(kn_kiss_t *rng, uint32_t exp_minus_lambda)
{
    if (exp_minus_lambda == 0)
        return 0;
    uint32_t p = 0xFFFFFFFFu, k = 0;
    do {
        k++;
        p = (uint32_t)(((uint64_t)p * kn_kiss_next(rng)) >> 32);
    } while (p > exp_minus_lambda);
    return k - 1;
}

/* The counts of a run of sources that all draw by Knuth's method this tick
 * (knuth_this_tick), into counts[0..n): the same words, in the same order, as
 * fast_count source after source, but one word per step without a branch
 * per source (the end of each source's draw, at random, costs fast_count a
 * mispredicted branch): a step multiplies the running product by a word, and
 * where the product falls to exp(-lambda) the source's count is final and
 * the next source starts. */
static void fast_counts(kn_kiss_t *rng, const kn_poisson_source_t *src, uint32_t n,
                        uint32_t *counts)
{
    kn_kiss_t state = *rng;
    uint32_t s = 0, k = 0, p = 0xFFFFFFFFu, e = src[0].exp_minus_lambda;
    while (s < n) {
        p = (uint32_t)(((uint64_t)p * kn_kiss_next(&state)) >> 32);
        const uint32_t done = 0u - (uint32_t)(p <= e);   /* all ones: the draw ends */
        counts[s] = k;                  /* final once done (the words before this one) */
        s += done & 1u;
        k = (k + 1u) & ~done;
        p |= done;                      /* the next source starts from 0xFFFFFFFF */
        e = src[s < n ? s : n - 1].exp_minus_lambda;
    }
    *rng = state;
}

/* Drawn by fast_counts: active, Knuth's regime, a draw to make, and no switch
 * to another entry after this tick (a switch may draw, in source order). */
static inline int knuth_this_tick(const kn_poisson_source_t *src, uint32_t tick)
{
    return tick >= src->start_tick && tick < src->end_tick && src->is_fast
           && src->sqrt_lambda <= 0 && src->exp_minus_lambda != 0
           && tick + 1u < src->next_tick;
}

/* Gaussian approximation: x = 0.5 z + sqrt_lambda, n = (uint32) roundk(x * x).
 * sqrt_lambda <= 252.0 (checked) keeps x * x below 2^16, so n < 65536. */
static uint32_t faster_count(kn_kiss_t *rng, int32_t sqrt_lambda)
{
    int32_t z = kn_norminv_urt(kn_kiss_next(rng));
    int32_t x = addk(mulk(z, KN_S1615_HALF), sqrt_lambda);
    return (uint32_t)(round_bits(mulk(x, x), 15) >> 15);
}

static uint32_t slow_count(kn_kiss_t *rng, kn_poisson_source_t *src)
{
    uint32_t count = 0;
    while (src->time_to_spike < ISI_SCALE) {
        count++;
        src->time_to_spike += kn_poisson_isi(rng, src->mean_isi_ticks);
    }
    src->time_to_spike -= ISI_SCALE;
    return count;
}

static uint32_t source_count(kn_kiss_t *rng, kn_poisson_source_t *src, uint32_t tick)
{
    if (!(tick >= src->start_tick && tick < src->end_tick))
        return 0;
    if (src->is_fast) {
        if (src->sqrt_lambda > 0)
            return faster_count(rng, src->sqrt_lambda);
        return fast_count(rng, src->exp_minus_lambda);
    }
    if (src->mean_isi_ticks == 0)
        return 0;
    return slow_count(rng, src);
}

/* read_next_rates: the next entry of the schedule becomes the working copy.
 * The last entry stays (the machine would read past its list, which the host's
 * next_tick = 0xFFFFFFFF sentinel avoids except at tick 2^32 - 2). */
static void next_entry(kn_poisson_core_t *pc, uint32_t s, kn_kiss_t *rng)
{
    kn_poisson_source_t *src = &pc->sources[s];
    if (pc->schedule_offsets == NULL)
        return;
    uint32_t first = pc->schedule_offsets[s], n_entries = pc->schedule_offsets[s + 1] - first;
    if (src->rate_index + 1 >= n_entries)
        return;
    uint32_t index = src->rate_index + 1;
    KN_ASSERT(first + index < pc->n_schedule);
    const kn_poisson_entry_t *entry = &pc->schedule[first + index];
    src->start_tick = entry->start_tick;
    src->end_tick = entry->end_tick;
    src->next_tick = entry->next_tick;
    src->is_fast = entry->is_fast;
    src->exp_minus_lambda = entry->exp_minus_lambda;
    src->sqrt_lambda = entry->sqrt_lambda;
    src->mean_isi_ticks = entry->mean_isi_ticks;
    src->time_to_spike = entry->time_to_spike;
    src->rate_index = index;
    if (!src->is_fast)
        src->time_to_spike = kn_poisson_isi(rng, src->mean_isi_ticks);
}

static kn_kiss_t load_rng(const uint32_t *words)
{
    kn_kiss_t rng = {words[0], words[1], words[2], words[3]};
    return rng;
}

static void store_rng(uint32_t *words, const kn_kiss_t *rng)
{
    words[0] = rng->x, words[1] = rng->y, words[2] = rng->z, words[3] = rng->c;
}

/* Source s emitted `count` spikes this tick: into the output list and the
 * recording. */
static inline void emit(kn_core_t *core, uint32_t s, uint32_t count, size_t *out_n)
{
    kn_poisson_core_t *pc = &core->poisson;
    if (count > 0) {
        pc->out_index[*out_n] = s;
        pc->out_count[*out_n] = count;
        (*out_n)++;
    }
    kn_record_count(&core->rec, s, count);
}

/* Phase A: the output list holds the sources that emitted, with counts. */
void kn_poisson_tick(kn_core_t *core, uint32_t tick)
{
    kn_poisson_core_t *pc = &core->poisson;
    kn_kiss_t rng = load_rng(pc->rng);
    size_t out_n = 0;

    kn_recording_begin_tick(&core->rec, tick);
    uint32_t s = 0;
    while (s < core->n_atoms) {
        /* a run of Knuth draws: their counts first into out_count[s..], then
         * moved down to the output list (out_n <= s: nothing unread is
         * overwritten) */
        uint32_t end = s;
        while (end < core->n_atoms && knuth_this_tick(&pc->sources[end], tick))
            end++;
        if (end > s)
            fast_counts(&rng, &pc->sources[s], end - s, &pc->out_count[s]);
        for (; s < end; s++)
            emit(core, s, pc->out_count[s], &out_n);
        if (s == core->n_atoms)
            break;
        /* any other source, one at a time */
        kn_poisson_source_t *src = &pc->sources[s];
        emit(core, s, source_count(&rng, src, tick), &out_n);
        if (tick + 1u >= src->next_tick)
            next_entry(pc, s, &rng);
        s++;
    }
    store_rng(pc->rng, &rng);
    core->out_index = pc->out_index;
    core->out_count = pc->out_count;
    core->out_n = out_n;
}

/* read_rates (passes = 1) or resume_callback (passes = 2). */
void kn_poisson_load_sources(kn_core_t *core, int passes)
{
    kn_poisson_core_t *pc = &core->poisson;
    kn_kiss_t rng = load_rng(pc->rng);
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t s = 0; s < core->n_atoms; s++) {
            kn_poisson_source_t *src = &pc->sources[s];
            if (!src->is_fast && src->time_to_spike == 0)
                src->time_to_spike = kn_poisson_isi(&rng, src->mean_isi_ticks);
        }
    }
    store_rng(pc->rng, &rng);
}
