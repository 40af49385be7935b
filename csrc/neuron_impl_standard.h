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
    const uint32_t slot = tick & nc->delay_mask;
    for (uint32_t s = 0; s < N_TYPES; s++) {
        /* neuron n of type s is entry kn_ring_index(nc, slot, s, n) */
        k.ring_row[s] = nc->ring + kn_ring_index(nc, slot, s, 0);
        k.shifts[s] = nc->shifts[s];
    }
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

/* Phase A of tick `tick` for one core of this model. */
static void KN_CAT(kn_update_, KN_MODEL)(kn_core_t *core, uint32_t tick)
{
    kn_recording_begin_tick(&core->rec, tick);
    const int analog = kn_recording_samples(&core->rec);
    const int sources = core->neuron.source_offsets != NULL;
    if (analog && sources)
        kn_std_neurons(core, tick, 1, 1);
    else if (analog)
        kn_std_neurons(core, tick, 1, 0);
    else if (sources)
        kn_std_neurons(core, tick, 0, 1);
    else
        kn_std_neurons(core, tick, 0, 0);
}

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
};

#endif /* KN_NEURON_IMPL_STANDARD_H */
