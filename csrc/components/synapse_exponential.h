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

#endif /* KN_SYNAPSE_EXPONENTIAL_H */
