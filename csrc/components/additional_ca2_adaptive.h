/*
 * Calcium-activated adaptation current (IFCurrExpCa2Adaptive; sPyNNaker 6.0
 * neuron/additional_inputs/additional_input_ca2_adaptive_impl.h, Liu & Wang
 * 2001).  Each tick, before the membrane update, the calcium current decays
 * (I_Ca2 = I_Ca2 * exp_TauCa, an accum product: floor) and -I_Ca2 is the
 * membrane's external bias; after a spike I_Ca2 += I_alpha (the decay of the
 * spike tick has already happened).  exp_TauCa = S1615(e^(-dt / tau_ca2))
 * from the host.
 */
#ifndef KN_ADDITIONAL_CA2_ADAPTIVE_H
#define KN_ADDITIONAL_CA2_ADAPTIVE_H

#include "component.h"

#define additional_ca2_adaptive_FIELDS(F)                                      \
    F(int32_t, exp_TauCa)     /* s1615, e^(-dt / tau_ca2) */                  \
    F(int32_t, I_Ca2)         /* s1615 nA, state */                           \
    F(int32_t, I_alpha)       /* s1615 nA, influx per spike */

KN_DECLARE_COMPONENT(additional_ca2_adaptive);

static inline int32_t additional_ca2_adaptive_get_current(additional_ca2_adaptive_t *a,
                                                          int32_t v)
{
    (void)v;
    a->I_Ca2 = mulk(a->I_Ca2, a->exp_TauCa);
    return negk(a->I_Ca2);
}

static inline void additional_ca2_adaptive_has_spiked(additional_ca2_adaptive_t *a)
{
    a->I_Ca2 = addk(a->I_Ca2, a->I_alpha);
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define additional_ca2_adaptive_LANES 1

KN_LANES_FN kn_v8 additional_ca2_adaptive_get_current8(const additional_ca2_adaptive_lanes_t *a,
                                                       size_t i, kn_v8 v)
{
    (void)v;
    const kn_v8 current = mulk8(load8(a->I_Ca2 + i), load8(a->exp_TauCa + i));
    store8(a->I_Ca2 + i, current);
    return negk8(current);
}

KN_LANES_FN void additional_ca2_adaptive_has_spiked8(const additional_ca2_adaptive_lanes_t *a,
                                                     size_t i, kn_v8 spiked)
{
    const kn_v8 current = load8(a->I_Ca2 + i);
    store8(a->I_Ca2 + i, select8(spiked, addk8(current, load8(a->I_alpha + i)), current));
}
#endif

#endif /* KN_ADDITIONAL_CA2_ADAPTIVE_H */
