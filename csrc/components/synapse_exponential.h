/*
 * Exponential synapse, one excitatory and one inhibitory receptor
 * (spec kernel.md §3.3).  decay = e^(-dt/tau), init = (tau/dt)(1 - decay),
 * both u0.32 from the host (profile 6).
 */
#ifndef KN_SYNAPSE_EXPONENTIAL_H
#define KN_SYNAPSE_EXPONENTIAL_H

#include "component.h"

#define synapse_exponential_FIELDS(F)                                          \
    F(uint32_t, exc_decay)    /* u0.32 */                                     \
    F(uint32_t, exc_init)     /* u0.32 */                                     \
    F(int32_t, isyn_exc)      /* s1615 nA, state */                           \
    F(uint32_t, inh_decay)    /* u0.32 */                                     \
    F(uint32_t, inh_init)     /* u0.32 */                                     \
    F(int32_t, isyn_inh)      /* s1615 nA, state */

KN_DECLARE_COMPONENT(synapse_exponential);

enum { synapse_exponential_N_EXC = 1, synapse_exponential_N_INH = 1 };

/* The init factor scales the summed ring-buffer entry, not each spike. */
static inline void synapse_exponential_add_input(synapse_exponential_t *s, uint32_t type,
                                                 int32_t input)
{
    if (type == 0)
        s->isyn_exc = addk(s->isyn_exc, decay_s1615(input, s->exc_init));
    else
        s->isyn_inh = addk(s->isyn_inh, decay_s1615(input, s->inh_init));
}

static inline void synapse_exponential_get_exc(const synapse_exponential_t *s, int32_t out[1])
{
    out[0] = s->isyn_exc;
}

static inline void synapse_exponential_get_inh(const synapse_exponential_t *s, int32_t out[1])
{
    out[0] = s->isyn_inh;
}

static inline void synapse_exponential_shape(synapse_exponential_t *s)
{
    s->isyn_exc = decay_s1615(s->isyn_exc, s->exc_decay);
    s->isyn_inh = decay_s1615(s->isyn_inh, s->inh_decay);
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define synapse_exponential_LANES 1

KN_LANES_FN void synapse_exponential_add_input8(const synapse_exponential_lanes_t *s,
                                                size_t i, uint32_t type, kn_v8 input)
{
    if (type == 0)
        store8(s->isyn_exc + i,
               addk8(load8(s->isyn_exc + i), decay8(input, load8(s->exc_init + i))));
    else
        store8(s->isyn_inh + i,
               addk8(load8(s->isyn_inh + i), decay8(input, load8(s->inh_init + i))));
}

KN_LANES_FN void synapse_exponential_get_exc8(const synapse_exponential_lanes_t *s, size_t i,
                                              kn_v8 out[1])
{
    out[0] = load8(s->isyn_exc + i);
}

KN_LANES_FN void synapse_exponential_get_inh8(const synapse_exponential_lanes_t *s, size_t i,
                                              kn_v8 out[1])
{
    out[0] = load8(s->isyn_inh + i);
}

KN_LANES_FN void synapse_exponential_shape8(const synapse_exponential_lanes_t *s, size_t i)
{
    store8(s->isyn_exc + i, decay8(load8(s->isyn_exc + i), load8(s->exc_decay + i)));
    store8(s->isyn_inh + i, decay8(load8(s->isyn_inh + i), load8(s->inh_decay + i)));
}
#endif

#endif /* KN_SYNAPSE_EXPONENTIAL_H */
