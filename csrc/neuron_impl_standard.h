/*
 * Phase A of one tick for a neuron core of sPyNNaker's "standard" neuron
 * implementation (spec kernel.md §2.2-2.4, profile 6), written once over the
 * component interface of component.h.
 *
 * A model file (models/<model>.c) includes its component headers, defines
 *     KN_MODEL        the model's name, a C identifier (= its registry name)
 *     KN_MEMBRANE     component prefixes, e.g. membrane_lif
 *     KN_SYNAPSE      e.g. synapse_exponential
 *     KN_INPUT        e.g. input_current
 *     KN_THRESHOLD    e.g. threshold_static
 *     KN_ADDITIONAL   optional, e.g. an adaptive current; absent = bias 0
 * and then includes this header, which defines the update function and the
 * model descriptor kn_model_<KN_MODEL> listed in models/registry.c.
 *
 * Include it once per translation unit (it defines static functions).
 */
#ifndef KN_NEURON_IMPL_STANDARD_H
#define KN_NEURON_IMPL_STANDARD_H

#include <string.h>

#include "kernel.h"

#if !defined(KN_MODEL) || !defined(KN_MEMBRANE) || !defined(KN_SYNAPSE) \
    || !defined(KN_INPUT) || !defined(KN_THRESHOLD)
#error "define KN_MODEL, KN_MEMBRANE, KN_SYNAPSE, KN_INPUT and KN_THRESHOLD first"
#endif

/* name of a component's type / function / constant: MEM(_t) = membrane_lif_t */
#define MEM(x) KN_CAT(KN_MEMBRANE, x)
#define SYN(x) KN_CAT(KN_SYNAPSE, x)
#define INP(x) KN_CAT(KN_INPUT, x)
#define THR(x) KN_CAT(KN_THRESHOLD, x)
#ifdef KN_ADDITIONAL
#define ADD(x) KN_CAT(KN_ADDITIONAL, x)
#endif

#define N_EXC SYN(_N_EXC)
#define N_INH SYN(_N_INH)
#define N_TYPES (N_EXC + N_INH)

typedef char kn_std_synapse_types_fit[(N_TYPES <= KN_MAX_SYNAPSE_TYPES) ? 1 : -1];

/* The analog values this implementation can record, in slot order. */
enum { KN_STD_REC_V, KN_STD_REC_GSYN_EXC, KN_STD_REC_GSYN_INH, KN_STD_N_REC };
static const char *const kn_std_recordables[KN_STD_N_REC] = {"v", "gsyn_exc", "gsyn_inh"};

/* Element i of a component array of `size`-byte structs; components without
 * fields have no array, their functions get NULL. */
#define COMPONENT_AT(type, size, base, i)                                     \
    ((size) == 0 ? (type *)NULL : (type *)((char *)(base) + (size_t)(i) * (size_t)(size)))

/* What phase A of one core needs for one tick, read once from the core into
 * locals.  The neuron state is made of int32 fields, like many fields of the
 * core, so without this copy every store to a neuron would oblige the
 * compiler to reload the core's fields (ring pointer, shifts, ...) for the
 * next neuron. */
typedef struct kn_std_tick {
    MEM(_t) *membrane;                /* component arrays (NULL: no fields) */
    SYN(_t) *synapse;
    const INP(_t) *input;
    THR(_t) *threshold;
#ifdef KN_ADDITIONAL
    ADD(_t) *additional;
#endif
    uint16_t *ring_row[N_TYPES];      /* this tick's ring entries of each type */
    uint32_t shifts[N_TYPES];
} kn_std_tick_t;

/* This tick's ring entries of each synapse type, and the types' shifts. */
static KN_ALWAYS_INLINE void kn_std_ring_rows(const kn_neuron_core_t *nc, uint32_t tick,
                                              uint16_t *ring_row[N_TYPES],
                                              uint32_t shifts[N_TYPES])
{
    const uint32_t slot = tick & nc->delay_mask;
    for (uint32_t s = 0; s < N_TYPES; s++) {
        /* neuron n of type s is entry kn_ring_index(nc, slot, s, n) */
        ring_row[s] = nc->ring + kn_ring_index(nc, slot, s, 0);
        shifts[s] = nc->shifts[s];
    }
}

