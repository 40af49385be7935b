/*
 * Conductance input type (spec kernel.md §3.2; sPyNNaker
 * neuron/input_types/input_type_conductance.h, the same in 5.x, 6.x, 7.x).
 *
 * Weights arrive scaled by 1024 (the host's global weight scale), so the
 * synaptic value is g * 1024: the conductance in uS is value >> 10
 * (arithmetic, floor), which is also what gsyn records.  The excitatory
 * current is g * (E_rev_E - V); the inhibitory one is (-g) * (E_rev_I - V),
 * negated before the product (floor makes the order matter), and the
 * membrane then forms exc - inh.
 */
#ifndef KN_INPUT_CONDUCTANCE_H
#define KN_INPUT_CONDUCTANCE_H

#include "component.h"

#define input_conductance_FIELDS(F)                                            \
    F(int32_t, V_rev_E)       /* s1615 mV */                                  \
    F(int32_t, V_rev_I)       /* s1615 mV */

KN_DECLARE_COMPONENT(input_conductance);

static inline int32_t input_conductance_get_input_value(const input_conductance_t *p,
                                                        int32_t value)
{
    (void)p;
    return value >> 10;
}

static inline int32_t input_conductance_exc_to_current(const input_conductance_t *p,
                                                       int32_t value, int32_t v)
{
    return mulk(value, subk(p->V_rev_E, v));
}

static inline int32_t input_conductance_inh_to_current(const input_conductance_t *p,
                                                       int32_t value, int32_t v)
{
    return mulk(negk(value), subk(p->V_rev_I, v));
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define input_conductance_LANES 1

KN_LANES_FN kn_v8 input_conductance_get_input_value8(const input_conductance_lanes_t *p,
                                                     size_t i, kn_v8 value)
{
    (void)p;
    (void)i;
    return sra8(value, 10);
}

KN_LANES_FN kn_v8 input_conductance_exc_to_current8(const input_conductance_lanes_t *p,
                                                    size_t i, kn_v8 value, kn_v8 v)
{
    return mulk8(value, subk8(load8(p->V_rev_E + i), v));
}

KN_LANES_FN kn_v8 input_conductance_inh_to_current8(const input_conductance_lanes_t *p,
                                                    size_t i, kn_v8 value, kn_v8 v)
{
    return mulk8(negk8(value), subk8(load8(p->V_rev_I + i), v));
}
#endif

#endif /* KN_INPUT_CONDUCTANCE_H */
