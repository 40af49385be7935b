/*
 * The kernel's network: cores, their synaptic rows and recordings, and the
 * time loop.  See README.md for the architecture.
 *
 * Memory: Python (numpy) owns every large array (component structs, ring
 * buffers, synaptic rows, recording buffers, delay counters); the network
 * keeps raw pointers to them.  The network itself allocates only small
 * bookkeeping (the core table, incoming-block lists, output spike lists,
 * copies of spike-source events, delay cores' slot flags) and the lane
 * copies of neuron state (kernel.c "lanes"), all at add/set time: nothing
 * is allocated inside kn_run.
 */
#ifndef KN_KERNEL_H
#define KN_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "fixed.h"
#include "model.h"
#include "sources.h"
#include "spinn_maths.h"

/* Largest number of synapse types of any model (dual exponential has 3). */
#define KN_MAX_SYNAPSE_TYPES 8
/* Sum of index, type and delay bits: the low half of a synaptic word. */
#define KN_MAX_LAYOUT_BITS 16
/* Largest ring-buffer left shift: 0xFFFF << 16 still fits in 32 bits. */
#define KN_MAX_SHIFT 16

#include "stdp.h"

/* Forces inlining of the small functions the hot loops are written with
 * (several instances of one loop rely on constant arguments being folded). */
#if defined(__GNUC__) || defined(__clang__)
#define KN_ALWAYS_INLINE inline __attribute__((always_inline))
#define KN_LIKELY(x) __builtin_expect(!!(x), 1)
#define KN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define KN_PREFETCH(p) __builtin_prefetch(p)
#else
#define KN_ALWAYS_INLINE inline
#define KN_LIKELY(x) (x)
#define KN_UNLIKELY(x) (x)
#define KN_PREFETCH(p) ((void)0)
#endif

/* Waiting threads of the parallel time loop spin this many times (with a
 * pause hint) before they start yielding the processor. */
#define KN_WAIT_SPINS 256
#if defined(__x86_64__) || defined(__i386__)
#define KN_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define KN_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define KN_CPU_RELAX() ((void)0)
#endif

/* KN_BOUNDS_CHECKS (the sanitizer build) adds assertions in the inner loops
 * that abort with a message instead of reading or writing out of bounds when
 * Python changed rows or offsets after they were checked. */
#ifdef KN_BOUNDS_CHECKS
#define KN_HAVE_BOUNDS_CHECKS 1
#include <stdio.h>
#include <stdlib.h>
#define KN_ASSERT(cond)                                                        \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "kernel bounds check failed: %s (%s:%d)\n", #cond, \
                    __FILE__, __LINE__);                                       \
            abort();                                                           \
        }                                                                      \
    } while (0)
#else
#define KN_HAVE_BOUNDS_CHECKS 0
#define KN_ASSERT(cond) ((void)0)
#endif

typedef enum kn_core_kind {
    KN_CORE_NEURON = 0,
    KN_CORE_SPIKE_ARRAY = 1,
    KN_CORE_POISSON = 2,
    KN_CORE_DELAY = 3              /* delay extension (spec §5.2) */
} kn_core_kind_t;

/* Largest number of delay stages of a delay core (profile 6 uses up to 8). */
#define KN_MAX_DELAY_STAGES 256
/* Largest stage length in ticks (the largest on-core delay, 2^16 ticks). */
#define KN_MAX_STAGE_LENGTH ((int64_t)1 << KN_MAX_LAYOUT_BITS)
/* Largest number of counter slots of a delay core. */
#define KN_MAX_DELAY_SLOTS ((int64_t)1 << 31)
/* A delay core's spike counters are 8 bits and saturate here (spec §5.2). */
#define KN_DELAY_COUNTER_MAX 255u

/* The synaptic rows of one source core, for one target core (spec §4.2):
 * static (words) or plastic (controls, weights and one header per row;
 * stdp.h).  Row k is entries row_offsets[k] .. row_offsets[k + 1] - 1. */
