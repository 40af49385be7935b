/*
 * STDP, profile 6 (sPyNNaker 5.x/6.x): see stdp.h for the structure and
 * docs/models.md "STDP (kernel)" for every rule and where it was read.
 *
 * Integer rules (ARM, spec §1.3): __smulbb multiplies the signed low 16 bits
 * of its operands; "STDP fixed-point multiply" is smulbb(a, b) >> 11
 * (arithmetic); traces are int16 and wrap.  Every time difference is a
 * uint32 subtraction (a "negative" difference wraps to a huge value and reads
 * 0 from a LUT).
 */
#include <string.h>

#include "kernel.h"

/* The low 16 bits of x as a signed value (what smulbb sees, and an int16
 * cast on the machine). */
static inline int32_t low_int16(int32_t x)
{
    int32_t v = (int32_t)((uint32_t)x & 0xFFFFu);
    return v >= 0x8000 ? v - 0x10000 : v;
}

/* __smulbb: |product| <= 2^30, never overflows */
static inline int32_t smulbb(int32_t a, int32_t b)
{
    return low_int16(a) * low_int16(b);
}

/* STDP_FIXED_MUL_16X16 / maths_fixed_mul16(a, b, 11) */
static inline int32_t stdp_mul(int32_t a, int32_t b)
{
    return smulbb(a, b) >> KN_STDP_FIXED_POINT;
}

/* maths_lut_exponential_decay: values[delta >> shift], 0 beyond the table */
static inline int32_t lut_decay(const kn_stdp_lut_t *lut, uint32_t delta)
{
    uint32_t i = delta >> lut->shift;
    return i < lut->size ? lut->values[i] : 0;
}

/* x >> n with n taken from a register, as ARM's ASR does it: only the
 * bottom byte of n counts, and 32 or more fills with the sign.  (6.0's
 * multiplicative shift is 16 - (ring shift + 1), i.e. 0xFFFFFFFF for a ring
 * shift of 16.) */
static inline int32_t asr_register(int32_t x, uint32_t n)
{
    n &= 0xFFu;
    if (n >= 32)
        return x < 0 ? -1 : 0;
    return x >> n;
}

/* ---- weight dependences (5.x/6.x) -----------------------------------------
 * additive (weight_additive_one_term_impl.h): the trace terms of one update
 *     are summed; at the end w0 + (smulbb(Σpot, a2+) >> 11)
 *     - (smulbb(Σdep, a2-) >> 11), clamped once to [w_min, w_max];
 * multiplicative (weight_multiplicative_impl.h): per event
 *     scale = smulbb(w - w_min, a2-) ASR mul_shift; w -= smulbb(scale, dep) >> 11
 *     scale = smulbb(w_max - w, a2+) ASR mul_shift; w += smulbb(scale, pot) >> 11
 *     no clamp;
 * both: the final weight is the low 16 bits (a weight_t cast). */

typedef struct weight_state {
    int32_t w;                     /* additive: the initial weight */
    int32_t sum_plus;              /* additive: summed potentiation terms */
    int32_t sum_minus;             /* additive: summed depression terms */
    const kn_stdp_type_params_t *p;
} weight_state_t;

static inline weight_state_t weight_init(const kn_stdp_t *stdp, uint16_t weight, uint32_t type)
{
    weight_state_t state = {(int32_t)weight, 0, 0, &stdp->types[type]};
    return state;
}

static inline void weight_potentiate(const kn_stdp_t *stdp, weight_state_t *s, int32_t term)
{
    switch (stdp->weight) {
    case KN_STDP_ADDITIVE:
        s->sum_plus = addk(s->sum_plus, term);
        break;
    case KN_STDP_MULTIPLICATIVE: {
        int32_t scale = asr_register(smulbb(subk(s->p->w_max, s->w), s->p->a2_plus),
                                     s->p->mul_shift);
        s->w = addk(s->w, stdp_mul(scale, term));
        break;
    }
    }
}

static inline void weight_depress(const kn_stdp_t *stdp, weight_state_t *s, int32_t term)
{
    switch (stdp->weight) {
    case KN_STDP_ADDITIVE:
        s->sum_minus = addk(s->sum_minus, term);
        break;
    case KN_STDP_MULTIPLICATIVE: {
        int32_t scale = asr_register(smulbb(subk(s->w, s->p->w_min), s->p->a2_minus),
                                     s->p->mul_shift);
        s->w = subk(s->w, stdp_mul(scale, term));
        break;
    }
    }
}

static inline uint16_t weight_final(const kn_stdp_t *stdp, const weight_state_t *s)
{
    int32_t w = s->w;
    if (stdp->weight == KN_STDP_ADDITIVE) {
        w = subk(addk(w, stdp_mul(s->sum_plus, s->p->a2_plus)),
                 stdp_mul(s->sum_minus, s->p->a2_minus));
        if (w < s->p->w_min)       /* MIN(w_max, MAX(w, w_min)) */
            w = s->p->w_min;
        if (s->p->w_max < w)
            w = s->p->w_max;
    }
    return (uint16_t)((uint32_t)w & 0xFFFFu);
}

/* ---- post-synaptic events (phase A) --------------------------------------- */

static inline uint32_t history_count(const kn_stdp_history_t *h)
{
    /* checked at every run; the clamp keeps a racing change from Python
     * inside the 16 entries */
    KN_ASSERT(h->n_events < KN_STDP_HISTORY_SIZE);
    return h->n_events < KN_STDP_HISTORY_SIZE ? h->n_events : KN_STDP_HISTORY_SIZE - 1;
}

