/*
 * Izhikevich membrane (spec kernel.md §3.6; sPyNNaker
 * neuron/models/neuron_model_izh_impl.c): one midpoint (RK2) step of
 *     dV/dt = 0.04 V^2 + 5 V + 140 - U + I,   dU/dt = a (b V - U)
 * with step h = this_h, in the order the compiled ARM code evaluates it.
 * Every product is mulk (floor), HALF(x) = mulk(x, 0.5k) = floor(x / 2),
 * M = 1311 bits (0.040008544921875, not 0.04):
 *
 *   pre_alph = (140 + I) - U0
 *   alpha    = pre_alph + (5 + M V0) V0
 *   eta      = V0 + HALF(h alpha)
 *   beta     = HALF((b V0 - U0) (h a))       <- the compiled order: the C source
 *                                               says HALF(h (b V0 - U0) a) but GCC
 *                                               reuses the product h a
 *   V        = V0 + h ((pre_alph - beta) + (5 + M eta) eta)
 *   U        = U0 + (a h) ((-U0 - beta) + b eta)
 *   this_h   = reset_h
 *
 * On a spike: V = C, U += D, this_h = reset_h * 1.85k (60620 bits), so the
 * step after a spike uses h = 1.8499756 dt.  reset_h = dt in ms (S1615, from
 * the host); there is no refractory period; the threshold (static, 30 mV)
 * is a separate component.
 */
#ifndef KN_MEMBRANE_IZHIKEVICH_H
#define KN_MEMBRANE_IZHIKEVICH_H

#include "component.h"

#define membrane_izhikevich_FIELDS(F)                                          \
    F(int32_t, A)             /* s1615 */                                     \
    F(int32_t, B)             /* s1615 */                                     \
    F(int32_t, C)             /* s1615 mV */                                  \
    F(int32_t, D)             /* s1615 */                                     \
    F(int32_t, V)             /* s1615 mV, state */                           \
    F(int32_t, U)             /* s1615, state */                              \
    F(int32_t, I_offset)      /* s1615 nA */                                  \
    F(int32_t, this_h)        /* s1615 ms, state: the next step's h */        \
    F(int32_t, reset_h)       /* s1615 ms, dt (5.x/6.x machine_timestep_ms) */

KN_DECLARE_COMPONENT(membrane_izhikevich);

enum {
    KN_IZH_MAGIC_M = 1311,            /* 0.040008544921875 */
    KN_IZH_FIVE = 5 << 15,            /* 5.0k */
    KN_IZH_140 = 140 << 15,           /* 140.0k */
    KN_IZH_TQ_OFFSET = 60620          /* 1.85k, truncated by the compiler */
};

static inline int32_t membrane_izhikevich_get_v(const membrane_izhikevich_t *m)
{
    return m->V;
}

static inline int32_t kn_izh_half(int32_t x)
{
    return mulk(x, KN_S1615_HALF);
}

/* (5 + M x) x */
static inline int32_t kn_izh_quadratic(int32_t x)
{
    return mulk(addk(KN_IZH_FIVE, mulk(KN_IZH_MAGIC_M, x)), x);
}

static inline int32_t membrane_izhikevich_update(membrane_izhikevich_t *m, int32_t exc_current,
                                                 int32_t inh_current, int32_t external_bias,
                                                 int32_t current_offset)
{
    int32_t input = addk(addk(addk(subk(exc_current, inh_current), external_bias), m->I_offset),
                         current_offset);
    const int32_t h = m->this_h, v0 = m->V, u0 = m->U, a = m->A, b = m->B;

    int32_t pre_alph = subk(addk(KN_IZH_140, input), u0);
    int32_t alpha = addk(pre_alph, kn_izh_quadratic(v0));
    int32_t eta = addk(v0, kn_izh_half(mulk(h, alpha)));
    int32_t h_a = mulk(h, a);
    int32_t beta = kn_izh_half(mulk(subk(mulk(b, v0), u0), h_a));

    m->V = addk(v0, mulk(h, addk(subk(pre_alph, beta), kn_izh_quadratic(eta))));
    m->U = addk(u0, mulk(h_a, addk(subk(negk(u0), beta), mulk(b, eta))));
    m->this_h = m->reset_h;
    return m->V;
}

static inline void membrane_izhikevich_has_spiked(membrane_izhikevich_t *m)
{
    m->V = m->C;
    m->U = addk(m->U, m->D);
    m->this_h = mulk(m->reset_h, KN_IZH_TQ_OFFSET);
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define membrane_izhikevich_LANES 1

KN_LANES_FN kn_v8 membrane_izhikevich_get_v8(const membrane_izhikevich_lanes_t *m, size_t i)
{
    return load8(m->V + i);
}

KN_LANES_FN kn_v8 kn_izh_half8(kn_v8 x)
{
    return mulk8(x, set1_8(KN_S1615_HALF));
}

KN_LANES_FN kn_v8 kn_izh_quadratic8(kn_v8 x)
{
    return mulk8(addk8(set1_8(KN_IZH_FIVE), mulk8(set1_8(KN_IZH_MAGIC_M), x)), x);
}

KN_LANES_FN kn_v8 membrane_izhikevich_update8(const membrane_izhikevich_lanes_t *m, size_t i,
                                              kn_v8 exc_current, kn_v8 inh_current,
                                              kn_v8 external_bias, kn_v8 current_offset)
{
    const kn_v8 input = addk8(addk8(addk8(subk8(exc_current, inh_current), external_bias),
                                    load8(m->I_offset + i)),
                              current_offset);
    const kn_v8 h = load8(m->this_h + i), v0 = load8(m->V + i), u0 = load8(m->U + i);
    const kn_v8 a = load8(m->A + i), b = load8(m->B + i);

    const kn_v8 pre_alph = subk8(addk8(set1_8(KN_IZH_140), input), u0);
    const kn_v8 alpha = addk8(pre_alph, kn_izh_quadratic8(v0));
    const kn_v8 eta = addk8(v0, kn_izh_half8(mulk8(h, alpha)));
    const kn_v8 h_a = mulk8(h, a);
    const kn_v8 beta = kn_izh_half8(mulk8(subk8(mulk8(b, v0), u0), h_a));

    const kn_v8 v = addk8(v0, mulk8(h, addk8(subk8(pre_alph, beta), kn_izh_quadratic8(eta))));
    store8(m->V + i, v);
    store8(m->U + i, addk8(u0, mulk8(h_a, addk8(subk8(negk8(u0), beta), mulk8(b, eta)))));
    store8(m->this_h + i, load8(m->reset_h + i));
    return v;
}

KN_LANES_FN void membrane_izhikevich_has_spiked8(const membrane_izhikevich_lanes_t *m,
                                                 size_t i, kn_v8 spiked)
{
    const kn_v8 reset_h = load8(m->reset_h + i);
    store8(m->V + i, select8(spiked, load8(m->C + i), load8(m->V + i)));
    store8(m->U + i, select8(spiked, addk8(load8(m->U + i), load8(m->D + i)), load8(m->U + i)));
    store8(m->this_h + i, select8(spiked, mulk8(reset_h, set1_8(KN_IZH_TQ_OFFSET)),
                                  load8(m->this_h + i)));
}
#endif

#endif /* KN_MEMBRANE_IZHIKEVICH_H */
