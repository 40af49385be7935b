/*
 * The pieces of SpiNNaker's runtime library (spinn_common) that the
 * stochastic sources need, re-implemented from their published algorithms
 * so that they give the same bits: the KISS random number generator, the
 * inverse normal CDF of a random word (norminv_urt), the fixed-point sine
 * (sink) and the von Neumann exponential variate.  All integer.
 * See docs/models.md for where each one comes from.
 */
#ifndef KN_SPINN_MATHS_H
#define KN_SPINN_MATHS_H

#include <stdint.h>

#include "fixed.h"

/* Marsaglia's KISS variant of spinn_common (mars_kiss64_seed; spec §7.2). */
typedef struct kn_kiss {
    uint32_t x, y, z, c;
} kn_kiss_t;

static inline uint32_t kn_kiss_next(kn_kiss_t *s)
{
    s->x = 314527869u * s->x + 1234567u;
    s->y ^= s->y << 5;
    s->y ^= s->y >> 7;
    s->y ^= s->y << 22;
    uint64_t t = 4294584393ull * s->z + s->c;
    s->c = (uint32_t)(t >> 32);
    s->z = (uint32_t)t;
    return s->x + s->y + s->z;
}

/* norminv_urt: the standard normal quantile of the top 16 bits of a random
 * word (read as a signed 16-bit number), as an s16.15 in [-7.0, 4.17]. */
int32_t kn_norminv_urt(uint32_t word);

/* sink: sin of an s16.15 angle (radians), s16.15 result. */
int32_t kn_sink(int32_t angle);

/* exponential_dist_variate: an Exp(1) variate (s16.15) by von Neumann's
 * method, consuming words of the generator. */
int32_t kn_exponential_variate(kn_kiss_t *rng);

#endif /* KN_SPINN_MATHS_H */