void kn_stdp_post_spike(kn_stdp_t *stdp, uint32_t n, uint32_t tick)
{
    KN_ASSERT(n < stdp->n_atoms);
    kn_stdp_history_t *h = &stdp->history[n];
    uint32_t k = history_count(h);

    /* the new trace decays the newest entry's (the sentinel's if none) */
    int32_t trace = 0;
    if (stdp->timing == KN_STDP_PAIR)
        trace = low_int16(stdp_mul(h->traces[k], lut_decay(&stdp->minus, tick - h->times[k]))
                          + KN_STDP_ONE);

    if (k < KN_STDP_HISTORY_SIZE - 1) {
        k++;
        h->n_events = k;
    } else {
        /* full: drop the oldest real entry (1), keep the sentinel (0) */
        memmove(&h->times[1], &h->times[2], (KN_STDP_HISTORY_SIZE - 2) * sizeof(uint32_t));
        memmove(&h->traces[1], &h->traces[2], (KN_STDP_HISTORY_SIZE - 2) * sizeof(int32_t));
    }
    h->times[k] = tick;
    h->traces[k] = trace;
}

/* ---- a plastic row (phase B) ---------------------------------------------- */

uint64_t kn_stdp_process_row(const kn_stdp_t *stdp, kn_neuron_core_t *nc,
                             kn_stdp_row_state_t *header, const uint16_t *controls,
                             uint16_t *weights, uint32_t n_syn, uint32_t tick)
{
    const int pair = stdp->timing == KN_STDP_PAIR;
    const uint32_t index_mask = ((uint32_t)1 << nc->index_bits) - 1;
    const uint32_t type_mask = ((uint32_t)1 << nc->type_bits) - 1;

    /* the row's pre-synaptic header: read the last event, store this one */
    const uint32_t last_time = header->prev_time;
    const int32_t last_trace = low_int16(header->prev_trace);
    header->prev_time = tick;
    if (pair)
        header->prev_trace = low_int16(
            stdp_mul(last_trace, lut_decay(&stdp->plus, tick - last_time)) + KN_STDP_ONE);

    uint64_t saturations = 0;
    for (uint32_t i = 0; i < n_syn; i++) {
        const uint32_t control = controls[i];
        const uint32_t delay = (control >> nc->slot_shift) & nc->delay_mask;
        const uint32_t type = (control >> nc->index_bits) & type_mask;
        const uint32_t index = control & index_mask;
        KN_ASSERT(index < stdp->n_atoms && type < nc->n_types);
        if (index >= stdp->n_atoms || type >= nc->n_types)
            continue;              /* checked at add time; only a changed control gets here */

        /* dendritic delay = the delay field as stored (0 for a delay of 2^D);
         * the axonal delay is always 0 */
        const uint32_t dd = stdp->backprop_delay ? delay : 0;
        const uint32_t begin = last_time >= dd ? last_time - dd : 0;
        const uint32_t end = tick >= dd ? tick - dd : 0;

        /* the window, as post_events_get_window_delayed finds it: walk back
         * from the newest entry over those later than `begin` (never past
         * the sentinel); that entry is "prev"; the window is the entries
         * after it, up to (excluding) the first later than `end` */
        const kn_stdp_history_t *h = &stdp->history[index];
        const uint32_t n = history_count(h);
        uint32_t s = n;
        while (s > 0 && h->times[s] > begin)
            s--;
        uint32_t e = n + 1;
        for (uint32_t j = n; j > s; j--)
            if (h->times[j] > end)
                e = j;
        uint32_t prev_time = h->times[s];
        int32_t prev_trace = low_int16(h->traces[s]);
        int prev_valid = s != 0;

        weight_state_t state = weight_init(stdp, weights[i], type);
        for (uint32_t j = s + 1; j < e; j++) {            /* potentiation */
            const uint32_t post_time = h->times[j] + dd;
            const uint32_t since_pre = post_time - last_time;
            if (since_pre != 0) {
                int32_t term;
                if (pair) {
                    term = stdp_mul(last_trace, lut_decay(&stdp->plus, since_pre));
                } else {
                    term = lut_decay(&stdp->plus, since_pre);
                    /* not the first post spike after the pre spike */
                    if (post_time - prev_time < since_pre)
                        term = 0;
                }
                weight_potentiate(stdp, &state, term);
            }
            prev_time = h->times[j];
            prev_trace = low_int16(h->traces[j]);
            prev_valid = 1;
        }
        if (prev_valid) {                                 /* depression */
            const uint32_t since_post = tick - (prev_time + dd);
            int32_t term = lut_decay(&stdp->minus, since_post);
            if (pair)
                term = stdp_mul(prev_trace, term);
            weight_depress(stdp, &state, term);
        }

        /* the new weight is stored and is what this spike delivers */
        const uint16_t weight = weight_final(stdp, &state);
        const uint32_t slot = (tick + delay) & nc->delay_mask;
        const uint32_t ring_index = (slot << nc->slot_shift) | (control & nc->type_index_mask);
        KN_ASSERT(ring_index < nc->ring_len);
        saturations += ring_add_saturating(&nc->ring[ring_index], weight);
        weights[i] = weight;
    }
    return saturations;
}
