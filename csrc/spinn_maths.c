/*
 * Bit-exact re-implementations of the spinn_common routines declared in
 * spinn_maths.h (docs/models.md names the sources and the checks).
 *
 * The ARM code uses the ARMv5TE DSP multiplies; their integer meaning:
 *   smulwb(a, b)      = (a * (int16)b[15:0]) >> 16        (48-bit product, top 32 bits)
 *   smulwt(a, b)      = (a * (int16)b[31:16]) >> 16
 *   smlawb(a, b, acc) = smulwb(a, b) + acc                 (32-bit wrapping add)
 *   smlawt(a, b, acc) = smulwt(a, b) + acc
 *   smulbb(a, b)      = (int16)a[15:0] * (int16)b[15:0]
 *   smultt(a, b)      = (int16)a[31:16] * (int16)b[31:16]
 * Additions and left shifts wrap as on the machine (addk, shlk).
 */
#include "spinn_maths.h"

static inline int32_t low_half(int32_t a)
{
    return (int16_t)(uint16_t)((uint32_t)a & 0xFFFFu);
}

static inline int32_t high_half(int32_t a)
{
    return (int16_t)(uint16_t)((uint32_t)a >> 16);
}

static inline int32_t smulwb(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * low_half(b)) >> 16);
}

static inline int32_t smulwt(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * high_half(b)) >> 16);
}

static inline int32_t smlawb(int32_t a, int32_t b, int32_t acc)
{
    return addk(smulwb(a, b), acc);
}

static inline int32_t smlawt(int32_t a, int32_t b, int32_t acc)
{
    return addk(smulwt(a, b), acc);
}

static inline int32_t smulbb(int32_t a, int32_t b)
{
    return low_half(a) * low_half(b);
}

static inline int32_t smultt(int32_t a, int32_t b)
{
    return high_half(a) * high_half(b);
}

/* ---- inverse normal CDF (spinn_common src/normal.c, include/normal.h) ----
 *
 * The argument is a signed 16-bit p (the quantile of (p + 32768.5) / 65536).
 * The sign is taken off and put back at the end (the table is symmetric
 * except for the extreme ends).  The 31 most extreme points at each end come
 * from a table; the central part from |p| < 32768 - 2^(14 - k) uses quartic
 * patches in p^2 (5 bands k), the tails quartic patches in the distance to
 * the end of the range (5 bands).  Patches are evaluated with the Horner
 * scheme of smlawb, i.e. the point is an s0.16 (low 16 bits, signed). */

/* s16.15 values of the quantiles of the extreme points */
static const int32_t NORMINV_EXTREME[32] = {
    229376, 136628, 131359, 128187, 125892, 124086, 122593, 121318,
    120204, 119213, 118321, 117508, 116762, 116072, 115430, 114830,
    114265, 113733, 113229, 112751, 112295, 111860, 111444, 111045,
    110662, 110294, 109939, 109596, 109265, 108945, 108635, 108334};
/* (the last entry of the upstream table, 108042, is never reached: index 32
 * is excluded by the "<= 31" tests) */

static const int32_t NORMINV_CENTRAL_OFFSET[6] = {7200, 6272, 4608, 2048, 0, 0};
static const int32_t NORMINV_CENTRAL_SCALE[6] = {32, 16, 8, 6, 6, 0};
static const int32_t NORMINV_LEADING[11] = {
    98304, 98304, 65536, 65536, 65536, 16, 14, 13, 11, 10, 0};

/* patches 0..4: tails; 5..9: centre; coefficients highest order first */
static const int32_t NORMINV_PATCH[11][5] = {
    {489693536, -966086639, 1048652819, -1202555181, 638185482},
    {510971994, -1008958387, 1097593202, -1269255408, 208850025},
    {535062308, -1057614622, 1153468280, -1347876992, 1901851228},
    {562587223, -1113360216, 1217886707, -1442344496, 1417447081},
    {594357355, -1177895230, 1292890733, -1558625637, 896662126},
    {1364524482, 4157352, 893590920, 482307216, -56131990},
    {1594011413, 34197350, 980366094, 540913971, 14157698},
    {2059946197, 130876674, 1126841309, 628910107, -391651081},
    {669410721, 151375990, 657881394, 208981697, -111730420},
    {135763632, 134215538, 347443147, -134393924, 14235314},
    {0, 0, 0, 0, 0}};

