/*
 * Leaky integrate-and-fire membrane (spec kernel.md §3.1).
 *
 * The host precomputes R = tau_m / cm, exp_TC = e^(-dt/tau_m) and
 * T_refract = ceil(tau_refrac / dt) (profile 6); the chip only integrates.
 */
#ifndef KN_MEMBRANE_LIF_H
#define KN_MEMBRANE_LIF_H

#include "component.h"

#define membrane_lif_FIELDS(F)                                                 \
    F(int32_t, V_membrane)    /* s1615 mV, state */                           \
    F(int32_t, V_rest)        /* s1615 mV */                                  \
    F(int32_t, R_membrane)    /* s1615 MOhm, tau_m / cm */                    \
    F(int32_t, exp_TC)        /* s1615, e^(-dt / tau_m) */                    \
    F(int32_t, I_offset)      /* s1615 nA */                                  \
    F(int32_t, refract_timer) /* ticks still refractory, state */             \
    F(int32_t, V_reset)       /* s1615 mV */                                  \
    F(int32_t, T_refract)     /* ticks */

KN_DECLARE_COMPONENT(membrane_lif);

static inline int32_t membrane_lif_get_v(const membrane_lif_t *m)
{
    return m->V_membrane;
}

/*
 * One step.  While refractory V is held (and the timer counts down); the
 * caller still tests the threshold on the returned V, as the machine does.
 */
static inline int32_t membrane_lif_update(membrane_lif_t *m, int32_t exc_current,
                                          int32_t inh_current, int32_t external_bias,
                                          int32_t current_offset)
{
    if (m->refract_timer <= 0) {
        int32_t input = addk(addk(addk(subk(exc_current, inh_current), external_bias),
                                  m->I_offset),
                             current_offset);
        int32_t alpha = addk(mulk(input, m->R_membrane), m->V_rest);
        m->V_membrane = subk(alpha, mulk(m->exp_TC, subk(alpha, m->V_membrane)));
    } else {
        m->refract_timer -= 1;
    }
    return m->V_membrane;
}

static inline void membrane_lif_has_spiked(membrane_lif_t *m)
{
    m->V_membrane = m->V_reset;
    m->refract_timer = m->T_refract;
}

#endif /* KN_MEMBRANE_LIF_H */