static KN_ALWAYS_INLINE kn_std_tick_t kn_std_tick_begin(const kn_neuron_core_t *nc,
                                                        uint32_t tick)
{
    kn_std_tick_t k;
    k.membrane = (MEM(_t) *)nc->components[KN_KIND_MEMBRANE];
    k.synapse = (SYN(_t) *)nc->components[KN_KIND_SYNAPSE];
    k.input = (const INP(_t) *)nc->components[KN_KIND_INPUT];
    k.threshold = (THR(_t) *)nc->components[KN_KIND_THRESHOLD];
#ifdef KN_ADDITIONAL
    k.additional = (ADD(_t) *)nc->components[KN_KIND_ADDITIONAL];
#endif
    kn_std_ring_rows(nc, tick, k.ring_row, k.shifts);
    return k;
}

/* The component structs of one neuron. */
typedef struct kn_std_neuron {
    MEM(_t) *membrane;
    SYN(_t) *synapse;
    const INP(_t) *input;
    THR(_t) *threshold;
#ifdef KN_ADDITIONAL
    ADD(_t) *additional;
#endif
} kn_std_neuron_t;

static KN_ALWAYS_INLINE kn_std_neuron_t kn_std_neuron_at(const kn_std_tick_t *k, uint32_t n)
{
    kn_std_neuron_t neuron;
    neuron.membrane = COMPONENT_AT(MEM(_t), MEM(_SIZE), k->membrane, n);
    neuron.synapse = COMPONENT_AT(SYN(_t), SYN(_SIZE), k->synapse, n);
    neuron.input = COMPONENT_AT(const INP(_t), INP(_SIZE), k->input, n);
    neuron.threshold = COMPONENT_AT(THR(_t), THR(_SIZE), k->threshold, n);
#ifdef KN_ADDITIONAL
    neuron.additional = COMPONENT_AT(ADD(_t), ADD(_SIZE), k->additional, n);
#endif
    return neuron;
}

/* Step 1: this tick's ring-buffer slot -> synaptic state, and zero it.
 * Like 5.x/6.x, zero entries go through add_input too. */
static KN_ALWAYS_INLINE void kn_std_transfer(const kn_std_tick_t *k, SYN(_t) *synapse,
                                             uint32_t n)
{
    for (uint32_t s = 0; s < N_TYPES; s++) {
        uint16_t *entry = &k->ring_row[s][n];
        SYN(_add_input)(synapse, s, ring_to_input(*entry, k->shifts[s]));
        *entry = 0;
    }
}

/* Steps 2-11 for one neuron: fills recorded[] with the pre-update values and
 * returns 1 if the neuron spiked.  current_offset: the neuron's current
 * sources this tick (step 7). */
static KN_ALWAYS_INLINE int kn_std_step(kn_std_neuron_t *neuron, int32_t current_offset,
                                        int32_t recorded[KN_STD_N_REC])
{
    int32_t exc[N_EXC], inh[N_INH];
    int32_t total_exc = 0, total_inh = 0;
    int32_t exc_current = 0, inh_current = 0, external_bias = 0;

    int32_t v = MEM(_get_v)(neuron->membrane);
    SYN(_get_exc)(neuron->synapse, exc);
    SYN(_get_inh)(neuron->synapse, inh);
    for (int i = 0; i < N_EXC; i++) {
        exc[i] = INP(_get_input_value)(neuron->input, exc[i]);
        total_exc = addk(total_exc, exc[i]);
    }
    for (int i = 0; i < N_INH; i++) {
        inh[i] = INP(_get_input_value)(neuron->input, inh[i]);
        total_inh = addk(total_inh, inh[i]);
    }
    recorded[KN_STD_REC_V] = v;
    recorded[KN_STD_REC_GSYN_EXC] = total_exc;
    recorded[KN_STD_REC_GSYN_INH] = total_inh;

    /* Currents (conductance inputs need the pre-update V).  Integer adds
     * wrap, so summing here or inside the membrane gives the same bits. */
    for (int i = 0; i < N_EXC; i++)
        exc_current = addk(exc_current, INP(_exc_to_current)(neuron->input, exc[i], v));
    for (int i = 0; i < N_INH; i++)
        inh_current = addk(inh_current, INP(_inh_to_current)(neuron->input, inh[i], v));
#ifdef KN_ADDITIONAL
    external_bias = ADD(_get_current)(neuron->additional, v);
#endif

    int32_t v_new = MEM(_update)(neuron->membrane, exc_current, inh_current, external_bias,
                                 current_offset);
    int spiked = THR(_is_above)(neuron->threshold, v_new);
    if (spiked) {
        MEM(_has_spiked)(neuron->membrane);
#ifdef KN_ADDITIONAL
        ADD(_has_spiked)(neuron->additional);
#endif
    }
    /* the synaptic state decays after the neuron has used it */
    SYN(_shape)(neuron->synapse);
    return spiked;
}

