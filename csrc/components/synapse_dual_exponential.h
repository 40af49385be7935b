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

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define synapse_dual_exponential_LANES 1

KN_LANES_FN void synapse_dual_exponential_add_input8(const synapse_dual_exponential_lanes_t *s,
                                                     size_t i, uint32_t type, kn_v8 input)
{
    int32_t *isyn = type == 0 ? s->isyn_exc : type == 1 ? s->isyn_exc2 : s->isyn_inh;
    const uint32_t *init = type == 0 ? s->exc_init : type == 1 ? s->exc2_init : s->inh_init;
    store8(isyn + i, addk8(load8(isyn + i), decay8(input, load8(init + i))));
}

KN_LANES_FN void synapse_dual_exponential_get_exc8(const synapse_dual_exponential_lanes_t *s,
                                                   size_t i, kn_v8 out[2])
{
    out[0] = load8(s->isyn_exc + i);
    out[1] = load8(s->isyn_exc2 + i);
}

KN_LANES_FN void synapse_dual_exponential_get_inh8(const synapse_dual_exponential_lanes_t *s,
                                                   size_t i, kn_v8 out[1])
{
    out[0] = load8(s->isyn_inh + i);
}

KN_LANES_FN void synapse_dual_exponential_shape8(const synapse_dual_exponential_lanes_t *s,
                                                 size_t i)
{
    store8(s->isyn_exc + i, decay8(load8(s->isyn_exc + i), load8(s->exc_decay + i)));
    store8(s->isyn_exc2 + i, decay8(load8(s->isyn_exc2 + i), load8(s->exc2_decay + i)));
    store8(s->isyn_inh + i, decay8(load8(s->isyn_inh + i), load8(s->inh_decay + i)));
}
#endif

#endif /* KN_SYNAPSE_DUAL_EXPONENTIAL_H */
