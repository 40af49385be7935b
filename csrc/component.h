/*
 * Neuron components: sPyNNaker splits a neuron into a membrane ("neuron
 * model"), a synapse type, an input type, a threshold type and an additional
 * input.  Each component lives in one header in components/ and provides a
 * struct (parameters and state of one neuron, all fields 4 bytes) and a fixed
 * set of static inline functions.  neuron_impl_standard.h calls them by
 * name, built by token pasting from the component's prefix (e.g.
 * "membrane_lif" -> membrane_lif_t, membrane_lif_update), so a new model is
 * a new composition, never a new copy of the loop.
 *
 * The interface each kind provides (P = the component prefix):
 *
 *   every kind:
 *     P_FIELDS(F)        X-macro listing the struct fields in order, as
 *                        F(int32_t or uint32_t, name); empty for no fields.
 *     P_t                the struct (KN_DECLARE_COMPONENT(P)), or an
 *                        incomplete type for a component without fields
 *                        (KN_DECLARE_EMPTY_COMPONENT(P); its pointer is NULL).
 *     P_SIZE, P_N_FIELDS enum constants.
 *
 *   membrane (neuron model):
 *     int32_t P_get_v(const P_t *m)                     V before the update
 *     int32_t P_update(P_t *m, int32_t exc_current, int32_t inh_current,
 *                      int32_t external_bias, int32_t current_offset)
 *                                                        returns the V to test
 *     void    P_has_spiked(P_t *m)                       reset after a spike
 *
 *   synapse (synapse type):
 *     P_N_EXC, P_N_INH   receptor counts; synapse type s < P_N_EXC is
 *                        excitatory receptor s, the next P_N_INH inhibitory
 *     void P_add_input(P_t *s, uint32_t type, int32_t input)
 *                        ring-buffer entry of this tick, already shifted
 *                        (called for zero entries too, as 5.x/6.x do)
 *     void P_get_exc(const P_t *s, int32_t out[P_N_EXC])
 *     void P_get_inh(const P_t *s, int32_t out[P_N_INH])
 *     void P_shape(P_t *s)                               decay, after update
 *
 *   input (input type):
 *     int32_t P_get_input_value(const P_t *p, int32_t value)   (recorded)
 *     int32_t P_exc_to_current(const P_t *p, int32_t value, int32_t v)
 *     int32_t P_inh_to_current(const P_t *p, int32_t value, int32_t v)
 *
 *   threshold (threshold type):
 *     int     P_is_above(P_t *t, int32_t v)              spike iff true
 *                        (non-const: a stochastic threshold may keep RNG state)
 *
 *   additional (additional input; optional, absent means 0 bias):
 *     int32_t P_get_current(P_t *a, int32_t v)
 *     void    P_has_spiked(P_t *a)
 *
 * Eight neurons at a time (optional, lanes.h): a component that also
 * defines P_LANES as 1 provides the same functions for 8 consecutive
 * neurons i..i+7, with an 8 suffix, kn_v8 values in place of int32_t and a
 * lane mask in place of the spike test, over the core's fields stored field
 * by field (P_lanes_t, below; its field `name` points to the values of that
 * field, so lanes i..i+7 are load8(m->name + i); the kernel's views start at
 * a block of 8 neurons, i = 0):
 *     membrane:   P_get_v8(m, i), P_update8(m, i, exc, inh, bias, offset),
 *                 P_has_spiked8(m, i, spiked)
 *     synapse:    P_add_input8(s, i, type, input), P_get_exc8(s, i, out[]),
 *                 P_get_inh8(s, i, out[]), P_shape8(s, i)
 *     input:      P_get_input_value8(p, i, value), P_exc_to_current8(p, i, value, v),
 *                 P_inh_to_current8(p, i, value, v)
 *     threshold:  P_is_above8(t, i, v) -> lane mask
 *     additional: P_get_current8(a, i, v), P_has_spiked8(a, i, spiked)
 * Each must give, lane by lane, the bits of its scalar twin.  A model whose
 * components all have lanes gets a vectorised update (neuron_impl_standard.h);
 * the others keep the scalar one.
 */
#ifndef KN_COMPONENT_H
#define KN_COMPONENT_H