/* Neuron n spiked: its spike-record bit and, with STDP, its post event (in
 * this phase A, so before any row of this tick is processed in phase B; see
 * docs/models.md).  Rare, so kept out of line of the neuron loop. */
static void kn_std_spiked(kn_core_t *core, uint32_t n, uint32_t tick)
{
    kn_record_spike(&core->rec, n);
    if (core->neuron.stdp != NULL)
        kn_stdp_post_spike(core->neuron.stdp, n, tick);
}

/* The neuron loop of one tick.  `analog` (some analog recording samples
 * this tick) and `sources` (the core has current sources) are constants in
 * each of the four instances the update function calls, so the common case
 * (nothing sampled, no sources) carries no per-neuron test for them. */
static KN_ALWAYS_INLINE void kn_std_neurons(kn_core_t *core, uint32_t tick, const int analog,
                                            const int sources)
{
    kn_neuron_core_t *nc = &core->neuron;
    const kn_std_tick_t k = kn_std_tick_begin(nc, tick);
    uint32_t *const out = nc->spike_buffer;
    const uint32_t n_atoms = core->n_atoms;
    size_t out_n = 0;

    for (uint32_t n = 0; n < n_atoms; n++) {
        kn_std_neuron_t neuron = kn_std_neuron_at(&k, n);
        int32_t recorded[KN_STD_N_REC];

        kn_std_transfer(&k, neuron.synapse, n);
        /* current sources (7.x arithmetic; 0 when the core has none, as in 5.x/6.x) */
        int32_t current_offset = sources ? kn_current_offset_slow(nc, tick, n) : 0;
        if (kn_std_step(&neuron, current_offset, recorded)) {
            KN_ASSERT(out_n < n_atoms);
            out[out_n++] = n;
            kn_std_spiked(core, n, tick);
        }
        if (analog)
            kn_record_analog(&core->rec, n, recorded);
    }
    core->out_index = out;
    core->out_n = out_n;
}

/* The body of an update function: begins the tick's recording, then calls
 * the neuron loop LOOP(core, tick, analog, sources) with the two flags as
 * constants (one instance of the loop for each case). */
#define KN_STD_UPDATE_BODY(LOOP, core, tick)                                   \
    do {                                                                       \
        kn_recording_begin_tick(&(core)->rec, (tick));                         \
        const int analog_ = kn_recording_samples(&(core)->rec);                \
        const int sources_ = (core)->neuron.source_offsets != NULL;            \
        if (analog_ && sources_)                                               \
            LOOP((core), (tick), 1, 1);                                        \
        else if (analog_)                                                      \
            LOOP((core), (tick), 1, 0);                                        \
        else if (sources_)                                                     \
            LOOP((core), (tick), 0, 1);                                        \
        else                                                                   \
            LOOP((core), (tick), 0, 0);                                        \
    } while (0)

/* Phase A of tick `tick` for one core of this model. */
static void KN_CAT(kn_update_, KN_MODEL)(kn_core_t *core, uint32_t tick)
{
    KN_STD_UPDATE_BODY(kn_std_neurons, core, tick);
}

/* ---- eight neurons at a time ------------------------------------------
 * When every component of the model has lane functions (component.h), the
 * same phase A runs on 8 neurons at a time, over the copy of the core's
 * structs that the kernel keeps during a run (kernel.c, "lanes";
 * nc->lanes[kind]): in blocks of 8 neurons, and in a block field by field,
 * so that a block's fields are at fixed offsets from one pointer.  Lanes
 * past n_atoms compute on padding and are ignored. */
#if KN_HAVE_LANES && KN_CAT(KN_MEMBRANE, _LANES) && KN_CAT(KN_SYNAPSE, _LANES)           \
    && KN_CAT(KN_INPUT, _LANES) && KN_CAT(KN_THRESHOLD, _LANES)                         \
    && (!defined(KN_ADDITIONAL) || KN_CAT(KN_ADDITIONAL, _LANES))

typedef struct kn_std_lanes {
    MEM(_lanes_t) membrane;        /* the current block's fields (lane 0 = its first neuron) */
    SYN(_lanes_t) synapse;
    INP(_lanes_t) input;
    THR(_lanes_t) threshold;
#ifdef KN_ADDITIONAL
    ADD(_lanes_t) additional;
#endif
    uint16_t *ring_row[N_TYPES];   /* this tick's ring entries of each type */
    uint32_t shifts[N_TYPES];
} kn_std_lanes_t;

/* The block of 8 neurons starting at neuron `first` of kind `kind` (n_fields
 * fields each); NULL for a component without fields. */
