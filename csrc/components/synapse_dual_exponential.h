/*
 * Dual-exponential synapse (IF_curr_dual_exp): two excitatory receptors and
 * one inhibitory, each an exponential synapse (spec kernel.md §3.3).
 * sPyNNaker 6.0 neuron/synapse_types/synapse_types_dual_excitatory_exponential_impl.h:
 * synapse type 0 = excitatory, 1 = excitatory2, 2 = inhibitory (2 type bits
 * in the ring buffer); the excitatory values are reported in that order
 * (their sum is gsyn_exc); decay/init as for the exponential synapse.
 */
#ifndef KN_SYNAPSE_DUAL_EXPONENTIAL_H
#define KN_SYNAPSE_DUAL_EXPONENTIAL_H

#include "component.h"

#define synapse_dual_exponential_FIELDS(F)                                     \
    F(uint32_t, exc_decay)    /* u0.32 */                                     \
    F(uint32_t, exc_init)     /* u0.32 */                                     \
    F(int32_t, isyn_exc)      /* s1615 nA, state */                           \
    F(uint32_t, exc2_decay)                                                   \
    F(uint32_t, exc2_init)                                                    \
    F(int32_t, isyn_exc2)                                                     \
    F(uint32_t, inh_decay)                                                    \
    F(uint32_t, inh_init)                                                     \
    F(int32_t, isyn_inh)

KN_DECLARE_COMPONENT(synapse_dual_exponential);

enum { synapse_dual_exponential_N_EXC = 2, synapse_dual_exponential_N_INH = 1 };

static inline void synapse_dual_exponential_add_input(synapse_dual_exponential_t *s,
                                                      uint32_t type, int32_t input)
{
    switch (type) {
    case 0:
        s->isyn_exc = addk(s->isyn_exc, decay_s1615(input, s->exc_init));
        break;
    case 1:
        s->isyn_exc2 = addk(s->isyn_exc2, decay_s1615(input, s->exc2_init));
        break;
    default:
        s->isyn_inh = addk(s->isyn_inh, decay_s1615(input, s->inh_init));
        break;
    }
}

static inline void synapse_dual_exponential_get_exc(const synapse_dual_exponential_t *s,
                                                    int32_t out[2])
{
    out[0] = s->isyn_exc;
    out[1] = s->isyn_exc2;
}

static inline void synapse_dual_exponential_get_inh(const synapse_dual_exponential_t *s,
                                                    int32_t out[1])
{
    out[0] = s->isyn_inh;
}

static inline void synapse_dual_exponential_shape(synapse_dual_exponential_t *s)
{
    s->isyn_exc = decay_s1615(s->isyn_exc, s->exc_decay);
    s->isyn_exc2 = decay_s1615(s->isyn_exc2, s->exc2_decay);
    s->isyn_inh = decay_s1615(s->isyn_inh, s->inh_decay);
}

#endif /* KN_SYNAPSE_DUAL_EXPONENTIAL_H */