typedef struct kn_block {
    uint32_t source;               /* core id */
    int plastic;                   /* 0: static words; 1: plastic synapses */
    int first_of_source;           /* 1: no earlier block of this target has this
                                      source (its packets are counted in spikes_in) */
    int single;                    /* static, and no row longer than one word (e.g. a
                                      one-to-one projection): delivered without the
                                      lookahead (deliver_single in kernel.c) */
    const uint32_t *row_offsets;   /* n_keys(source) + 1 entries */
    const uint32_t *words;         /* static: weight << 16 | delay | type | index */
    size_t n_words;                /* entries: words, or controls and weights */
    const uint16_t *controls;      /* plastic: delay | type | index (low half of a word) */
    uint16_t *weights;             /* plastic: Python-owned, updated in place */
    kn_stdp_row_state_t *row_state;    /* plastic: Python-owned, n_keys(source) */
} kn_block_t;

/* One analog recording (one recordable slot) of a neuron core. */
typedef struct kn_analog {
    uint32_t slot;                 /* index into the model's recordables */
    const int32_t *columns;        /* n_atoms entries: -1 or a column of buffer */
    uint32_t interval;             /* ticks between samples, >= 1 */
    uint32_t first_tick;           /* tick of sample row 0 */
    size_t n_samples;              /* rows of buffer */
    size_t n_columns;              /* columns of buffer */
    int32_t *buffer;               /* n_samples x n_columns, row-major */
} kn_analog_t;

typedef struct kn_recording {
    uint32_t *spikes;              /* n_rows x words_per_row bitfields, or NULL */
    uint16_t *counts;              /* Poisson cores: n_rows x n_atoms spike counts, or NULL */
    size_t spike_rows;
    size_t spike_words;            /* ceil(n_atoms / 32) (counts: n_atoms) */
    uint32_t spikes_first_tick;
    kn_analog_t *analog;           /* owned array of n_analog entries */
    size_t n_analog;
    /* Scratch for the tick being run (written by the core's own thread):
     * where this tick's spike bits and samples go, NULL when not recorded. */
    uint32_t *spike_row;
    uint16_t *count_row;
    int32_t **analog_row;          /* owned, n_analog entries */
    int analog_sampled;            /* 1 if some analog_row is not NULL */
} kn_recording_t;

/* One current source injected into neurons of a neuron core. */
typedef struct kn_current_source {
    kn_current_source_kind_t kind;
    void *params;                  /* one kn_cs_<kind>_t, Python-owned (state too) */
    const uint32_t *step_times;    /* step only, Python-owned, step_len entries */
    const int32_t *step_amplitudes;
    uint32_t step_len;
} kn_current_source_t;

/* Phase B's stream of rows for one target in one tick is the list of the
 * blocks whose source emitted (kernel.c "phase B"); an entry of that list: */
typedef struct kn_active_block {
    const kn_block_t *block;
    const uint32_t *keys;          /* the source's output list */
    const uint32_t *counts;        /* its payload counts, NULL: each once */
    size_t n;                      /* its length (>= 1) */
} kn_active_block_t;

typedef struct kn_neuron_core {
    const kn_model_desc_t *model;
    uint32_t n_types;
    uint32_t index_bits;           /* N */
    uint32_t type_bits;            /* T */
    uint32_t delay_bits;           /* D */
    uint32_t delay_mask;           /* 2^D - 1 */
    uint32_t slot_shift;           /* T + N: slot field of a ring index, delay field of a word */
    uint32_t type_index_mask;      /* 2^(T+N) - 1 */
    uint32_t shifts[KN_MAX_SYNAPSE_TYPES];
    void *components[KN_N_KINDS];  /* struct arrays, n_atoms each; NULL if no fields */
    /* The update this run uses: model->update, or model->update_lanes (8
     * neurons at a time), which runs on `lanes`: the structs copied in blocks
     * of 8 neurons, field by field within a block (field f of neuron n at
     * (n - n % 8) * n_fields + f * 8 + n % 8; n_atoms rounded up to a
     * multiple of 8), copied in at the start of each kn_run and back at its
     * end. */
    kn_neuron_update_fn update;
    int32_t *lanes[KN_N_KINDS];    /* owned; NULL if no fields or no lane update */
    uint16_t *ring;                /* 2^(D+T+N) entries */
    size_t ring_len;
    kn_block_t *incoming;          /* owned array */
    uint32_t *block_sources;       /* owned, cap_incoming: incoming[b].source, compact
                                      (phase B scans it for sources that emitted) */
    kn_active_block_t *active;     /* owned, cap_incoming: phase B's scratch list of
                                      the blocks whose source emitted (its thread's) */
    size_t n_incoming;
    size_t cap_incoming;
    uint32_t *spike_buffer;        /* owned, n_atoms entries: this tick's spikes */
    /* current sources (current_source.c): each neuron's sources, in the
     * order they were added, as ids into `sources` */
    kn_current_source_t *sources;  /* owned array */
    size_t n_sources;
    uint32_t *source_offsets;      /* owned, n_atoms + 1 entries, NULL if no sources */
    uint32_t *source_ids;          /* owned */
    kn_stdp_t *stdp;               /* owned; NULL: no plasticity configuration */
} kn_neuron_core_t;