static KN_ALWAYS_INLINE int32_t *kn_std_block(const kn_neuron_core_t *nc, int kind,
                                              size_t n_fields, uint32_t first)
{
    return n_fields == 0 ? NULL : nc->lanes[kind] + (size_t)first * n_fields;
}

/* Points k's component views at the block of neurons first..first+7. */
static KN_ALWAYS_INLINE void kn_std_lanes_block(kn_std_lanes_t *k, const kn_neuron_core_t *nc,
                                                uint32_t first)
{
    k->membrane = MEM(_lanes_at)(kn_std_block(nc, KN_KIND_MEMBRANE, MEM(_N_FIELDS), first),
                                 KN_LANES);
    k->synapse = SYN(_lanes_at)(kn_std_block(nc, KN_KIND_SYNAPSE, SYN(_N_FIELDS), first),
                                KN_LANES);
    k->input = INP(_lanes_at)(kn_std_block(nc, KN_KIND_INPUT, INP(_N_FIELDS), first), KN_LANES);
    k->threshold = THR(_lanes_at)(kn_std_block(nc, KN_KIND_THRESHOLD, THR(_N_FIELDS), first),
                                  KN_LANES);
#ifdef KN_ADDITIONAL
    k->additional = ADD(_lanes_at)(kn_std_block(nc, KN_KIND_ADDITIONAL, ADD(_N_FIELDS), first),
                                   KN_LANES);
#endif
}

/* Step 1 for the block of neurons i..i+7, of which the first `valid` exist:
 * their ring entries are read and zeroed (never the entries past the last
 * neuron). */
KN_LANES_FN void kn_std_transfer8(const kn_std_lanes_t *k, size_t i, uint32_t valid)
{
    for (uint32_t s = 0; s < N_TYPES; s++) {
        uint16_t *entries = k->ring_row[s] + i;
        kn_v8 input;
        if (valid == KN_LANES) {
            input = ring_to_input8(entries, k->shifts[s]);
            zero_entries8(entries);
        } else {
            uint16_t tail[KN_LANES] = {0};
            memcpy(tail, entries, valid * sizeof(uint16_t));
            memset(entries, 0, valid * sizeof(uint16_t));
            input = ring_to_input8(tail, k->shifts[s]);
        }
        SYN(_add_input8)(&k->synapse, 0, s, input);
    }
}

/* kn_std_step for the current block: returns the mask of the lanes that
 * spiked. */
KN_LANES_FN kn_v8 kn_std_step8(const kn_std_lanes_t *k, kn_v8 current_offset,
                               kn_v8 recorded[KN_STD_N_REC])
{
    const size_t i = 0;            /* the views start at the block's first neuron */
    kn_v8 exc[N_EXC], inh[N_INH];
    kn_v8 total_exc = zero8(), total_inh = zero8();
    kn_v8 exc_current = zero8(), inh_current = zero8(), external_bias = zero8();

    const kn_v8 v = MEM(_get_v8)(&k->membrane, i);
    SYN(_get_exc8)(&k->synapse, i, exc);
    SYN(_get_inh8)(&k->synapse, i, inh);
    for (int r = 0; r < N_EXC; r++) {
        exc[r] = INP(_get_input_value8)(&k->input, i, exc[r]);
        total_exc = addk8(total_exc, exc[r]);
    }
    for (int r = 0; r < N_INH; r++) {
        inh[r] = INP(_get_input_value8)(&k->input, i, inh[r]);
        total_inh = addk8(total_inh, inh[r]);
    }
    recorded[KN_STD_REC_V] = v;
    recorded[KN_STD_REC_GSYN_EXC] = total_exc;
    recorded[KN_STD_REC_GSYN_INH] = total_inh;

    for (int r = 0; r < N_EXC; r++)
        exc_current = addk8(exc_current, INP(_exc_to_current8)(&k->input, i, exc[r], v));
    for (int r = 0; r < N_INH; r++)
        inh_current = addk8(inh_current, INP(_inh_to_current8)(&k->input, i, inh[r], v));
#ifdef KN_ADDITIONAL
    external_bias = ADD(_get_current8)(&k->additional, i, v);
#endif

    const kn_v8 v_new = MEM(_update8)(&k->membrane, i, exc_current, inh_current, external_bias,
                                      current_offset);
    const kn_v8 spiked = THR(_is_above8)(&k->threshold, i, v_new);
    MEM(_has_spiked8)(&k->membrane, i, spiked);
#ifdef KN_ADDITIONAL
    ADD(_has_spiked8)(&k->additional, i, spiked);
#endif
    SYN(_shape8)(&k->synapse, i);
    return spiked;
}

