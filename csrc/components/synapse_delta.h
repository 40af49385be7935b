/*
 * Delta synapse, one excitatory and one inhibitory receptor (spec kernel.md
 * §3.5; sPyNNaker neuron/synapse_types/synapse_types_delta_impl.h): the
 * ring-buffer input of this tick is added to the state, the neuron uses it
 * in this tick's update, and the state is cleared afterwards.
 */
#ifndef KN_SYNAPSE_DELTA_H
#define KN_SYNAPSE_DELTA_H

#include "component.h"

#define synapse_delta_FIELDS(F)                                                \
    F(int32_t, isyn_exc)      /* s1615, state */                              \
    F(int32_t, isyn_inh)      /* s1615, state */

KN_DECLARE_COMPONENT(synapse_delta);

enum { synapse_delta_N_EXC = 1, synapse_delta_N_INH = 1 };

static inline void synapse_delta_add_input(synapse_delta_t *s, uint32_t type, int32_t input)
{
    if (type == 0)
        s->isyn_exc = addk(s->isyn_exc, input);
    else
        s->isyn_inh = addk(s->isyn_inh, input);
}

static inline void synapse_delta_get_exc(const synapse_delta_t *s, int32_t out[1])
{
    out[0] = s->isyn_exc;
}

static inline void synapse_delta_get_inh(const synapse_delta_t *s, int32_t out[1])
{
    out[0] = s->isyn_inh;
}

static inline void synapse_delta_shape(synapse_delta_t *s)
{
    s->isyn_exc = 0;
    s->isyn_inh = 0;
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define synapse_delta_LANES 1

KN_LANES_FN void synapse_delta_add_input8(const synapse_delta_lanes_t *s, size_t i,
                                          uint32_t type, kn_v8 input)
{
    int32_t *isyn = type == 0 ? s->isyn_exc : s->isyn_inh;
    store8(isyn + i, addk8(load8(isyn + i), input));
}

KN_LANES_FN void synapse_delta_get_exc8(const synapse_delta_lanes_t *s, size_t i, kn_v8 out[1])
{
    out[0] = load8(s->isyn_exc + i);
}

KN_LANES_FN void synapse_delta_get_inh8(const synapse_delta_lanes_t *s, size_t i, kn_v8 out[1])
{
    out[0] = load8(s->isyn_inh + i);
}

KN_LANES_FN void synapse_delta_shape8(const synapse_delta_lanes_t *s, size_t i)
{
    store8(s->isyn_exc + i, zero8());
    store8(s->isyn_inh + i, zero8());
}
#endif

#endif /* KN_SYNAPSE_DELTA_H */
