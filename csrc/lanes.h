/*
 * Eight neurons at a time: fixed.h's operations on 8 lanes of int32 (AVX2).
 *
 * Why: phase A of a neuron core is the same arithmetic for every neuron, so
 * a core's neurons can be updated 8 at a time.  Each function below gives,
 * lane by lane, exactly the bits of its scalar twin in fixed.h (wrapping
 * adds, floored products, the low 32 bits kept); tests/test_neuron_lanes.py
 * checks the lane update against the scalar one with hypothesis.
 *
 * Only x86-64 with GCC or Clang: KN_HAVE_LANES is 0 elsewhere (or with
 * -DKN_NO_LANES), and the kernel then uses the scalar loop.  The functions are compiled for AVX2
 * whatever the compiler flags (target attribute); the kernel calls them
 * only after checking that the processor has AVX2 (kn_lanes_supported).
 *
 * A lane mask is a kn_v8 whose lanes are all ones (true) or all zeros.
 */
#ifndef KN_LANES_H
#define KN_LANES_H

#include <stdint.h>

#include "fixed.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(KN_NO_LANES)
#define KN_HAVE_LANES 1
#else
#define KN_HAVE_LANES 0
#endif

#define KN_LANES 8

#if KN_HAVE_LANES
#include <immintrin.h>

typedef __m256i kn_v8;

/* Every function that takes or returns a kn_v8 is compiled for AVX2. */
#define KN_LANES_TARGET __attribute__((target("avx2")))
#define KN_LANES_FN static inline __attribute__((always_inline, target("avx2")))

/* 1 if this processor can run the lane functions */
static inline int kn_lanes_supported(void)
{
    return __builtin_cpu_supports("avx2");
}

KN_LANES_FN kn_v8 load8(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

KN_LANES_FN void store8(void *p, kn_v8 v)
{
    _mm256_storeu_si256((__m256i *)p, v);
}

KN_LANES_FN kn_v8 set1_8(int32_t x)
{
    return _mm256_set1_epi32(x);
}

KN_LANES_FN kn_v8 zero8(void)
{
    return _mm256_setzero_si256();
}

/* addk, subk, negk: wrapping 32-bit arithmetic */
KN_LANES_FN kn_v8 addk8(kn_v8 a, kn_v8 b)
{
    return _mm256_add_epi32(a, b);
}

KN_LANES_FN kn_v8 subk8(kn_v8 a, kn_v8 b)
{
    return _mm256_sub_epi32(a, b);
}

KN_LANES_FN kn_v8 negk8(kn_v8 a)
{
    return _mm256_sub_epi32(_mm256_setzero_si256(), a);
}

/* x >> n, arithmetic (as the machine's ASR) */
KN_LANES_FN kn_v8 sra8(kn_v8 x, int n)
{
    return _mm256_srai_epi32(x, n);
}

/* mulk: bits 15..46 of the signed 64-bit product.  AVX2 multiplies the even
 * lanes (0, 2, 4, 6) into 64-bit products; the odd lanes are moved down
 * first.  A logical 64-bit shift gives the same low 32 bits as the scalar
 * arithmetic one. */
KN_LANES_FN kn_v8 mulk8(kn_v8 a, kn_v8 b)
{
    const kn_v8 even = _mm256_srli_epi64(_mm256_mul_epi32(a, b), 15);
    const kn_v8 odd = _mm256_srli_epi64(
        _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32)), 15);
    return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

/* decay_s1615: the high 32 bits of signed x times unsigned d.  Computed as
 * the unsigned product's high half, minus d where x is negative (x as
 * unsigned is x + 2^32 there, which adds d * 2^32 to the product). */
KN_LANES_FN kn_v8 decay8(kn_v8 x, kn_v8 d)
{
    const kn_v8 even = _mm256_srli_epi64(_mm256_mul_epu32(x, d), 32);
    const kn_v8 odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(d, 32));
    const kn_v8 high = _mm256_blend_epi32(even, odd, 0xAA);
    return _mm256_sub_epi32(high, _mm256_and_si256(_mm256_srai_epi32(x, 31), d));
}

/* divk, lane by lane with the scalar division (AVX2 has no integer division;
 * the alpha synapse divides once per neuron and input) */
KN_LANES_FN kn_v8 divk8(kn_v8 a, kn_v8 b)
{
    int32_t x[KN_LANES], y[KN_LANES];
    store8(x, a);
    store8(y, b);
    for (int k = 0; k < KN_LANES; k++)
        x[k] = divk(x[k], y[k]);
    return load8(x);
}

/* ring_to_input of 8 consecutive ring entries: (int32)(entry << shift) */
KN_LANES_FN kn_v8 ring_to_input8(const uint16_t *entries, uint32_t shift)
{
    const kn_v8 wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)entries));
    return _mm256_sll_epi32(wide, _mm_cvtsi32_si128((int)shift));
}

KN_LANES_FN void zero_entries8(uint16_t *entries)
{
    _mm_storeu_si128((__m128i *)entries, _mm_setzero_si128());
}

/* masks: a > b and a >= b (signed, as REAL_COMPARE), a <= 0 */
KN_LANES_FN kn_v8 gt8(kn_v8 a, kn_v8 b)
{
    return _mm256_cmpgt_epi32(a, b);
}

KN_LANES_FN kn_v8 ge8(kn_v8 a, kn_v8 b)
{
    return _mm256_xor_si256(_mm256_cmpgt_epi32(b, a), _mm256_set1_epi32(-1));
}

/* mask ? a : b, lane by lane */
KN_LANES_FN kn_v8 select8(kn_v8 mask, kn_v8 a, kn_v8 b)
{
    return _mm256_blendv_epi8(b, a, mask);
}

KN_LANES_FN kn_v8 and8(kn_v8 a, kn_v8 b)
{
    return _mm256_and_si256(a, b);
}

/* bit i set iff lane i of the mask is true */
KN_LANES_FN unsigned mask_bits8(kn_v8 mask)
{
    return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(mask));
}

#endif /* KN_HAVE_LANES */

#endif /* KN_LANES_H */