/* quartic patch at the s0.16 point x (low 16 bits) */
static int32_t norminv_patch(int patch, int32_t x)
{
    const int32_t *c = NORMINV_PATCH[patch];
    int32_t r = c[0];
    for (int i = 1; i < 5; i++)
        r = smlawb(r, x, c[i]);
    return r;
}

/* tail band `band` (5..9): distance d = 32768 - |p| in [2^(14-band), 2^(15-band)) */
static int32_t norminv_tail(int band, int32_t d)
{
    int32_t x = shlk(d - ((int32_t)1 << (14 - band)), (unsigned)band + 1);
    int patch = 9 - band;
    int32_t r = round_bits(norminv_patch(patch, x), 15);
    return addk(NORMINV_LEADING[patch], r >> 16);
}

/* central band `band` (1..5) for |p| = a */
static int32_t norminv_central(int band, int32_t a)
{
    int k = 5 - band;
    int32_t z = smulbb(a, a) >> 17;
    z = shlk((z - NORMINV_CENTRAL_OFFSET[k]) * NORMINV_CENTRAL_SCALE[k], 1);
    int32_t r = addk(norminv_patch(k + 5, z), shlk(z, 14)) >> 16;
    r = addk(r, shlk(NORMINV_LEADING[10 - band], 13));
    return smulwb(r, a);
}

