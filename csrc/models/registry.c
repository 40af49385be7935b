/*
 * The tables of components and models.
 *
 * Adding a component: its header in components/, one KN_COMPONENT line below
 * and one entry in `components`.  Adding a model: its file in models/ (a
 * composition, see if_curr_exp.c), one extern line and one entry in `models`.
 */
#include <string.h>

#include "model.h"
#include "sources.h"

#include "components/membrane_lif.h"
#include "components/synapse_exponential.h"
#include "components/input_current.h"
#include "components/threshold_static.h"
#include "components/input_conductance.h"
#include "components/input_delta.h"
#include "components/synapse_alpha.h"
#include "components/synapse_delta.h"
#include "components/synapse_dual_exponential.h"
#include "components/membrane_izhikevich.h"
#include "components/additional_ca2_adaptive.h"

/* Defines the descriptor kn_component_<P> (and its field table) of component
 * prefix P of kind KIND named NAME. */
#define KN_COMPONENT(KIND, NAME, P)                                            \
    static const kn_field_desc_t P##_field_descs[] = {P##_FIELDS(KN_FIELD_DESC)}; \
    extern const kn_component_desc_t kn_component_##P;                         \
    const kn_component_desc_t kn_component_##P = {                             \
        KIND, NAME, P##_field_descs, P##_N_FIELDS, P##_SIZE}

/* Same for a component without fields (no field table: C has no empty arrays). */
#define KN_EMPTY_COMPONENT(KIND, NAME, P)                                      \
    extern const kn_component_desc_t kn_component_##P;                         \
    const kn_component_desc_t kn_component_##P = {KIND, NAME, NULL, 0, 0}

KN_COMPONENT(KN_KIND_MEMBRANE, "lif", membrane_lif);
KN_COMPONENT(KN_KIND_SYNAPSE, "exponential", synapse_exponential);
KN_EMPTY_COMPONENT(KN_KIND_INPUT, "current", input_current);
KN_COMPONENT(KN_KIND_THRESHOLD, "static", threshold_static);
KN_COMPONENT(KN_KIND_MEMBRANE, "izhikevich", membrane_izhikevich);
KN_COMPONENT(KN_KIND_SYNAPSE, "alpha", synapse_alpha);
KN_COMPONENT(KN_KIND_SYNAPSE, "delta", synapse_delta);
KN_COMPONENT(KN_KIND_SYNAPSE, "dual_exponential", synapse_dual_exponential);
KN_COMPONENT(KN_KIND_INPUT, "conductance", input_conductance);
KN_COMPONENT(KN_KIND_INPUT, "delta", input_delta);
KN_COMPONENT(KN_KIND_ADDITIONAL, "ca2_adaptive", additional_ca2_adaptive);

static const kn_component_desc_t *const components[] = {
    &kn_component_membrane_lif,
    &kn_component_synapse_exponential,
    &kn_component_input_current,
    &kn_component_threshold_static,
    &kn_component_membrane_izhikevich,
    &kn_component_synapse_alpha,
    &kn_component_synapse_delta,
    &kn_component_synapse_dual_exponential,
    &kn_component_input_conductance,
    &kn_component_input_delta,
    &kn_component_additional_ca2_adaptive,
};

/* Parameter/state structs of the sources (sources.h), by qualified name. */
#define KN_RECORD(NAME, P)                                                     \
    static const kn_field_desc_t P##_field_descs[] = {P##_FIELDS(KN_FIELD_DESC)}; \
    static const kn_component_desc_t kn_record_##P = {                         \
        KN_N_KINDS, NAME, P##_field_descs, P##_N_FIELDS, P##_SIZE}

KN_RECORD("current_source:dc", kn_cs_dc);
KN_RECORD("current_source:ac", kn_cs_ac);
KN_RECORD("current_source:step", kn_cs_step);
KN_RECORD("current_source:noisy", kn_cs_noisy);
KN_RECORD("poisson:source", kn_poisson_source);
KN_RECORD("poisson:entry", kn_poisson_entry);

static const kn_component_desc_t *const records[] = {
    &kn_record_kn_cs_dc,
    &kn_record_kn_cs_ac,
    &kn_record_kn_cs_step,
    &kn_record_kn_cs_noisy,
    &kn_record_kn_poisson_source,
    &kn_record_kn_poisson_entry,
};

extern const kn_model_desc_t kn_model_if_curr_exp;
extern const kn_model_desc_t kn_model_if_cond_exp;
extern const kn_model_desc_t kn_model_if_curr_alpha;
extern const kn_model_desc_t kn_model_if_curr_delta;
extern const kn_model_desc_t kn_model_izhikevich;
extern const kn_model_desc_t kn_model_izhikevich_cond;
extern const kn_model_desc_t kn_model_if_curr_exp_ca2_adaptive;
extern const kn_model_desc_t kn_model_if_curr_dual_exp;

static const kn_model_desc_t *const models[] = {
    &kn_model_if_curr_exp,
    &kn_model_if_cond_exp,
    &kn_model_if_curr_alpha,
    &kn_model_if_curr_delta,
    &kn_model_izhikevich,
    &kn_model_izhikevich_cond,
    &kn_model_if_curr_exp_ca2_adaptive,
    &kn_model_if_curr_dual_exp,
};

static const char *const kind_names[KN_N_KINDS] = {
    [KN_KIND_MEMBRANE] = "membrane",
    [KN_KIND_SYNAPSE] = "synapse",
    [KN_KIND_INPUT] = "input",
    [KN_KIND_THRESHOLD] = "threshold",
    [KN_KIND_ADDITIONAL] = "additional",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *kn_kind_name(kn_kind_t kind)
{
    return ((unsigned)kind < KN_N_KINDS) ? kind_names[kind] : NULL;
}

size_t kn_n_models(void)
{
    return COUNT(models);
}

const kn_model_desc_t *kn_model_at(size_t i)
{
    return i < COUNT(models) ? models[i] : NULL;
}

const kn_model_desc_t *kn_find_model(const char *name)
{
    for (size_t i = 0; i < COUNT(models); i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

size_t kn_n_components(void)
{
    return COUNT(components);
}

const kn_component_desc_t *kn_component_at(size_t i)
{
    return i < COUNT(components) ? components[i] : NULL;
}

/* "kind:name" */
const kn_component_desc_t *kn_find_component(const char *qualified_name)
{
    const char *colon = strchr(qualified_name, ':');
    if (colon == NULL)
        return NULL;
    size_t kind_len = (size_t)(colon - qualified_name);
    for (size_t i = 0; i < COUNT(components); i++) {
        const char *kind = kind_names[components[i]->kind];
        if (strlen(kind) == kind_len && strncmp(kind, qualified_name, kind_len) == 0
            && strcmp(components[i]->name, colon + 1) == 0)
            return components[i];
    }
    return NULL;
}

size_t kn_n_records(void)
{
    return COUNT(records);
}

const kn_component_desc_t *kn_record_at(size_t i)
{
    return i < COUNT(records) ? records[i] : NULL;
}

const kn_component_desc_t *kn_find_record(const char *name)
{
    for (size_t i = 0; i < COUNT(records); i++)
        if (strcmp(records[i]->name, name) == 0)
            return records[i];
    return NULL;
}
