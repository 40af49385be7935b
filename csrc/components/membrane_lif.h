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

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define membrane_lif_LANES 1

KN_LANES_FN kn_v8 membrane_lif_get_v8(const membrane_lif_lanes_t *m, size_t i)
{
    return load8(m->V_membrane + i);
}

/* The refractory lanes keep V and count down; the others integrate. */
KN_LANES_FN kn_v8 membrane_lif_update8(const membrane_lif_lanes_t *m, size_t i,
                                       kn_v8 exc_current, kn_v8 inh_current,
                                       kn_v8 external_bias, kn_v8 current_offset)
{
    const kn_v8 v = load8(m->V_membrane + i);
    const kn_v8 timer = load8(m->refract_timer + i);
    const kn_v8 input = addk8(addk8(addk8(subk8(exc_current, inh_current), external_bias),
                                    load8(m->I_offset + i)),
                              current_offset);
    const kn_v8 alpha = addk8(mulk8(input, load8(m->R_membrane + i)), load8(m->V_rest + i));
    const kn_v8 integrated = subk8(alpha, mulk8(load8(m->exp_TC + i), subk8(alpha, v)));
    const kn_v8 refractory = gt8(timer, zero8());
    const kn_v8 v_new = select8(refractory, v, integrated);
    store8(m->V_membrane + i, v_new);
    store8(m->refract_timer + i, addk8(timer, refractory));     /* -1 where refractory */
    return v_new;
}

KN_LANES_FN void membrane_lif_has_spiked8(const membrane_lif_lanes_t *m, size_t i,
                                          kn_v8 spiked)
{
    store8(m->V_membrane + i,
           select8(spiked, load8(m->V_reset + i), load8(m->V_membrane + i)));
    store8(m->refract_timer + i,
           select8(spiked, load8(m->T_refract + i), load8(m->refract_timer + i)));
}
#endif

#endif /* KN_MEMBRANE_LIF_H */