static inline int count_leading_zeros(uint32_t x)
{
    int n = 0;
    if (x == 0)
        return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

static int32_t norminv_p(int32_t p)
{
    int32_t r;
    if (p + 32768 <= 31) {
        r = NORMINV_EXTREME[p + 32768];
    } else if (32768 - p <= 31) {
        r = NORMINV_EXTREME[32768 - p];
    } else {
        int32_t a = p < 0 ? -p : p;            /* 0 .. 32736 */
        int band = count_leading_zeros((uint32_t)(32768 - a)) - 17;   /* 0 .. 9 */
        r = band > 4 ? norminv_tail(band, 32768 - a) : norminv_central(band + 1, a);
    }
    return p < 0 ? negk(r) : r;
}

int32_t kn_norminv_urt(uint32_t word)
{
    return norminv_p(high_half((int32_t)word));
}

/* ---- sine (spinn_common src/sincos.c) --------------------------------------
 *
 * Range reduction to an octant q and an offset r in [0, pi/4) as an s0.31
 * (Cody and Waite: multiples of 7358 and then 12 octants are taken off with
 * constants that approximate them closely), then a table of sin and cos at
 * 16 break points k/16 and a short series for the remaining offset. */

/* sin(k/16) * 2^31 and (cos(k/16) - 1) * 2^31 */
static const int32_t SIN_AT[16] = {
    0, 134130364, 267736951, 400298032, 531295957, 660219183, 786564267, 909837834,
    1029558505, 1145258771, 1256486826, 1362808327, 1463808091, 1559091715, 1648287120,
    1731045999};
static const int32_t COS_MINUS_1_AT[16] = {
    0, -4192939, -16755382, -37638274, -66760066, -104007040, -149233746, -202263575,
    -262889447, -330874618, -405953610, -487833239, -576193767, -670690148, -770953377,
    -876591926};

#define SQRT_HALF_S031 1518500250      /* sqrt(0.5) * 2^31 */

typedef struct octant {
    int32_t offset;                    /* s0.31 in [0, pi/4) */
    int q;                             /* 0..7 */
} octant_t;

static octant_t reduce_to_octant(int32_t x)
{
    int32_t n = smulwb(x, 20861) >> 13;        /* floor(x * 4 / pi) */
    int q = n & 7;
    while (n < 0) {
        n += 7358;
        x = addk(x, 189364951);                /* ~ 7358 * pi / 4 */
    }
    while (n >= 7358) {
        n -= 7358;
        x = subk(x, 189364951);
    }
    x = shlk(x, 3);
    int32_t twelves = smulwb(n, 21845) >> 2;   /* n / 12 */
    n = smlawb(-786432, twelves, n);           /* n - 12 * twelves */
    x = subk(x, (int32_t)((uint32_t)2470649 * (uint32_t)twelves));
    x = shlk(x, 9);
    x = subk(x, (int32_t)((uint32_t)105414357 * (uint32_t)n));
    if (x < 0) {                               /* n was one too large */
        x = addk(x, 105414357);
        q = (q + 7) % 8;
    }
    octant_t o = {shlk(x, 4), q};
    return o;
}

/* sin(d + k/16) (s0.31) from the offset d (s0.31, |d| < 1/32 scaled by 32)
 * and its 1 - cos */
static int32_t sin_near(int32_t d, int32_t one_minus_cos, int k)
{
    int32_t r = SIN_AT[k];
    r = smlawt(SIN_AT[k], negk(shlk(one_minus_cos, 1)), r);
    return smlawt(COS_MINUS_1_AT[k], d >> 4, addk(r, d >> 5));
}

/* 1 - cos(d + k/16) (s0.31) */
static int32_t one_minus_cos_near(int32_t d, int32_t one_minus_cos, int k)
{
    int32_t r = subk(one_minus_cos, COS_MINUS_1_AT[k]);
    r = smlawt(COS_MINUS_1_AT[k], shlk(one_minus_cos, 1), r);
    return smlawt(SIN_AT[k], d >> 4, r);
}

static inline int32_t times_sqrt_half(int32_t x)
{
    return (int32_t)(((int64_t)x * SQRT_HALF_S031) >> 31);
}

/* s0.31 -> s16.15 with spinn_common's rounding; (r + carry) << 16 wraps, so
 * a value within 2^-16 of +1.0 comes out as -1.0, as on the machine. */
static inline int32_t to_s1615(int32_t s031)
{
    return round_bits(s031, 16) >> 16;
}

int32_t kn_sink(int32_t angle)
{
    octant_t o = reduce_to_octant(angle);
    int32_t k_bits = round_bits(o.offset, 27);  /* nearest break point, in place */
    int32_t d = shlk(subk(o.offset, k_bits), 5);
    int k = (k_bits >> 27) & 15;                /* 0..13 for every input */
    int32_t one_minus_cos = smultt(d, d) >> 10;

    switch (o.q) {
    case 0:
        return to_s1615(sin_near(d, one_minus_cos, k));
    case 2:
        return KN_S1615_ONE - to_s1615(one_minus_cos_near(d, one_minus_cos, k));
    case 4:
        return to_s1615(negk(sin_near(d, one_minus_cos, k)));
    case 6:
        return to_s1615(one_minus_cos_near(d, one_minus_cos, k)) - KN_S1615_ONE;
    default: {
        /* odd octants: sin(pi/4 + y) = sqrt(1/2) (cos y + sin y), and so on */
        int32_t s = times_sqrt_half(sin_near(d, one_minus_cos, k));
        int32_t c = subk(SQRT_HALF_S031,
                         times_sqrt_half(one_minus_cos_near(d, one_minus_cos, k)));
        int32_t r;
        switch (o.q) {
        case 1:
            r = addk(c, s);
            break;
        case 3:
            r = subk(c, s);
            break;
        case 5:
            r = negk(addk(c, s));
            break;
        default:
            r = negk(subk(c, s));
            break;
        }
        return to_s1615(r);
    }
    }
}

/* ---- exponential variate (spinn_common src/random.c) -----------------------
 *
 * von Neumann: A counts failed rounds; a round draws U0 and then a run of
 * words while they decrease; it succeeds (returns A + U0) when the first
 * increase comes after an odd number of words.  U0 is a u0.32 converted to
 * s16.15 by dropping 17 bits. */
int32_t kn_exponential_variate(kn_kiss_t *rng)
{
    int32_t a = 0;
    for (;;) {
        uint32_t u = kn_kiss_next(rng);
        uint32_t u0 = u;
        uint32_t u_star;
        do {
            u_star = kn_kiss_next(rng);
            if (u < u_star)
                return addk(a, (int32_t)(u0 >> 17));
            u = kn_kiss_next(rng);
        } while (u < u_star);
        a = addk(a, KN_S1615_ONE);
    }
}