typedef struct kn_spike_array_core {
    uint32_t *ticks;               /* owned copies, sorted by tick */
    uint32_t *indices;
    size_t n_events;
    size_t cursor;                 /* first event not yet emitted in this run */
} kn_spike_array_core_t;

typedef struct kn_poisson_core {
    uint32_t *rng;                 /* KISS x, y, z, c: Python-owned, state */
    kn_poisson_source_t *sources;  /* n_atoms working copies, Python-owned */
    const uint32_t *schedule_offsets;   /* n_atoms + 1, or NULL (no schedule) */
    const kn_poisson_entry_t *schedule; /* Python-owned, read only */
    size_t n_schedule;
    uint32_t *out_index;           /* owned, n_atoms: this tick's emitting sources */
    uint32_t *out_count;           /* owned, n_atoms: their spike counts */
} kn_poisson_core_t;

/* A delay-extension core (delay_extension.c): counts the spikes of its
 * source per (tick, atom) and re-sends them n_stages times, stage_length
 * ticks apart; key (k - 1) * n_atoms + i is atom i's stage k. */
typedef struct kn_delay_core {
    uint32_t source;               /* core id of the source (same n_atoms) */
    uint32_t n_stages;
    uint32_t stage_length;         /* ticks per stage */
    uint32_t slot_mask;            /* n_slots - 1 (n_slots a power of two) */
    uint8_t *counters;             /* Python-owned, n_slots x n_atoms, state */
    /* owned, n_slots: 0 only if that slot's counters are all zero (rebuilt
     * from the counters at every kn_run, so Python may change them between
     * runs); lets idle slots be skipped */
    uint8_t *slot_used;
    uint32_t *out_index;           /* owned, n_stages * n_atoms: this tick's keys */
    uint32_t *out_count;           /* owned: their payloads (counter values) */
} kn_delay_core_t;

/* Load counters (see README.md "Load counters"): what a core did, for the
 * estimate of whether it would keep up on the machine.  Each counter is
 * updated once per tick, by the thread that owns the core in the phase that
 * does the work: total += this tick's value, max = max(max, this tick's). */
typedef enum kn_load_counter {
    KN_LOAD_TICKS = 0,             /* ticks run (phase A, every core) */
    KN_LOAD_SPIKES_OUT,            /* phase A: spikes sent (sum of payload counts);
                                      delay cores: packets sent */
    KN_LOAD_NEURON_UPDATES,        /* phase A, neuron cores: n_atoms per tick */
    KN_LOAD_SPIKES_IN,             /* phase B, neuron cores: packets received
                                      (count each), once per source core */
    KN_LOAD_ROWS,                  /* phase B, neuron cores: rows processed (count
                                      each, empty rows too; per block) */
    KN_LOAD_SYNAPTIC_EVENTS,       /* phase B, neuron cores: static words (length x count) */
    KN_LOAD_PLASTIC_EVENTS,        /* phase B, neuron cores: plastic synapses (length x count) */
    KN_LOAD_ALL_EVENTS,            /* phase B, neuron cores: synaptic + plastic */
    KN_LOAD_PACKETS_IN,            /* phase B, delay cores: packets received (count each,
                                      saturation losses included) */
    KN_LOAD_N
} kn_load_counter_t;

