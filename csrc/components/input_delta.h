/*
 * Delta input type of 6.x (spec kernel.md §3.2; sPyNNaker 6.0
 * neuron/input_types/input_type_delta.h): the synaptic value (recorded as
 * gsyn) is multiplied by 1.0 (exact), the current is value * scale with the
 * host's scale = S1615(1000 / dt_us), i.e. 1/dt in 1/ms.  (5.x used the
 * current input type instead: scale = 1.0 gives the same numbers.)
 */
#ifndef KN_INPUT_DELTA_H
#define KN_INPUT_DELTA_H

#include "component.h"

#define input_delta_FIELDS(F)                                                  \
    F(int32_t, scale)         /* s1615, 1000 / dt_us */

KN_DECLARE_COMPONENT(input_delta);

static inline int32_t input_delta_get_input_value(const input_delta_t *p, int32_t value)
{
    (void)p;
    return mulk(value, KN_S1615_ONE);       /* x * 1.0k: the identity */
}

static inline int32_t input_delta_exc_to_current(const input_delta_t *p, int32_t value,
                                                 int32_t v)
{
    (void)v;
    return mulk(value, p->scale);
}

static inline int32_t input_delta_inh_to_current(const input_delta_t *p, int32_t value,
                                                 int32_t v)
{
    (void)v;
    return mulk(value, p->scale);
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define input_delta_LANES 1

KN_LANES_FN kn_v8 input_delta_get_input_value8(const input_delta_lanes_t *p, size_t i,
                                               kn_v8 value)
{
    (void)p;
    (void)i;
    return mulk8(value, set1_8(KN_S1615_ONE));
}

KN_LANES_FN kn_v8 input_delta_exc_to_current8(const input_delta_lanes_t *p, size_t i,
                                              kn_v8 value, kn_v8 v)
{
    (void)v;
    return mulk8(value, load8(p->scale + i));
}

KN_LANES_FN kn_v8 input_delta_inh_to_current8(const input_delta_lanes_t *p, size_t i,
                                              kn_v8 value, kn_v8 v)
{
    (void)v;
    return mulk8(value, load8(p->scale + i));
}
#endif

#endif /* KN_INPUT_DELTA_H */