#include <stdint.h>
#include <stddef.h>

#include "fixed.h"
#include "lanes.h"

/* Component kinds, in the order models list them. */
typedef enum kn_kind {
    KN_KIND_MEMBRANE = 0,
    KN_KIND_SYNAPSE,
    KN_KIND_INPUT,
    KN_KIND_THRESHOLD,
    KN_KIND_ADDITIONAL,
    KN_N_KINDS
} kn_kind_t;

typedef struct kn_field_desc {
    const char *name;
    int is_signed;              /* int32_t (1) or uint32_t (0) */
} kn_field_desc_t;

/* What Python needs to know to build a component's numpy structured array. */
typedef struct kn_component_desc {
    kn_kind_t kind;
    const char *name;           /* "lif"; the qualified name is "membrane:lif" */
    const kn_field_desc_t *fields;
    uint32_t n_fields;
    uint32_t size;              /* bytes per neuron = 4 * n_fields */
} kn_component_desc_t;

/* ---- token pasting ---------------------------------------------------- */

#define KN_CAT_(a, b) a##b
#define KN_CAT(a, b) KN_CAT_(a, b)
#define KN_STR_(a) #a
#define KN_STR(a) KN_STR_(a)

/* ---- X-macro helpers used with P_FIELDS(F) ----------------------------- */

#define KN_FIELD_MEMBER(type, name) type name;
#define KN_FIELD_COUNT(type, name) +1
#define KN_FIELD_IS_4_BYTES(type, name) &&(sizeof(type) == 4)
#define KN_FIELD_DESC(type, name) {#name, ((type)-1 < (type)0)},
#define KN_FIELD_LANE_POINTER(type, name) type *name;
#define KN_FIELD_LANE_ASSIGN(type, name) v.name = (type *)(void *)(base + stride * k++);

/*
 * Declares P_t from P_FIELDS, P_SIZE and P_N_FIELDS, and refuses to compile
 * unless every field is 4 bytes and the struct has no padding (Python builds
 * a numpy structured array with exactly this layout).
 *
 * Also declares the field-by-field view P_lanes_t of the lane functions:
 * P_lanes_at(base, stride) points field f (in P_FIELDS order) at
 * base + f * stride; the kernel keeps a copy of the core's structs in blocks
 * of 8 neurons during a run (kernel.h, kn_neuron_core_t) and views a block
 * with stride 8.
 */
#define KN_DECLARE_COMPONENT(P)                                                \
    typedef struct P##_s { P##_FIELDS(KN_FIELD_MEMBER) } P##_t;                \
    typedef struct P##_lanes_s { P##_FIELDS(KN_FIELD_LANE_POINTER) } P##_lanes_t; \
    static inline P##_lanes_t P##_lanes_at(int32_t *base, size_t stride)        \
    {                                                                          \
        P##_lanes_t v;                                                         \
        size_t k = 0;                                                          \
        P##_FIELDS(KN_FIELD_LANE_ASSIGN)                                       \
        return v;                                                              \
    }                                                                          \
    enum {                                                                     \
        P##_N_FIELDS = (0 P##_FIELDS(KN_FIELD_COUNT)),                         \
        P##_SIZE = (int)sizeof(P##_t)                                          \
    };                                                                         \
    typedef char P##_layout_is_packed_4_byte_fields                            \
        [(sizeof(P##_t) == 4 * P##_N_FIELDS                                    \
          && (1 P##_FIELDS(KN_FIELD_IS_4_BYTES))) ? 1 : -1]

/* A component without fields: the pointer passed to its functions is NULL
 * (and its lane view is empty). */
#define KN_DECLARE_EMPTY_COMPONENT(P)                                          \
    typedef struct P##_s P##_t;                                                \
    typedef struct P##_lanes_s { char none; } P##_lanes_t;                     \
    static inline P##_lanes_t P##_lanes_at(int32_t *base, size_t stride)        \
    {                                                                          \
        P##_lanes_t v = {0};                                                   \
        (void)base;                                                            \
        (void)stride;                                                          \
        return v;                                                              \
    }                                                                          \
    enum { P##_N_FIELDS = 0, P##_SIZE = 0 }

#endif /* KN_COMPONENT_H */
