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
#define KN_S1615_HALF ((int32_t)1 << 14)

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

/* a << n on the bits, wrapping (a left shift of a negative int32_t is
 * undefined in C; the machine's LSL just drops the top bits) */
static inline int32_t shlk(int32_t a, unsigned n)
{
    return (int32_t)((uint32_t)a << n);
}

/*
 * accum / accum as libgcc's __gnu_divsa3 computes it (spec §1.2): the
 * dividend widened to 64 bits and shifted left by 15, then a 64-bit C
 * division (truncation toward zero); the low 32 bits are kept.
 * Division by zero: the ARM EABI helper (__aeabi_ldivmod) returns INT64_MAX
 * for a positive dividend, INT64_MIN for a negative one and 0 for 0, and the
 * default __aeabi_ldiv0 of arm-none-eabi's libgcc returns that value; the low
 * word is kept (so 1.0k / 0 gives -1 bit).  See docs/models.md.
 */
static inline int32_t divk(int32_t a, int32_t b)
{
    int64_t n = (int64_t)a * 32768;
    int64_t q;
    if (b == 0)
        q = n > 0 ? INT64_MAX : (n < 0 ? INT64_MIN : 0);
    else
        q = n / b;
    return (int32_t)(uint32_t)(uint64_t)q;
}

/*
 * spinn_common's __stdfix_round_s32(x, n) (roundk for n = 15): add the bit
 * just below bit n, clear the n low bits ("round half up"), wrapping.
 */
static inline int32_t round_bits(int32_t x, unsigned n)
{
    int32_t carry = (x >> (n - 1)) & 1;
    return shlk(addk(x >> n, carry), n);
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
    /* entry and weight are at most 0xFFFF, so the sum has at most 17 bits and
     * bit 16 is the overflow; without a branch (saturation is data dependent,
     * a branch would often be mispredicted): all ones when it is set */
    uint32_t acc = (uint32_t)*entry + weight;
    uint32_t over = acc >> 16;
    *entry = (uint16_t)(acc | (0u - over));
    return over;
}

/*
 * `count` saturating adds of the same weight into one entry (a spike whose
 * payload count is `count` meeting a one-word row): the same entry and the
 * same number of saturated adds as calling ring_add_saturating `count` times.
 * Below 0x10000 the sum simply grows; from the first add that reaches it, the
 * entry sticks at 0xFFFF and every later add of a non-zero weight saturates
 * too (a zero weight never does).  Returns the saturated adds.
 */
static inline uint64_t ring_add_repeated(uint16_t *entry, uint32_t weight, uint32_t count)
{
    const uint64_t sum = (uint64_t)*entry + (uint64_t)weight * count;
    if (sum <= 0xFFFFu) {
        *entry = (uint16_t)sum;
        return 0;
    }
    /* weight >= 1 here; the first saturating add is number ceil((0x10000 - entry) / weight) */
    const uint32_t first = (0x10000u - *entry + weight - 1u) / weight;
    *entry = 0xFFFF;
    return (uint64_t)count - first + 1u;
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
