/*
 * Parameter/state structs of current sources and Poisson sources.  Like the
 * neuron components they are declared once with an X-macro field list (every
 * field 4 bytes), which also gives the registry's field tables, so Python can
 * build numpy structured arrays with exactly this layout and own them.
 */
#ifndef KN_SOURCES_H
#define KN_SOURCES_H

#include "component.h"

/* ---- current sources (7.x neuron/current_sources/, ids as there) ---------- */

typedef enum kn_current_source_kind {
    KN_CS_DC = 1,
    KN_CS_AC = 2,
    KN_CS_STEP = 3,
    KN_CS_NOISY = 4
} kn_current_source_kind_t;

/* DCSource: amplitude while start <= t < stop */
#define kn_cs_dc_FIELDS(F)                                                     \
    F(int32_t, amplitude)     /* s1615 nA */                                  \
    F(uint32_t, start)        /* tick */                                      \
    F(uint32_t, stop)         /* tick, exclusive */

/* ACSource: offset + amplitude * sin((t - start) * frequency + phase) */
#define kn_cs_ac_FIELDS(F)                                                     \
    F(uint32_t, start)                                                        \
    F(uint32_t, stop)                                                         \
    F(int32_t, amplitude)     /* s1615 nA */                                  \
    F(int32_t, offset)        /* s1615 nA */                                  \
    F(int32_t, frequency)     /* s1615, radians per tick as 7.x writes it */  \
    F(int32_t, phase)         /* s1615 radians */

/* StepCurrentSource: state only; times/amplitudes are separate arrays */
#define kn_cs_step_FIELDS(F)                                                   \
    F(uint32_t, index)        /* next entry of times to reach, state */       \
    F(int32_t, amp_last)      /* s1615 nA, current value, state */

/* NoisyCurrentSource: mean + stdev * N(0,1), a new draw at every call */
#define kn_cs_noisy_FIELDS(F)                                                  \
    F(int32_t, mean)          /* s1615 nA */                                  \
    F(int32_t, stdev)         /* s1615 nA */                                  \
    F(uint32_t, start)                                                        \
    F(uint32_t, stop)                                                         \
    F(int32_t, dt)            /* s1615, written by 7.x, not used on chip */   \
    F(uint32_t, rng_x)        /* KISS state of this source */                 \
    F(uint32_t, rng_y)                                                        \
    F(uint32_t, rng_z)                                                        \
    F(uint32_t, rng_c)

KN_DECLARE_COMPONENT(kn_cs_dc);
KN_DECLARE_COMPONENT(kn_cs_ac);
KN_DECLARE_COMPONENT(kn_cs_step);
KN_DECLARE_COMPONENT(kn_cs_noisy);

/* ---- Poisson sources (5.x/6.x spike_source_poisson.c spike_source_t) ------ */

/* One rate descriptor, as the 6.x host writes it per (source, rate). */
#define kn_poisson_entry_FIELDS(F)                                             \
    F(uint32_t, start_tick)                                                   \
    F(uint32_t, end_tick)         /* exclusive; 0xFFFFFFFF = forever */       \
    F(uint32_t, next_tick)        /* switch to the next entry at the end of   \
                                     tick next_tick - 1 */                    \
    F(uint32_t, is_fast)          /* 0: slow (ISI) regime */                  \
    F(uint32_t, exp_minus_lambda) /* u0.32, fast regime */                    \
    F(int32_t, sqrt_lambda)       /* s1615, > 0 selects the "faster" regime */\
    F(uint32_t, mean_isi_ticks)   /* slow regime; 0 = silent */               \
    F(uint32_t, time_to_spike)    /* slow regime, 1/1000 tick, state */

/* The working copy of a source: the current entry plus its index. */
#define kn_poisson_source_FIELDS(F)                                            \
    kn_poisson_entry_FIELDS(F)                                                \
    F(uint32_t, rate_index)       /* entry of the schedule in use, state */

KN_DECLARE_COMPONENT(kn_poisson_entry);
KN_DECLARE_COMPONENT(kn_poisson_source);

/* Largest sqrt_lambda accepted (252.0): keeps (0.5 z + sqrt_lambda)^2 below
 * 2^16 for every normal variate z (|z| <= 7), so counts fit 16 bits. */
#define KN_POISSON_MAX_SQRT_LAMBDA (252 << 15)

#endif /* KN_SOURCES_H */
