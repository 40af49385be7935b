/*
 * Alpha synapse, one excitatory and one inhibitory receptor (spec kernel.md
 * §3.4; sPyNNaker neuron/synapse_types/synapse_types_alpha_impl.h).
 *
 * Per receptor: lin and exp (the two factors of the response), q (the last
 * input, never cleared), dt_over_tau2 = S1615(dt / tau^2) and
 * decay = U032(e^(-dt/tau)) from the host (profile 6).
 *
 *   input x (only if x > 0):  q = x
 *                             exp = exp * decay + 1.0
 *                             lin = (lin + x * dt_over_tau2) * (1.0 - 1.0 / exp)
 *   value:                    lin * exp
 *   shape (after the update): lin += q * dt_over_tau2;  exp *= decay
 *
 * Products are mulk (floor), "* decay" is decay_s1615, "1.0 / exp" the
 * libgcc accum division (divk).  Because q keeps its value, lin keeps
 * growing by q * dt/tau^2 every tick while exp decays.
 */
#ifndef KN_SYNAPSE_ALPHA_H
#define KN_SYNAPSE_ALPHA_H

#include "component.h"

#define synapse_alpha_FIELDS(F)                                                \
    F(int32_t, exc_lin)           /* s1615, state */                          \
    F(int32_t, exc_exp)           /* s1615, state */                          \
    F(int32_t, exc_q)             /* s1615, state */                          \
    F(int32_t, exc_dt_over_tau2)  /* s1615 */                                 \
    F(uint32_t, exc_decay)        /* u0.32 */                                 \
    F(int32_t, inh_lin)                                                       \
    F(int32_t, inh_exp)                                                       \
    F(int32_t, inh_q)                                                         \
    F(int32_t, inh_dt_over_tau2)                                              \
    F(uint32_t, inh_decay)

KN_DECLARE_COMPONENT(synapse_alpha);

enum { synapse_alpha_N_EXC = 1, synapse_alpha_N_INH = 1 };

/* One receptor's state, as pointers into the struct. */
typedef struct kn_alpha_receptor {
    int32_t *lin, *exp, *q;
    int32_t dt_over_tau2;
    uint32_t decay;
} kn_alpha_receptor_t;

static inline kn_alpha_receptor_t synapse_alpha_receptor(synapse_alpha_t *s, uint32_t type)
{
    if (type == 0) {
        kn_alpha_receptor_t r = {&s->exc_lin, &s->exc_exp, &s->exc_q, s->exc_dt_over_tau2,
                                 s->exc_decay};
        return r;
    }
    kn_alpha_receptor_t r = {&s->inh_lin, &s->inh_exp, &s->inh_q, s->inh_dt_over_tau2,
                             s->inh_decay};
    return r;
}

static inline void synapse_alpha_add_input(synapse_alpha_t *s, uint32_t type, int32_t input)
{
    if (input <= 0)
        return;
    kn_alpha_receptor_t r = synapse_alpha_receptor(s, type);
    *r.q = input;
    *r.exp = addk(decay_s1615(*r.exp, r.decay), KN_S1615_ONE);
    int32_t fading = subk(KN_S1615_ONE, divk(KN_S1615_ONE, *r.exp));
    *r.lin = mulk(addk(*r.lin, mulk(input, r.dt_over_tau2)), fading);
}

static inline void synapse_alpha_get_exc(const synapse_alpha_t *s, int32_t out[1])
{
    out[0] = mulk(s->exc_lin, s->exc_exp);
}

static inline void synapse_alpha_get_inh(const synapse_alpha_t *s, int32_t out[1])
{
    out[0] = mulk(s->inh_lin, s->inh_exp);
}

static inline void synapse_alpha_shape(synapse_alpha_t *s)
{
    for (uint32_t type = 0; type < 2; type++) {
        kn_alpha_receptor_t r = synapse_alpha_receptor(s, type);
        *r.lin = addk(*r.lin, mulk(*r.q, r.dt_over_tau2));
        *r.exp = decay_s1615(*r.exp, r.decay);
    }
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define synapse_alpha_LANES 1

typedef struct kn_alpha_receptor8 {
    int32_t *lin, *exp, *q;
    const int32_t *dt_over_tau2;
    const uint32_t *decay;
} kn_alpha_receptor8_t;

static inline kn_alpha_receptor8_t synapse_alpha_receptor8(const synapse_alpha_lanes_t *s,
                                                           uint32_t type, size_t i)
{
    kn_alpha_receptor8_t r;
    if (type == 0) {
        r.lin = s->exc_lin + i, r.exp = s->exc_exp + i, r.q = s->exc_q + i;
        r.dt_over_tau2 = s->exc_dt_over_tau2 + i, r.decay = s->exc_decay + i;
    } else {
        r.lin = s->inh_lin + i, r.exp = s->inh_exp + i, r.q = s->inh_q + i;
        r.dt_over_tau2 = s->inh_dt_over_tau2 + i, r.decay = s->inh_decay + i;
    }
    return r;
}

/* Only the lanes whose input is positive take it (the others keep their state). */
KN_LANES_FN void synapse_alpha_add_input8(const synapse_alpha_lanes_t *s, size_t i,
                                          uint32_t type, kn_v8 input)
{
    const kn_alpha_receptor8_t r = synapse_alpha_receptor8(s, type, i);
    const kn_v8 takes = gt8(input, zero8());
    const kn_v8 one = set1_8(KN_S1615_ONE);
    const kn_v8 lin = load8(r.lin), exp = load8(r.exp);
    const kn_v8 new_exp = addk8(decay8(exp, load8(r.decay)), one);
    const kn_v8 fading = subk8(one, divk8(one, new_exp));
    const kn_v8 new_lin = mulk8(addk8(lin, mulk8(input, load8(r.dt_over_tau2))), fading);
    store8(r.q, select8(takes, input, load8(r.q)));
    store8(r.exp, select8(takes, new_exp, exp));
    store8(r.lin, select8(takes, new_lin, lin));
}

KN_LANES_FN void synapse_alpha_get_exc8(const synapse_alpha_lanes_t *s, size_t i, kn_v8 out[1])
{
    out[0] = mulk8(load8(s->exc_lin + i), load8(s->exc_exp + i));
}

KN_LANES_FN void synapse_alpha_get_inh8(const synapse_alpha_lanes_t *s, size_t i, kn_v8 out[1])
{
    out[0] = mulk8(load8(s->inh_lin + i), load8(s->inh_exp + i));
}

KN_LANES_FN void synapse_alpha_shape8(const synapse_alpha_lanes_t *s, size_t i)
{
    for (uint32_t type = 0; type < 2; type++) {
        const kn_alpha_receptor8_t r = synapse_alpha_receptor8(s, type, i);
        store8(r.lin, addk8(load8(r.lin), mulk8(load8(r.q), load8(r.dt_over_tau2))));
        store8(r.exp, decay8(load8(r.exp), load8(r.decay)));
    }
}
#endif

#endif /* KN_SYNAPSE_ALPHA_H */
