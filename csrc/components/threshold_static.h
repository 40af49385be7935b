/* Static threshold (spec kernel.md §2.4 step 9): spike iff V >= V_thresh. */
#ifndef KN_THRESHOLD_STATIC_H
#define KN_THRESHOLD_STATIC_H

#include "component.h"

#define threshold_static_FIELDS(F)                                             \
    F(int32_t, threshold_value)   /* s1615 mV */

KN_DECLARE_COMPONENT(threshold_static);

/* REAL_COMPARE: a signed comparison of the raw bits */
static inline int threshold_static_is_above(threshold_static_t *t, int32_t v)
{
    return v >= t->threshold_value;
}

/* ---- eight neurons at a time (component.h, lanes.h) ---- */
#if KN_HAVE_LANES
#define threshold_static_LANES 1

KN_LANES_FN kn_v8 threshold_static_is_above8(const threshold_static_lanes_t *t, size_t i,
                                             kn_v8 v)
{
    return ge8(v, load8(t->threshold_value + i));
}
#endif

#endif /* KN_THRESHOLD_STATIC_H */