typedef struct kn_load {
    uint64_t total[KN_LOAD_N];     /* since the last kn_reset_load_counters */
    uint64_t max[KN_LOAD_N];       /* largest single-tick value since then */
} kn_load_t;

/* One tick's value of counter `which`. */
static inline void kn_load_add(kn_load_t *load, kn_load_counter_t which, uint64_t value)
{
    load->total[which] += value;
    if (value > load->max[which])
        load->max[which] = value;
}

typedef struct kn_core {
    kn_core_kind_t kind;
    uint32_t n_atoms;
    uint32_t n_keys;               /* rows a target needs for this source: n_atoms,
                                      n_stages * n_atoms for a delay core */
    /* Output of phase A of the current tick: out_n spikes of local index
     * out_index[i], each to be delivered out_count[i] times (1 if NULL). */
    const uint32_t *out_index;
    const uint32_t *out_count;
    size_t out_n;
    uint64_t saturations;          /* ring-buffer adds that hit 0xFFFF (static and
                                      plastic); delay cores: spikes lost to
                                      counter saturation */
    uint64_t plastic_saturations;  /* the part of `saturations` due to plastic
                                      synapses (6.0's plastic_saturation_count) */
    kn_load_t load;                /* load counters (README "Load counters") */
    kn_recording_t rec;
    kn_neuron_core_t neuron;       /* valid if kind == KN_CORE_NEURON */
    kn_spike_array_core_t ssa;     /* valid if kind == KN_CORE_SPIKE_ARRAY */
    kn_poisson_core_t poisson;     /* valid if kind == KN_CORE_POISSON */
    kn_delay_core_t delay;         /* valid if kind == KN_CORE_DELAY */
} kn_core_t;

typedef struct kn_network {
    kn_core_t *cores;
    size_t n_cores;
    size_t cap_cores;
    uint8_t *emitted;              /* owned, cap_cores: 1 if core c's output list of
                                      this tick is not empty (set in phase A) */
    uint32_t *phase_b_cores;       /* owned, cap_cores entries: the cores with
                                      phase-B work, listed at every kn_run */
    int n_threads;                 /* 0: OpenMP default */
    int neuron_lanes;              /* 1 (default): models with a lane update use it
                                      when the processor can (kn_lanes_available) */
    char error[512];               /* message of the last failed call */
} kn_network_t;

/* A numpy array as seen by C: data pointer, number of elements, bytes each. */
typedef struct kn_array {
    void *data;
    size_t length;
    size_t itemsize;
} kn_array_t;

/* One analog recording request of kn_set_recording. */
typedef struct kn_analog_spec {
    int64_t slot;
    const int32_t *columns;
    size_t n_columns_entries;      /* length of columns (must be n_atoms) */
    int64_t interval;
    int64_t first_sample_tick;
    int32_t *buffer;
    size_t n_samples;              /* buffer rows */
    size_t n_rec;                  /* buffer columns */
} kn_analog_spec_t;

/* ---- public API (kernel.c) ---------------------------------------------
 * Functions returning int give a core id or 0 on success and -1 on bad
 * arguments, with a message in kn_error(); the network is then unchanged. */

kn_network_t *kn_network_new(void);
/* 1 if this build and processor can run the lane (8 neurons at a time) updates */
int kn_lanes_available(void);
/* 1 if neuron core `core` used its model's lane update in the last kn_run,
 * 0 if the scalar one (or it has not run), -1 if not a neuron core */
int kn_core_uses_lanes(kn_network_t *net, int64_t core);
void kn_network_free(kn_network_t *net);
const char *kn_error(const kn_network_t *net);

int kn_add_neuron_core(kn_network_t *net, const char *model, int64_t n_atoms,
                       int64_t n_synapse_types, int64_t index_bits, int64_t type_bits,
                       int64_t delay_bits, const int64_t *shifts, size_t n_shifts,
                       const kn_array_t components[KN_N_KINDS], uint16_t *ring,
                       size_t ring_len);

/* The events are copied.  ticks must be non-decreasing. */
int kn_add_spike_array_core(kn_network_t *net, int64_t n_atoms, const uint32_t *ticks,
                            const uint32_t *indices, size_t n_events);

int kn_add_incoming(kn_network_t *net, int64_t target, int64_t source,
                    const uint32_t *row_offsets, size_t n_offsets, const uint32_t *words,
                    size_t n_words);

