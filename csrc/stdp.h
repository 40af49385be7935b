/*
 * STDP (spec kernel.md §6, profile 6 = sPyNNaker 5.x/6.x semantics; the
 * rules are described, with the 6.0 files they were read from, in
 * docs/models.md "STDP (kernel)").
 *
 * A neuron core may have one plasticity configuration (sPyNNaker allows one
 * STDP rule per post-synaptic population): a timing rule, a weight
 * dependence, the two exponential look-up tables, per-synapse-type weight
 * parameters and a Python-owned post-synaptic event history per neuron.
 * Plastic incoming blocks (kernel.h, kn_block_t with plastic = 1) carry the
 * plastic control half-words, the Python-owned 16-bit weights (updated in
 * place) and the Python-owned per-row pre-synaptic header.
 *
 * Where the work happens:
 *   phase A, when neuron n spikes at tick t: kn_stdp_post_spike() adds (t,
 *       post trace) to n's history (drop-oldest when full, keeping the
 *       sentinel entry 0);
 *   phase B, for every spike of a plastic block's source: kn_stdp_process_row()
 *       (once per count): pre trace, window of post events, weight
 *       dependence, write-back, saturating add of the NEW weight into the
 *       ring buffer.
 *
 * The weight dependence is a switch over kn_stdp_weight_t with one
 * init/potentiate/depress/final quartet per rule (stdp.c); the 7.x rules
 * (absolute A±, per-event clamp, s16.15 weights) are meant to be added as
 * further enum values and quartets without touching the rest.
 */
#ifndef KN_STDP_H
#define KN_STDP_H

#include <stdint.h>

#ifndef KN_MAX_SYNAPSE_TYPES
#error "include kernel.h, not stdp.h"
#endif

/* sPyNNaker's MAX_POST_SYNAPTIC_EVENTS: entries per neuron, entry 0 included */
#define KN_STDP_HISTORY_SIZE 16
/* STDP fixed point: traces and LUT values are int16 with 11 fraction bits */
#define KN_STDP_FIXED_POINT 11
#define KN_STDP_ONE ((int32_t)1 << KN_STDP_FIXED_POINT)
/* a LUT's size is a uint16 in 6.0's header */
#define KN_STDP_MAX_LUT_SIZE 65535
/* LUT shift: index = delta >> shift, delta a uint32 */
#define KN_STDP_MAX_LUT_SHIFT 31

typedef enum kn_stdp_timing {
    KN_STDP_PAIR = 0,              /* timing_pair_impl.h */
    KN_STDP_NEAREST_PAIR = 1       /* timing_nearest_pair_impl.h */
} kn_stdp_timing_t;

typedef enum kn_stdp_weight {
    KN_STDP_ADDITIVE = 0,          /* weight_additive_one_term_impl.h (5.x/6.x) */
    KN_STDP_MULTIPLICATIVE = 1     /* weight_multiplicative_impl.h (5.x/6.x) */
    /* 7.x: add KN_STDP_ADDITIVE_7X, KN_STDP_MULTIPLICATIVE_7X here */
} kn_stdp_weight_t;

/* One neuron's post-synaptic event history (Python-owned, 132 bytes).
 * Entry 0 is the sentinel (time 0, trace 0 on the machine; the kernel never
 * writes it); entries 1..n_events are the stored post spikes, oldest first.
 * All zeros = a fresh history.  traces hold int16 values (pair rule; 0 for
 * nearest pair), read as the low 16 bits, written sign-extended. */
typedef struct kn_stdp_history {
    uint32_t n_events;             /* 0..15: real entries after the sentinel */
    uint32_t times[KN_STDP_HISTORY_SIZE];
    int32_t traces[KN_STDP_HISTORY_SIZE];
} kn_stdp_history_t;

/* The pre-synaptic header of one plastic row (Python-owned; zeros at load). */
typedef struct kn_stdp_row_state {
    uint32_t prev_time;            /* tick of the row's last processing */
    int32_t prev_trace;            /* pair rule: the int16 pre trace then
                                      (sign-extended); nearest pair: unused */
} kn_stdp_row_state_t;

typedef struct kn_stdp_lut {
    int16_t *values;               /* owned copy; NULL if size == 0 */
    uint32_t size;
    uint32_t shift;
} kn_stdp_lut_t;

/* Weight-dependence parameters of one synapse type, in ring-buffer weight
 * units of that type, as the 5.x/6.x host writes them (INT32). */
typedef struct kn_stdp_type_params {
    int32_t w_min;
    int32_t w_max;
    int32_t a2_plus;
    int32_t a2_minus;
    /* multiplicative: 16 - (ring shift + 1), as 6.0 computes it (uint32) */
    uint32_t mul_shift;
} kn_stdp_type_params_t;

typedef struct kn_stdp {
    kn_stdp_timing_t timing;
    kn_stdp_weight_t weight;
    int backprop_delay;
    kn_stdp_lut_t plus;            /* tau_plus: pre trace decay, potentiation */
    kn_stdp_lut_t minus;           /* tau_minus: post trace decay, depression */
    kn_stdp_type_params_t types[KN_MAX_SYNAPSE_TYPES];
    kn_stdp_history_t *history;    /* Python-owned, n_atoms entries */
    uint32_t n_atoms;
} kn_stdp_t;

struct kn_neuron_core;

/* Phase A: neuron n spiked at tick t. */
void kn_stdp_post_spike(kn_stdp_t *stdp, uint32_t n, uint32_t tick);

/* Phase B: processes one plastic row (n_syn synapses) once at tick `tick`;
 * returns the number of saturated ring-buffer adds. */
uint64_t kn_stdp_process_row(const kn_stdp_t *stdp, struct kn_neuron_core *nc,
                             kn_stdp_row_state_t *header, const uint16_t *controls,
                             uint16_t *weights, uint32_t n_syn, uint32_t tick);

#endif /* KN_STDP_H */
