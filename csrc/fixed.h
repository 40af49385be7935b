/*
 * Fixed-point helpers: the integer rules of the ARM code (spec kernel.md §1).
 *
 * Every accum (s16.15) is an int32_t holding the raw bits; every unsigned long
 * fract (u0.32, decays and "init" factors) is a uint32_t.  Nothing saturates
 * and every product is floored, exactly as GCC compiles the non-saturating
 * fixed-point types for ARMv5TE.
 *
 * Signed overflow is undefined behaviour in C, so wrapping additions go
 * through uint32_t.  Right shifts of negative signed values are arithmetic
 * with GCC and Clang (implementation-defined in the standard); we rely on it,
 * as the machine does (ASR).
 */
#ifndef KN_FIXED_H
#define KN_FIXED_H

#include <stdint.h>

/* s16.15 constants */
#define KN_S1615_ONE ((int32_t)1 << 15)

/* a + b, wrapping mod 2^32 (accum add is a plain 32-bit ADD on the machine) */
static inline int32_t addk(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* a - b, wrapping mod 2^32 */
static inline int32_t subk(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* -a, wrapping (the negation of INT32_MIN is INT32_MIN, as on the machine) */
static inline int32_t negk(int32_t a)
{
    return (int32_t)(0u - (uint32_t)a);
}

/* s16.15 x s16.15: 64-bit product, arithmetic shift (floor), low 32 bits kept */
static inline int32_t mulk(int32_t a, int32_t b)
{
    return (int32_t)(uint32_t)(((int64_t)a * (int64_t)b) >> 15);
}

/* s16.15 x u0.32 (neuron/decay.h): floor of x*d/2^32; |result| <= |x|, no wrap */
static inline int32_t decay_s1615(int32_t x, uint32_t d)
{
    return (int32_t)(((int64_t)x * (int64_t)d) >> 32);
}

/*
 * Saturating add of a 16-bit weight into a ring-buffer entry (spec §4.1):
 * when the 17-bit sum has bit 16 set the entry sticks at 0xFFFF.
 * Returns 1 if this add saturated (the caller counts it), else 0.
 */
static inline uint32_t ring_add_saturating(uint16_t *entry, uint32_t weight)
{
    uint32_t acc = (uint32_t)*entry + weight;
    if (acc & 0x10000u) {
        *entry = 0xFFFFu;
        return 1;
    }
    *entry = (uint16_t)acc;
    return 0;
}

/*
 * Ring-buffer entry -> synaptic input (s16.15): (int32)entry << shift.
 * Done on uint32_t so that shift = 16 with entry >= 0x8000 wraps to a negative
 * value exactly as the machine's LSL does (instead of being undefined).
 */
static inline int32_t ring_to_input(uint16_t entry, uint32_t shift)
{
    return (int32_t)((uint32_t)entry << shift);
}

#endif /* KN_FIXED_H */