/* Sets (or replaces) the plasticity configuration of neuron core `core`
 * (stdp.h).  The LUTs and the per-type parameters are copied; history
 * (n_history = n_atoms entries) is kept and mutated.  w_min, w_max, a2_plus,
 * a2_minus have n_types entries each (the core's synapse types). */
int kn_set_plasticity(kn_network_t *net, int64_t core, int64_t timing, int64_t weight,
                      const int16_t *lut_plus, size_t n_plus, int64_t lut_plus_shift,
                      const int16_t *lut_minus, size_t n_minus, int64_t lut_minus_shift,
                      const int64_t *w_min, const int64_t *w_max, const int64_t *a2_plus,
                      const int64_t *a2_minus, size_t n_types, int backprop_delay,
                      kn_stdp_history_t *history, size_t n_history);

/* Adds plastic rows of `source` for neuron core `target` (which must have a
 * plasticity configuration): controls and weights have n_syn entries,
 * row_state n_row_state = n_keys(source) entries; weights and row_state are
 * kept and mutated. */
int kn_add_plastic_incoming(kn_network_t *net, int64_t target, int64_t source,
                            const uint32_t *row_offsets, size_t n_offsets,
                            const uint16_t *controls, uint16_t *weights, size_t n_syn,
                            kn_stdp_row_state_t *row_state, size_t n_row_state);

/* Replaces all recording of `core`.  spikes may be NULL (no spike recording);
 * it is a uint32_t bitfield array (spike_words = ceil(n_atoms / 32) per row)
 * for neuron and spike-array cores and a uint16_t count array (spike_words =
 * n_atoms per row) for Poisson cores. */
int kn_set_recording(kn_network_t *net, int64_t core, void *spikes, size_t spike_rows,
                     size_t spike_words, int64_t spikes_first_tick,
                     const kn_analog_spec_t *analog, size_t n_analog);
void kn_clear_recording(kn_network_t *net);

/* Adds a current source to neuron core `core` (injected into `neurons`, which
 * are copied); returns its index among the core's sources.  params points to
 * one struct of the kind's layout (kept, mutated: state); step sources also
 * keep pointers to times/amplitudes (step_len entries each). */
int kn_add_current_source(kn_network_t *net, int64_t core, int64_t kind, void *params,
                          size_t params_size, const int64_t *neurons, size_t n_neurons,
                          const uint32_t *step_times, const int32_t *step_amplitudes,
                          size_t step_len);

/* Adds a Poisson core (spec §7.2, 5.x/6.x); returns its core id.  rng (4
 * words) and sources (n_atoms structs) are kept and mutated; the schedule
 * (optional: both NULL) is kept and only read. */
int kn_add_poisson_core(kn_network_t *net, int64_t n_atoms, uint32_t *rng, size_t rng_len,
                        kn_poisson_source_t *sources, size_t n_sources,
                        const uint32_t *schedule_offsets, size_t n_offsets,
                        const kn_poisson_entry_t *schedule, size_t n_schedule);

/* What a 6.x Poisson core does when it (re)loads its parameters: every slow
 * source (in index order) whose time_to_spike is 0 draws one (ISI); a resume
 * does this pass twice (read_rates, then the resume loop). */
int kn_poisson_load(kn_network_t *net, int64_t core, int resume);
/* time_to_spike of one source = a fresh ISI from the core's generator. */
int kn_poisson_draw_isi(kn_network_t *net, int64_t core, int64_t source);

/* Adds a delay-extension core serving core `source` (a neuron, spike-array
 * or Poisson core with n_atoms atoms); returns its core id.  counters
 * (n_slots x n_columns uint8, n_columns = n_atoms, n_slots a power of two
 * > n_stages * stage_length) are kept and mutated (state). */
int kn_add_delay_core(kn_network_t *net, int64_t source, int64_t n_atoms, int64_t n_stages,
                      int64_t stage_length, uint8_t *counters, size_t n_slots,
                      size_t n_columns);

/* Checks that start_tick + n_ticks <= 2^32 (the machine's tick counter) and
 * re-checks the Python-owned values the time loop relies on (Poisson
 * sqrt_lambda and rate_index, which Python may have changed in place). */