/* kn_std_neurons, 8 neurons at a time.  The calls that are per neuron
 * (current sources, spike records, STDP post events, analog records) are
 * made in neuron order, as the scalar loop makes them. */
KN_LANES_FN void kn_std_neurons8(kn_core_t *core, uint32_t tick, const int analog,
                                 const int sources)
{
    kn_neuron_core_t *nc = &core->neuron;
    kn_std_lanes_t k;
    kn_std_ring_rows(nc, tick, k.ring_row, k.shifts);
    uint32_t *const out = nc->spike_buffer;
    const uint32_t n_atoms = core->n_atoms;
    size_t out_n = 0;

    for (uint32_t i = 0; i < n_atoms; i += KN_LANES) {
        const uint32_t valid = n_atoms - i < KN_LANES ? n_atoms - i : KN_LANES;
        kn_v8 recorded[KN_STD_N_REC];

        kn_std_lanes_block(&k, nc, i);
        kn_std_transfer8(&k, i, valid);
        kn_v8 current_offset = zero8();
        if (sources) {
            int32_t offsets[KN_LANES] = {0};
            for (uint32_t j = 0; j < valid; j++)
                offsets[j] = kn_current_offset_slow(nc, tick, i + j);
            current_offset = load8(offsets);
        }
        unsigned spiked = mask_bits8(kn_std_step8(&k, current_offset, recorded))
                          & ((1u << valid) - 1u);
        while (spiked != 0) {
            const uint32_t n = i + (uint32_t)__builtin_ctz(spiked);
            KN_ASSERT(out_n < n_atoms);
            out[out_n++] = n;
            kn_std_spiked(core, n, tick);
            spiked &= spiked - 1u;
        }
        if (analog) {
            int32_t lanes[KN_STD_N_REC][KN_LANES];
            for (int r = 0; r < KN_STD_N_REC; r++)
                store8(lanes[r], recorded[r]);
            for (uint32_t j = 0; j < valid; j++) {
                int32_t values[KN_STD_N_REC];
                for (int r = 0; r < KN_STD_N_REC; r++)
                    values[r] = lanes[r][j];
                kn_record_analog(&core->rec, i + j, values);
            }
        }
    }
    core->out_index = out;
    core->out_n = out_n;
}

/* Phase A of tick `tick` for one core of this model, 8 neurons at a time. */
KN_LANES_TARGET static void KN_CAT(kn_update_lanes_, KN_MODEL)(kn_core_t *core, uint32_t tick)
{
    KN_STD_UPDATE_BODY(kn_std_neurons8, core, tick);
}
#define KN_STD_UPDATE_LANES KN_CAT(kn_update_lanes_, KN_MODEL)
#else
#define KN_STD_UPDATE_LANES NULL
#endif

/* ---- the model descriptor -------------------------------------------- */

extern const kn_component_desc_t KN_CAT(kn_component_, KN_MEMBRANE);
extern const kn_component_desc_t KN_CAT(kn_component_, KN_SYNAPSE);
extern const kn_component_desc_t KN_CAT(kn_component_, KN_INPUT);
extern const kn_component_desc_t KN_CAT(kn_component_, KN_THRESHOLD);
#ifdef KN_ADDITIONAL
extern const kn_component_desc_t KN_CAT(kn_component_, KN_ADDITIONAL);
#define KN_STD_ADDITIONAL_DESC (&KN_CAT(kn_component_, KN_ADDITIONAL))
#else
#define KN_STD_ADDITIONAL_DESC NULL
#endif

extern const kn_model_desc_t KN_CAT(kn_model_, KN_MODEL);
const kn_model_desc_t KN_CAT(kn_model_, KN_MODEL) = {
    KN_STR(KN_MODEL),
    {
        [KN_KIND_MEMBRANE] = &KN_CAT(kn_component_, KN_MEMBRANE),
        [KN_KIND_SYNAPSE] = &KN_CAT(kn_component_, KN_SYNAPSE),
        [KN_KIND_INPUT] = &KN_CAT(kn_component_, KN_INPUT),
        [KN_KIND_THRESHOLD] = &KN_CAT(kn_component_, KN_THRESHOLD),
        [KN_KIND_ADDITIONAL] = KN_STD_ADDITIONAL_DESC,
    },
    N_TYPES,
    kn_std_recordables,
    KN_STD_N_REC,
    KN_CAT(kn_update_, KN_MODEL),
    KN_STD_UPDATE_LANES,
};

#endif /* KN_NEURON_IMPL_STANDARD_H */
