/*
 * Current input type (spec kernel.md §3.2): the synaptic value is already a
 * current in nA, so everything is the identity.  No parameters: the pointer
 * passed in is NULL.  (A conductance input type has the same functions with
 * value >> 10 and mulk(g, E_rev - V).)
 */
#ifndef KN_INPUT_CURRENT_H
#define KN_INPUT_CURRENT_H

#include "component.h"

#define input_current_FIELDS(F)

KN_DECLARE_EMPTY_COMPONENT(input_current);

static inline int32_t input_current_get_input_value(const input_current_t *p, int32_t value)
{
    (void)p;
    return value;
}

static inline int32_t input_current_exc_to_current(const input_current_t *p, int32_t value,
                                                   int32_t v)
{
    (void)p;
    (void)v;
    return value;
}

static inline int32_t input_current_inh_to_current(const input_current_t *p, int32_t value,
                                                   int32_t v)
{
    (void)p;
    (void)v;
    return value;
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define input_current_LANES 1

KN_LANES_FN kn_v8 input_current_get_input_value8(const input_current_lanes_t *p, size_t i,
                                                 kn_v8 value)
{
    (void)p;
    (void)i;
    return value;
}

KN_LANES_FN kn_v8 input_current_exc_to_current8(const input_current_lanes_t *p, size_t i,
                                                kn_v8 value, kn_v8 v)
{
    (void)p;
    (void)i;
    (void)v;
    return value;
}

KN_LANES_FN kn_v8 input_current_inh_to_current8(const input_current_lanes_t *p, size_t i,
                                                kn_v8 value, kn_v8 v)
{
    (void)p;
    (void)i;
    (void)v;
    return value;
}
#endif

#endif /* KN_INPUT_CURRENT_H */