int kn_check_run(kn_network_t *net, int64_t start_tick, int64_t n_ticks);
/* Runs ticks start_tick ... start_tick + n_ticks - 1 (call kn_check_run first). */
void kn_run(kn_network_t *net, uint32_t start_tick, uint32_t n_ticks);

int kn_saturations(kn_network_t *net, int64_t core, uint64_t *out);
int kn_plastic_saturations(kn_network_t *net, int64_t core, uint64_t *out);
void kn_reset_saturations(kn_network_t *net);

/* The load counters of `core` (KN_LOAD_N totals and maxima each). */
int kn_load_counters(kn_network_t *net, int64_t core, uint64_t *total, uint64_t *max);
void kn_reset_load_counters(kn_network_t *net);

/* ---- helpers shared by the per-kind update functions -------------------- */

/* Ring-buffer index of (slot, synapse type, neuron) (spec §4.1). */
static inline uint32_t kn_ring_index(const kn_neuron_core_t *nc, uint32_t slot, uint32_t type,
                                     uint32_t neuron)
{
    uint32_t index = (slot << nc->slot_shift) | (type << nc->index_bits) | neuron;
    KN_ASSERT(index < nc->ring_len);
    return index;
}

/* Where tick t's spike bits and samples go (sets rec->spike_row, analog_row). */
void kn_recording_begin_tick(kn_recording_t *rec, uint32_t tick);

/* 1 if some analog recording samples the tick begun last. */
static inline int kn_recording_samples(const kn_recording_t *rec)
{
    return rec->analog_sampled;
}

/* Stores the pre-update values[slot] of neuron n in every analog recording
 * that samples this tick. */
static inline void kn_record_analog(kn_recording_t *rec, uint32_t n, const int32_t *values)
{
    for (size_t i = 0; i < rec->n_analog; i++) {
        int32_t *row = rec->analog_row[i];
        if (row != NULL) {
            int32_t column = rec->analog[i].columns[n];
            if (column >= 0) {
                KN_ASSERT((size_t)column < rec->analog[i].n_columns);
                row[column] = values[rec->analog[i].slot];
            }
        }
    }
}

/* Poisson cores: atom n emitted `count` spikes this tick (16-bit, saturating). */
static inline void kn_record_count(kn_recording_t *rec, uint32_t n, uint32_t count)
{
    if (rec->count_row != NULL) {
        KN_ASSERT(n < rec->spike_words);
        rec->count_row[n] = (uint16_t)(count > 0xFFFFu ? 0xFFFFu : count);
    }
}

static inline void kn_record_spike(kn_recording_t *rec, uint32_t n)
{
    if (rec->spike_row != NULL) {
        KN_ASSERT((n >> 5) < rec->spike_words);
        rec->spike_row[n >> 5] |= (uint32_t)1 << (n & 31);
    }
}

/* current_source.c: the summed current_offset of neuron n at this tick
 * (spec §2.4 step 7); calls each of its sources once (stateful sources
 * advance).  0 if the core has no current sources. */
int32_t kn_current_offset_slow(kn_neuron_core_t *nc, uint32_t tick, uint32_t n);

static inline int32_t kn_current_offset(kn_neuron_core_t *nc, uint32_t tick, uint32_t n)
{
    if (nc->source_offsets == NULL)
        return 0;
    return kn_current_offset_slow(nc, tick, n);
}

/* poisson.c */
void kn_poisson_tick(kn_core_t *core, uint32_t tick);
uint32_t kn_poisson_isi(kn_kiss_t *rng, uint32_t mean_isi_ticks);
void kn_poisson_load_sources(kn_core_t *core, int passes);

/* delay_extension.c */
void kn_delay_begin_run(kn_core_t *core);
void kn_delay_tick(kn_core_t *core, uint32_t tick);
void kn_delay_receive(kn_core_t *core, const kn_core_t *source, uint32_t tick);

/* spike_source_array.c */
void kn_spike_array_begin_run(kn_core_t *core, uint32_t start_tick);
void kn_spike_array_tick(kn_core_t *core, uint32_t tick);

#endif /* KN_KERNEL_H */
