/*
 * The network: adding cores, synaptic rows and recordings (with every check
 * that keeps the time loop inside its arrays), and the time loop itself.
 */
#define _POSIX_C_SOURCE 200809L   /* sched_yield */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#include <sched.h>
#endif

#include "kernel.h"

#define TICK_LIMIT ((int64_t)1 << 32)   /* the machine's tick counter is 32 bits */

/* ---- errors ---------------------------------------------------------- */

static int fail(kn_network_t *net, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(net->error, sizeof(net->error), format, args);
    va_end(args);
    return -1;
}

const char *kn_error(const kn_network_t *net)
{
    return net->error;
}

/* ---- network --------------------------------------------------------- */

kn_network_t *kn_network_new(void)
{
    kn_network_t *net = calloc(1, sizeof(kn_network_t));
    if (net != NULL)
        net->neuron_lanes = 1;
    return net;
}

static void free_lanes(kn_neuron_core_t *nc)
{
    for (int kind = 0; kind < KN_N_KINDS; kind++) {
        free(nc->lanes[kind]);
        nc->lanes[kind] = NULL;
    }
}

static void free_stdp(kn_stdp_t *stdp)
{
    if (stdp == NULL)
        return;
    free(stdp->plus.values);
    free(stdp->minus.values);
    free(stdp);
}

static void free_recording(kn_recording_t *rec)
{
    free(rec->analog);
    free(rec->analog_row);
    memset(rec, 0, sizeof(*rec));
}

void kn_network_free(kn_network_t *net)
{
    if (net == NULL)
        return;
    for (size_t c = 0; c < net->n_cores; c++) {
        kn_core_t *core = &net->cores[c];
        free_recording(&core->rec);
        free(core->neuron.incoming);
        free(core->neuron.block_sources);
        free(core->neuron.active);
        free(core->neuron.spike_buffer);
        free_lanes(&core->neuron);
        free(core->neuron.sources);
        free(core->neuron.source_offsets);
        free(core->neuron.source_ids);
        free_stdp(core->neuron.stdp);
        free(core->poisson.out_index);
        free(core->poisson.out_count);
        free(core->ssa.ticks);
        free(core->ssa.indices);
        free(core->delay.slot_used);
        free(core->delay.out_index);
        free(core->delay.out_count);
    }
    free(net->cores);
    free(net->phase_b_cores);
    free(net->emitted);
    free(net);
}

/* A zeroed slot at the end of the core table, or NULL if out of memory.
 * Callers fill it in and only then count it (net->n_cores++). */
static kn_core_t *new_core_slot(kn_network_t *net)
{
    if (net->n_cores == net->cap_cores) {
        size_t cap = net->cap_cores ? 2 * net->cap_cores : 16;
        uint32_t *items = realloc(net->phase_b_cores, cap * sizeof(uint32_t));
        if (items == NULL)
            return NULL;
        net->phase_b_cores = items;
        uint8_t *emitted = realloc(net->emitted, cap);
        if (emitted == NULL)
            return NULL;
        net->emitted = emitted;
        kn_core_t *cores = realloc(net->cores, cap * sizeof(kn_core_t));
        if (cores == NULL)
            return NULL;
        net->cores = cores;
        net->cap_cores = cap;
    }
    kn_core_t *core = &net->cores[net->n_cores];
    memset(core, 0, sizeof(*core));
    return core;
}

static int check_core_id(kn_network_t *net, const char *what, int64_t core)
{
    if (core < 0 || (uint64_t)core >= net->n_cores)
        return fail(net, "%s: core id %lld out of range (the network has %zu cores)", what,
                    (long long)core, net->n_cores);
    return 0;
}

/* ---- neuron cores ---------------------------------------------------- */

static int check_layout(kn_network_t *net, const kn_model_desc_t *model, int64_t n_atoms,
                        int64_t n_types, int64_t index_bits, int64_t type_bits,
                        int64_t delay_bits)
{
    if (index_bits < 0 || type_bits < 0 || delay_bits < 0)
        return fail(net, "index_bits, type_bits and delay_bits must be >= 0 (got %lld, %lld, %lld)",
                    (long long)index_bits, (long long)type_bits, (long long)delay_bits);
    if (index_bits + type_bits + delay_bits > KN_MAX_LAYOUT_BITS)
        return fail(net, "index_bits + type_bits + delay_bits = %lld exceeds %d (the low half of "
                    "a synaptic word)", (long long)(index_bits + type_bits + delay_bits),
                    KN_MAX_LAYOUT_BITS);
    if (n_atoms < 1 || n_atoms > ((int64_t)1 << index_bits))
        return fail(net, "n_atoms = %lld must be in 1..%lld (1 << index_bits, index_bits = %lld)",
                    (long long)n_atoms, (long long)1 << index_bits, (long long)index_bits);
    if (n_types != (int64_t)model->n_synapse_types)
        return fail(net, "n_synapse_types = %lld but model '%s' has %u synapse types",
                    (long long)n_types, model->name, model->n_synapse_types);
    if (n_types > ((int64_t)1 << type_bits))
        return fail(net, "n_synapse_types = %lld does not fit in type_bits = %lld",
                    (long long)n_types, (long long)type_bits);
    return 0;
}

static int check_components(kn_network_t *net, const kn_model_desc_t *model, int64_t n_atoms,
                            const kn_array_t components[KN_N_KINDS])
{
    for (int kind = 0; kind < KN_N_KINDS; kind++) {
        const kn_component_desc_t *desc = model->components[kind];
        const kn_array_t *array = &components[kind];
        const char *kind_name = kn_kind_name((kn_kind_t)kind);
        if (desc == NULL || desc->size == 0) {
            if (array->data != NULL)
                return fail(net, "components['%s']: model '%s' has %s, pass None", kind_name,
                            model->name, desc == NULL ? "no such component" : "no fields for it");
            continue;
        }
        if (array->data == NULL)
            return fail(net, "components['%s'] (%s:%s) is missing", kind_name, kind_name,
                        desc->name);
        if (array->itemsize != desc->size)
            return fail(net, "components['%s']: itemsize %zu, but %s:%s structs are %u bytes",
                        kind_name, array->itemsize, kind_name, desc->name, desc->size);
        if (array->length != (uint64_t)n_atoms)
            return fail(net, "components['%s']: length %zu, expected n_atoms = %lld", kind_name,
                        array->length, (long long)n_atoms);
    }
    return 0;
}

/* The lane copy of a neuron core's structs (kernel.h, kn_neuron_core_t);
 * returns -1 (and allocates nothing) if out of memory. */
static int alloc_lanes(kn_neuron_core_t *nc, uint32_t n_atoms)
{
    const size_t padded = ((size_t)n_atoms + KN_LANES - 1) / KN_LANES * KN_LANES;
    for (int kind = 0; kind < KN_N_KINDS; kind++) {
        const kn_component_desc_t *desc = nc->model->components[kind];
        if (desc == NULL || desc->n_fields == 0)
            continue;
        /* zeroed: the padding lanes compute on zeros */
        nc->lanes[kind] = calloc(desc->n_fields * padded, sizeof(int32_t));
        if (nc->lanes[kind] == NULL) {
            free_lanes(nc);
            return -1;
        }
    }
    return 0;
}

int kn_add_neuron_core(kn_network_t *net, const char *model_name, int64_t n_atoms,
                       int64_t n_synapse_types, int64_t index_bits, int64_t type_bits,
                       int64_t delay_bits, const int64_t *shifts, size_t n_shifts,
                       const kn_array_t components[KN_N_KINDS], uint16_t *ring,
                       size_t ring_len)
{
    const kn_model_desc_t *model = kn_find_model(model_name);
    if (model == NULL)
        return fail(net, "unknown model '%s'", model_name);
    if (check_layout(net, model, n_atoms, n_synapse_types, index_bits, type_bits, delay_bits))
        return -1;
    if (n_shifts != (uint64_t)n_synapse_types)
        return fail(net, "shifts has %zu entries, expected n_synapse_types = %lld", n_shifts,
                    (long long)n_synapse_types);
    for (size_t s = 0; s < n_shifts; s++)
        if (shifts[s] < 0 || shifts[s] > KN_MAX_SHIFT)
            return fail(net, "shifts[%zu] = %lld out of range 0..%d", s, (long long)shifts[s],
                        KN_MAX_SHIFT);
    if (check_components(net, model, n_atoms, components))
        return -1;
    size_t expected_ring = (size_t)1 << (delay_bits + type_bits + index_bits);
    if (ring == NULL || ring_len != expected_ring)
        return fail(net, "ring has %zu entries, expected (1 << delay_bits) << (type_bits + "
                    "index_bits) = %zu", ring_len, expected_ring);

    kn_core_t *core = new_core_slot(net);
    uint32_t *spike_buffer = malloc((size_t)n_atoms * sizeof(uint32_t));
    if (core == NULL || spike_buffer == NULL) {
        free(spike_buffer);
        return fail(net, "out of memory adding a neuron core");
    }
    kn_neuron_core_t *nc = &core->neuron;
    core->kind = KN_CORE_NEURON;
    core->n_atoms = (uint32_t)n_atoms;
    core->n_keys = (uint32_t)n_atoms;
    core->out_index = spike_buffer;
    nc->model = model;
    nc->n_types = (uint32_t)n_synapse_types;
    nc->index_bits = (uint32_t)index_bits;
    nc->type_bits = (uint32_t)type_bits;
    nc->delay_bits = (uint32_t)delay_bits;
    nc->delay_mask = ((uint32_t)1 << delay_bits) - 1;
    nc->slot_shift = (uint32_t)(type_bits + index_bits);
    nc->type_index_mask = ((uint32_t)1 << nc->slot_shift) - 1;
    for (size_t s = 0; s < n_shifts; s++)
        nc->shifts[s] = (uint32_t)shifts[s];
    for (int kind = 0; kind < KN_N_KINDS; kind++)
        nc->components[kind] = components[kind].data;
    nc->update = model->update;
    if (model->update_lanes != NULL && alloc_lanes(nc, core->n_atoms)) {
        free(spike_buffer);
        memset(core, 0, sizeof(*core));
        return fail(net, "out of memory adding a neuron core");
    }
    nc->ring = ring;
    nc->ring_len = ring_len;
    nc->spike_buffer = spike_buffer;
    return (int)net->n_cores++;
}

/* ---- spike-source-array cores ------------------------------------------ */

int kn_add_spike_array_core(kn_network_t *net, int64_t n_atoms, const uint32_t *ticks,
                            const uint32_t *indices, size_t n_events)
{
    if (n_atoms < 1 || n_atoms > ((int64_t)1 << KN_MAX_LAYOUT_BITS))
        return fail(net, "n_atoms = %lld must be in 1..%lld", (long long)n_atoms,
                    (long long)1 << KN_MAX_LAYOUT_BITS);
    for (size_t i = 0; i < n_events; i++) {
        if (indices[i] >= (uint64_t)n_atoms)
            return fail(net, "indices[%zu] = %u out of range (n_atoms = %lld)", i, indices[i],
                        (long long)n_atoms);
        if (i > 0 && ticks[i] < ticks[i - 1])
            return fail(net, "ticks must be sorted (non-decreasing): ticks[%zu] = %u < "
                        "ticks[%zu] = %u", i, ticks[i], i - 1, ticks[i - 1]);
    }

    kn_core_t *core = new_core_slot(net);
    /* at least one element, so that indices + cursor is never NULL + 0 */
    uint32_t *own_ticks = malloc((n_events ? n_events : 1) * sizeof(uint32_t));
    uint32_t *own_indices = malloc((n_events ? n_events : 1) * sizeof(uint32_t));
    if (core == NULL || own_ticks == NULL || own_indices == NULL) {
        free(own_ticks);
        free(own_indices);
        return fail(net, "out of memory adding a spike source array core");
    }
    if (n_events) {
        memcpy(own_ticks, ticks, n_events * sizeof(uint32_t));
        memcpy(own_indices, indices, n_events * sizeof(uint32_t));
    }
    core->kind = KN_CORE_SPIKE_ARRAY;
    core->n_atoms = (uint32_t)n_atoms;
    core->n_keys = (uint32_t)n_atoms;
    core->out_index = own_indices;
    core->ssa.ticks = own_ticks;
    core->ssa.indices = own_indices;
    core->ssa.n_events = n_events;
    return (int)net->n_cores++;
}

/* ---- current sources ------------------------------------------------------ */

static const char *current_source_name(int64_t kind)
{
    switch (kind) {
    case KN_CS_DC:
        return "dc";
    case KN_CS_AC:
        return "ac";
    case KN_CS_STEP:
        return "step";
    case KN_CS_NOISY:
        return "noisy";
    }
    return NULL;
}

static size_t current_source_size(int64_t kind)
{
    switch (kind) {
    case KN_CS_DC:
        return kn_cs_dc_SIZE;
    case KN_CS_AC:
        return kn_cs_ac_SIZE;
    case KN_CS_STEP:
        return kn_cs_step_SIZE;
    case KN_CS_NOISY:
        return kn_cs_noisy_SIZE;
    }
    return 0;
}

static int check_current_source(kn_network_t *net, const kn_core_t *core, int64_t kind,
                                const void *params, size_t params_size, const int64_t *neurons,
                                size_t n_neurons, const uint32_t *step_times,
                                const int32_t *step_amplitudes, size_t step_len)
{
    if (core->kind != KN_CORE_NEURON)
        return fail(net, "current sources can only be injected into neuron cores");
    const char *name = current_source_name(kind);
    if (name == NULL)
        return fail(net, "unknown current source kind %lld (1 dc, 2 ac, 3 step, 4 noisy)",
                    (long long)kind);
    if (params == NULL || params_size != current_source_size(kind))
        return fail(net, "params: one %zu-byte struct of current_source:%s expected, got %zu "
                    "bytes", current_source_size(kind), name, params_size);
    if (kind == KN_CS_STEP) {
        if (step_len > 0 && (step_times == NULL || step_amplitudes == NULL))
            return fail(net, "step source: times and amplitudes are required");
        if (step_len > UINT32_MAX)
            return fail(net, "step source: %zu entries is too many", step_len);
    } else if (step_len != 0 || step_times != NULL || step_amplitudes != NULL) {
        return fail(net, "times/amplitudes are only for step sources, not %s", name);
    }
    if (n_neurons > core->n_atoms)
        return fail(net, "neuron_indices has %zu entries but the core has %u neurons",
                    n_neurons, core->n_atoms);
    uint8_t *seen = calloc(core->n_atoms, 1);
    if (seen == NULL)
        return fail(net, "out of memory checking neuron_indices");
    int rc = 0;
    for (size_t i = 0; i < n_neurons && rc == 0; i++) {
        if (neurons[i] < 0 || neurons[i] >= (int64_t)core->n_atoms)
            rc = fail(net, "neuron_indices[%zu] = %lld out of range (n_atoms = %u)", i,
                      (long long)neurons[i], core->n_atoms);
        else if (seen[neurons[i]])
            rc = fail(net, "neuron_indices[%zu] = %lld is listed twice", i,
                      (long long)neurons[i]);
        else
            seen[neurons[i]] = 1;
    }
    free(seen);
    return rc;
}

int kn_add_current_source(kn_network_t *net, int64_t core_id, int64_t kind, void *params,
                          size_t params_size, const int64_t *neurons, size_t n_neurons,
                          const uint32_t *step_times, const int32_t *step_amplitudes,
                          size_t step_len)
{
    if (check_core_id(net, "core", core_id))
        return -1;
    kn_core_t *core = &net->cores[core_id];
    if (check_current_source(net, core, kind, params, params_size, neurons, n_neurons,
                             step_times, step_amplitudes, step_len))
        return -1;
    kn_neuron_core_t *nc = &core->neuron;
    const uint32_t n_atoms = core->n_atoms;
    size_t old_links = nc->source_offsets ? nc->source_offsets[n_atoms] : 0;

    /* rebuild the per-neuron lists with the new source appended */
    kn_current_source_t *sources = realloc(nc->sources,
                                           (nc->n_sources + 1) * sizeof(kn_current_source_t));
    if (sources == NULL)
        return fail(net, "out of memory adding a current source");
    nc->sources = sources;
    uint32_t *offsets = malloc((n_atoms + 1) * sizeof(uint32_t));
    uint32_t *ids = malloc((old_links + n_neurons + 1) * sizeof(uint32_t));
    uint8_t *injected = calloc(n_atoms, 1);
    if (offsets == NULL || ids == NULL || injected == NULL) {
        free(offsets);
        free(ids);
        free(injected);
        return fail(net, "out of memory adding a current source");
    }
    for (size_t i = 0; i < n_neurons; i++)
        injected[neurons[i]] = 1;
    const uint32_t id = (uint32_t)nc->n_sources;
    uint32_t k = 0;
    for (uint32_t n = 0; n < n_atoms; n++) {
        offsets[n] = k;
        if (nc->source_offsets != NULL)
            for (uint32_t i = nc->source_offsets[n]; i < nc->source_offsets[n + 1]; i++)
                ids[k++] = nc->source_ids[i];
        if (injected[n])
            ids[k++] = id;
    }
    offsets[n_atoms] = k;
    free(injected);
    free(nc->source_offsets);
    free(nc->source_ids);
    nc->source_offsets = offsets;
    nc->source_ids = ids;

    kn_current_source_t *cs = &nc->sources[id];
    cs->kind = (kn_current_source_kind_t)kind;
    cs->params = params;
    cs->step_times = step_times;
    cs->step_amplitudes = step_amplitudes;
    cs->step_len = (uint32_t)step_len;
    nc->n_sources++;
    return (int)id;
}

/* ---- Poisson cores ---------------------------------------------------------- */

static int check_poisson_entry(kn_network_t *net, const char *what, size_t i,
                               const kn_poisson_entry_t *e)
{
    if (e->sqrt_lambda > KN_POISSON_MAX_SQRT_LAMBDA)
        return fail(net, "%s[%zu].sqrt_lambda = %d exceeds %d (252.0: the Gaussian count "
                    "would not fit 16 bits)", what, i, e->sqrt_lambda,
                    KN_POISSON_MAX_SQRT_LAMBDA);
    if (e->sqrt_lambda < 0)
        return fail(net, "%s[%zu].sqrt_lambda = %d must be >= 0", what, i, e->sqrt_lambda);
    return 0;
}

/* Every value of the Python-owned Poisson arrays the time loop relies on. */
static int check_poisson_values(kn_network_t *net, const kn_core_t *core)
{
    const kn_poisson_core_t *pc = &core->poisson;
    for (uint32_t s = 0; s < core->n_atoms; s++) {
        const kn_poisson_source_t *src = &pc->sources[s];
        kn_poisson_entry_t entry;
        memcpy(&entry, src, sizeof(entry));     /* the leading entry fields */
        if (check_poisson_entry(net, "sources", s, &entry))
            return -1;
        if (pc->schedule_offsets != NULL) {
            uint32_t n_entries = pc->schedule_offsets[s + 1] - pc->schedule_offsets[s];
            if (src->rate_index >= n_entries)
                return fail(net, "sources[%u].rate_index = %u but source %u has %u schedule "
                            "entries", s, src->rate_index, s, n_entries);
        } else if (src->rate_index != 0) {
            return fail(net, "sources[%u].rate_index = %u but there is no schedule", s,
                        src->rate_index);
        }
    }
    for (size_t i = 0; i < pc->n_schedule; i++)
        if (check_poisson_entry(net, "schedule", i, &pc->schedule[i]))
            return -1;
    return 0;
}

static int check_schedule_offsets(kn_network_t *net, int64_t n_atoms, const uint32_t *offsets,
                                  size_t n_offsets, size_t n_schedule)
{
    if (n_offsets != (size_t)n_atoms + 1)
        return fail(net, "schedule_offsets has %zu entries, expected n_atoms + 1 = %lld",
                    n_offsets, (long long)n_atoms + 1);
    if (offsets[0] != 0)
        return fail(net, "schedule_offsets[0] = %u, must be 0", offsets[0]);
    for (size_t k = 1; k < n_offsets; k++)
        if (offsets[k] <= offsets[k - 1])
            return fail(net, "schedule_offsets must be increasing (every source has at least "
                        "one entry): schedule_offsets[%zu] = %u <= schedule_offsets[%zu] = %u",
                        k, offsets[k], k - 1, offsets[k - 1]);
    if (offsets[n_offsets - 1] != n_schedule)
        return fail(net, "schedule_offsets[-1] = %u but schedule has %zu entries",
                    offsets[n_offsets - 1], n_schedule);
    return 0;
}

int kn_add_poisson_core(kn_network_t *net, int64_t n_atoms, uint32_t *rng, size_t rng_len,
                        kn_poisson_source_t *sources, size_t n_sources,
                        const uint32_t *schedule_offsets, size_t n_offsets,
                        const kn_poisson_entry_t *schedule, size_t n_schedule)
{
    if (n_atoms < 1 || n_atoms > ((int64_t)1 << KN_MAX_LAYOUT_BITS))
        return fail(net, "n_atoms = %lld must be in 1..%lld", (long long)n_atoms,
                    (long long)1 << KN_MAX_LAYOUT_BITS);
    if (rng == NULL || rng_len != 4)
        return fail(net, "rng must have 4 words (KISS x, y, z, c), got %zu", rng_len);
    if (sources == NULL || n_sources != (size_t)n_atoms)
        return fail(net, "sources has %zu entries, expected n_atoms = %lld", n_sources,
                    (long long)n_atoms);
    if ((schedule_offsets == NULL) != (schedule == NULL))
        return fail(net, "schedule_offsets and schedule must be given together");
    if (schedule_offsets != NULL
        && check_schedule_offsets(net, n_atoms, schedule_offsets, n_offsets, n_schedule))
        return -1;

    kn_core_t probe;
    memset(&probe, 0, sizeof(probe));
    probe.n_atoms = (uint32_t)n_atoms;
    probe.poisson.sources = sources;
    probe.poisson.schedule_offsets = schedule_offsets;
    probe.poisson.schedule = schedule;
    probe.poisson.n_schedule = schedule != NULL ? n_schedule : 0;
    if (check_poisson_values(net, &probe))
        return -1;

    kn_core_t *core = new_core_slot(net);
    uint32_t *out_index = malloc((size_t)n_atoms * sizeof(uint32_t));
    uint32_t *out_count = malloc((size_t)n_atoms * sizeof(uint32_t));
    if (core == NULL || out_index == NULL || out_count == NULL) {
        free(out_index);
        free(out_count);
        return fail(net, "out of memory adding a Poisson core");
    }
    *core = probe;
    core->kind = KN_CORE_POISSON;
    core->n_keys = (uint32_t)n_atoms;
    core->poisson.rng = rng;
    core->poisson.out_index = out_index;
    core->poisson.out_count = out_count;
    core->out_index = out_index;
    core->out_count = out_count;
    return (int)net->n_cores++;
}

static int poisson_core(kn_network_t *net, int64_t core_id, kn_core_t **out)
{
    if (check_core_id(net, "core", core_id))
        return -1;
    if (net->cores[core_id].kind != KN_CORE_POISSON)
        return fail(net, "core %lld is not a Poisson core", (long long)core_id);
    *out = &net->cores[core_id];
    return 0;
}

int kn_poisson_load(kn_network_t *net, int64_t core_id, int resume)
{
    kn_core_t *core = NULL;
    if (poisson_core(net, core_id, &core))
        return -1;
    kn_poisson_load_sources(core, resume ? 2 : 1);
    return 0;
}

int kn_poisson_draw_isi(kn_network_t *net, int64_t core_id, int64_t source)
{
    kn_core_t *core = NULL;
    if (poisson_core(net, core_id, &core))
        return -1;
    if (source < 0 || source >= (int64_t)core->n_atoms)
        return fail(net, "source %lld out of range (n_atoms = %u)", (long long)source,
                    core->n_atoms);
    kn_kiss_t rng = {core->poisson.rng[0], core->poisson.rng[1], core->poisson.rng[2],
                     core->poisson.rng[3]};
    kn_poisson_source_t *src = &core->poisson.sources[source];
    src->time_to_spike = kn_poisson_isi(&rng, src->mean_isi_ticks);
    core->poisson.rng[0] = rng.x, core->poisson.rng[1] = rng.y;
    core->poisson.rng[2] = rng.z, core->poisson.rng[3] = rng.c;
    return 0;
}

/* ---- delay-extension cores ------------------------------------------------ */

static int check_delay_core(kn_network_t *net, int64_t source, int64_t n_atoms,
                            int64_t n_stages, int64_t stage_length, const uint8_t *counters,
                            size_t n_slots, size_t n_columns)
{
    if (check_core_id(net, "source", source))
        return -1;
    const kn_core_t *src = &net->cores[source];
    if (src->kind == KN_CORE_DELAY)
        return fail(net, "source core %lld is a delay-extension core: the source of a delay "
                    "core must be a neuron, spike-array or Poisson core", (long long)source);
    if (n_atoms != (int64_t)src->n_atoms)
        return fail(net, "n_atoms = %lld but source core %lld has %u atoms (a delay core has "
                    "the atoms of its source)", (long long)n_atoms, (long long)source,
                    src->n_atoms);
    if (n_stages < 1 || n_stages > KN_MAX_DELAY_STAGES)
        return fail(net, "n_stages = %lld must be in 1..%d", (long long)n_stages,
                    KN_MAX_DELAY_STAGES);
    if (stage_length < 1 || stage_length > KN_MAX_STAGE_LENGTH)
        return fail(net, "stage_length = %lld must be in 1..%lld", (long long)stage_length,
                    (long long)KN_MAX_STAGE_LENGTH);
    const int64_t span = n_stages * stage_length;
    if (counters == NULL)
        return fail(net, "counters is missing");
    if (n_columns != (uint64_t)n_atoms)
        return fail(net, "counters has %zu columns, expected n_atoms = %lld (shape "
                    "[n_slots, n_atoms])", n_columns, (long long)n_atoms);
    if ((int64_t)n_slots <= span || n_slots > (uint64_t)KN_MAX_DELAY_SLOTS
        || (n_slots & (n_slots - 1)) != 0)
        return fail(net, "counters has %zu rows (n_slots), expected a power of two > n_stages "
                    "* stage_length = %lld and <= 2^31", n_slots, (long long)span);
    return 0;
}

int kn_add_delay_core(kn_network_t *net, int64_t source, int64_t n_atoms, int64_t n_stages,
                      int64_t stage_length, uint8_t *counters, size_t n_slots,
                      size_t n_columns)
{
    if (check_delay_core(net, source, n_atoms, n_stages, stage_length, counters, n_slots,
                         n_columns))
        return -1;
    const size_t n_keys = (size_t)n_stages * (size_t)n_atoms;   /* <= 2^24 */
    kn_core_t *core = new_core_slot(net);
    uint8_t *slot_used = calloc(n_slots, 1);
    uint32_t *out_index = malloc(n_keys * sizeof(uint32_t));
    uint32_t *out_count = malloc(n_keys * sizeof(uint32_t));
    if (core == NULL || slot_used == NULL || out_index == NULL || out_count == NULL) {
        free(slot_used);
        free(out_index);
        free(out_count);
        return fail(net, "out of memory adding a delay core");
    }
    kn_delay_core_t *dc = &core->delay;
    core->kind = KN_CORE_DELAY;
    core->n_atoms = (uint32_t)n_atoms;
    core->n_keys = (uint32_t)n_keys;
    core->out_index = out_index;
    core->out_count = out_count;
    dc->source = (uint32_t)source;
    dc->n_stages = (uint32_t)n_stages;
    dc->stage_length = (uint32_t)stage_length;
    dc->slot_mask = (uint32_t)(n_slots - 1);
    dc->counters = counters;
    dc->slot_used = slot_used;
    dc->out_index = out_index;
    dc->out_count = out_count;
    return (int)net->n_cores++;
}

/* ---- synaptic rows ------------------------------------------------------ */

/* Row offsets of a block: n_keys(source) + 1 entries from 0, non-decreasing,
 * ending at the number of entries (`what`: "words", "controls"). */
static int check_offsets(kn_network_t *net, const kn_core_t *source,
                         const uint32_t *row_offsets, size_t n_offsets, size_t n_entries,
                         const char *what)
{
    if (row_offsets == NULL || n_offsets == 0)
        return fail(net, "row_offsets is empty, expected n_keys(source) + 1 = %u entries",
                    source->n_keys + 1);
    if (n_offsets != (size_t)source->n_keys + 1)
        return fail(net, "row_offsets has %zu entries, expected n_keys(source) + 1 = %u "
                    "(n_keys: n_atoms, n_stages * n_atoms for a delay core)",
                    n_offsets, source->n_keys + 1);
    if (row_offsets[0] != 0)
        return fail(net, "row_offsets[0] = %u, must be 0", row_offsets[0]);
    for (size_t k = 1; k < n_offsets; k++)
        if (row_offsets[k] < row_offsets[k - 1])
            return fail(net, "row_offsets must be non-decreasing: row_offsets[%zu] = %u < "
                        "row_offsets[%zu] = %u", k, row_offsets[k], k - 1, row_offsets[k - 1]);
    if (row_offsets[n_offsets - 1] != n_entries)
        return fail(net, "row_offsets[-1] = %u but %s has %zu entries",
                    row_offsets[n_offsets - 1], what, n_entries);
    return 0;
}

/* The index and type fields of a synaptic word's low half (or of a plastic
 * control half-word): index < target n_atoms, type < n_synapse_types. */
static int check_synapse_fields(kn_network_t *net, const kn_core_t *target, const char *what,
                                size_t i, uint32_t value, int digits)
{
    const kn_neuron_core_t *nc = &target->neuron;
    uint32_t index = value & (((uint32_t)1 << nc->index_bits) - 1);
    uint32_t type = (value >> nc->index_bits) & (((uint32_t)1 << nc->type_bits) - 1);
    if (index >= target->n_atoms)
        return fail(net, "%s[%zu] = 0x%0*x: neuron index %u >= target n_atoms %u", what, i,
                    digits, value, index, target->n_atoms);
    if (type >= nc->n_types)
        return fail(net, "%s[%zu] = 0x%0*x: synapse type %u >= n_synapse_types %u", what, i,
                    digits, value, type, nc->n_types);
    return 0;
}

/* The target of a block: an existing neuron core; the source: any core. */
static int check_block_ends(kn_network_t *net, int64_t target, int64_t source)
{
    if (check_core_id(net, "target", target) || check_core_id(net, "source", source))
        return -1;
    if (net->cores[target].kind != KN_CORE_NEURON)
        return fail(net, "target core %lld is not a neuron core", (long long)target);
    return 0;
}

/* A new zeroed block at the end of the target's list, or NULL. */
/* A zeroed block of `source` at the end of the target's list (NULL if out of
 * memory); first_of_source tells whether an earlier block has that source. */
static kn_block_t *new_block(kn_network_t *net, kn_neuron_core_t *nc, int64_t source)
{
    int first_of_source = 1;
    for (size_t b = 0; b < nc->n_incoming; b++)
        if (nc->incoming[b].source == (uint32_t)source)
            first_of_source = 0;
    if (nc->n_incoming == nc->cap_incoming) {
        size_t cap = nc->cap_incoming ? 2 * nc->cap_incoming : 4;
        uint32_t *sources = realloc(nc->block_sources, cap * sizeof(uint32_t));
        if (sources != NULL)
            nc->block_sources = sources;
        kn_active_block_t *active =
            sources == NULL ? NULL : realloc(nc->active, cap * sizeof(kn_active_block_t));
        if (active != NULL)
            nc->active = active;
        kn_block_t *blocks = active == NULL ? NULL
                                            : realloc(nc->incoming, cap * sizeof(kn_block_t));
        if (blocks == NULL) {
            fail(net, "out of memory adding incoming rows");
            return NULL;
        }
        nc->incoming = blocks;
        nc->cap_incoming = cap;
    }
    nc->block_sources[nc->n_incoming] = (uint32_t)source;
    kn_block_t *block = &nc->incoming[nc->n_incoming++];
    memset(block, 0, sizeof(*block));
    block->source = (uint32_t)source;
    block->first_of_source = first_of_source;
    return block;
}

int kn_add_incoming(kn_network_t *net, int64_t target, int64_t source,
                    const uint32_t *row_offsets, size_t n_offsets, const uint32_t *words,
                    size_t n_words)
{
    if (check_block_ends(net, target, source))
        return -1;
    kn_core_t *tgt = &net->cores[target];
    if (check_offsets(net, &net->cores[source], row_offsets, n_offsets, n_words, "words"))
        return -1;
    for (size_t i = 0; i < n_words; i++)
        if (check_synapse_fields(net, tgt, "words", i, words[i], 8))
            return -1;

    kn_block_t *block = new_block(net, &tgt->neuron, source);
    if (block == NULL)
        return -1;
    block->row_offsets = row_offsets;
    block->words = words;
    block->n_words = n_words;
    block->single = 1;
    for (size_t k = 0; k + 1 < n_offsets && block->single; k++)
        block->single = row_offsets[k + 1] - row_offsets[k] <= 1;
    return 0;
}

/* ---- plasticity (stdp.h) ---------------------------------------------------- */

static int check_history(kn_network_t *net, const kn_stdp_history_t *history, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (history[i].n_events >= KN_STDP_HISTORY_SIZE)
            return fail(net, "history[%zu].n_events = %u must be in 0..%d (%d entries "
                        "including the sentinel)", i, history[i].n_events,
                        KN_STDP_HISTORY_SIZE - 1, KN_STDP_HISTORY_SIZE);
    return 0;
}

static int check_lut(kn_network_t *net, const char *name, const int16_t *values, size_t size,
                     int64_t shift)
{
    if (size > KN_STDP_MAX_LUT_SIZE)
        return fail(net, "%s has %zu entries, at most %d (a uint16 size on the machine)", name,
                    size, KN_STDP_MAX_LUT_SIZE);
    if (size > 0 && values == NULL)
        return fail(net, "%s is missing", name);
    if (shift < 0 || shift > KN_STDP_MAX_LUT_SHIFT)
        return fail(net, "%s_shift = %lld must be in 0..%d", name, (long long)shift,
                    KN_STDP_MAX_LUT_SHIFT);
    return 0;
}

static int check_type_params(kn_network_t *net, const char *name, const int64_t *values,
                             size_t n, size_t n_types)
{
    if (n != n_types || values == NULL)
        return fail(net, "%s has %zu entries, expected n_synapse_types = %zu", name, n,
                    n_types);
    for (size_t s = 0; s < n; s++)
        if (values[s] < INT32_MIN || values[s] > INT32_MAX)
            return fail(net, "%s[%zu] = %lld out of range (int32: %d..%d)", name, s,
                        (long long)values[s], INT32_MIN, INT32_MAX);
    return 0;
}

static int16_t *copy_lut(const int16_t *values, size_t size)
{
    int16_t *copy = malloc((size ? size : 1) * sizeof(int16_t));
    if (copy != NULL && size)
        memcpy(copy, values, size * sizeof(int16_t));
    return copy;
}

int kn_set_plasticity(kn_network_t *net, int64_t core_id, int64_t timing, int64_t weight,
                      const int16_t *lut_plus, size_t n_plus, int64_t lut_plus_shift,
                      const int16_t *lut_minus, size_t n_minus, int64_t lut_minus_shift,
                      const int64_t *w_min, const int64_t *w_max, const int64_t *a2_plus,
                      const int64_t *a2_minus, size_t n_types, int backprop_delay,
                      kn_stdp_history_t *history, size_t n_history)
{
    if (check_core_id(net, "core", core_id))
        return -1;
    kn_core_t *core = &net->cores[core_id];
    if (core->kind != KN_CORE_NEURON)
        return fail(net, "core %lld is not a neuron core (only neuron cores have plasticity)",
                    (long long)core_id);
    kn_neuron_core_t *nc = &core->neuron;
    if (timing != KN_STDP_PAIR && timing != KN_STDP_NEAREST_PAIR)
        return fail(net, "timing = %lld: unknown timing rule (0 pair, 1 nearest pair)",
                    (long long)timing);
    if (weight != KN_STDP_ADDITIVE && weight != KN_STDP_MULTIPLICATIVE)
        return fail(net, "weight_dependence = %lld: unknown weight dependence (0 additive, "
                    "1 multiplicative)", (long long)weight);
    if (check_lut(net, "lut_plus", lut_plus, n_plus, lut_plus_shift)
        || check_lut(net, "lut_minus", lut_minus, n_minus, lut_minus_shift)
        || check_type_params(net, "w_min", w_min, n_types, nc->n_types)
        || check_type_params(net, "w_max", w_max, n_types, nc->n_types)
        || check_type_params(net, "a2_plus", a2_plus, n_types, nc->n_types)
        || check_type_params(net, "a2_minus", a2_minus, n_types, nc->n_types))
        return -1;
    if (history == NULL || n_history != core->n_atoms)
        return fail(net, "history has %zu entries, expected n_atoms = %u", n_history,
                    core->n_atoms);
    if (check_history(net, history, n_history))
        return -1;

    kn_stdp_t *stdp = calloc(1, sizeof(kn_stdp_t));
    int16_t *plus = copy_lut(lut_plus, n_plus);
    int16_t *minus = copy_lut(lut_minus, n_minus);
    if (stdp == NULL || plus == NULL || minus == NULL) {
        free(stdp);
        free(plus);
        free(minus);
        return fail(net, "out of memory setting plasticity");
    }
    stdp->timing = (kn_stdp_timing_t)timing;
    stdp->weight = (kn_stdp_weight_t)weight;
    stdp->backprop_delay = backprop_delay != 0;
    stdp->plus.values = plus;
    stdp->plus.size = (uint32_t)n_plus;
    stdp->plus.shift = (uint32_t)lut_plus_shift;
    stdp->minus.values = minus;
    stdp->minus.size = (uint32_t)n_minus;
    stdp->minus.shift = (uint32_t)lut_minus_shift;
    for (size_t s = 0; s < n_types; s++) {
        stdp->types[s].w_min = (int32_t)w_min[s];
        stdp->types[s].w_max = (int32_t)w_max[s];
        stdp->types[s].a2_plus = (int32_t)a2_plus[s];
        stdp->types[s].a2_minus = (int32_t)a2_minus[s];
        /* weight_multiplicative_impl.c: 16 - (shift + 1), unsigned */
        stdp->types[s].mul_shift = 16u - (nc->shifts[s] + 1u);
    }
    stdp->history = history;
    stdp->n_atoms = core->n_atoms;
    free_stdp(nc->stdp);
    nc->stdp = stdp;
    return 0;
}

int kn_add_plastic_incoming(kn_network_t *net, int64_t target, int64_t source,
                            const uint32_t *row_offsets, size_t n_offsets,
                            const uint16_t *controls, uint16_t *weights, size_t n_syn,
                            kn_stdp_row_state_t *row_state, size_t n_row_state)
{
    if (check_block_ends(net, target, source))
        return -1;
    kn_core_t *tgt = &net->cores[target];
    const kn_core_t *src = &net->cores[source];
    if (tgt->neuron.stdp == NULL)
        return fail(net, "target core %lld has no plasticity configuration: call "
                    "set_plasticity first", (long long)target);
    if (check_offsets(net, src, row_offsets, n_offsets, n_syn, "controls"))
        return -1;
    if (n_syn > 0 && (controls == NULL || weights == NULL))
        return fail(net, "controls and weights are required");
    if (row_state == NULL || n_row_state != src->n_keys)
        return fail(net, "row_state has %zu entries, expected n_keys(source) = %u (one "
                    "header per row)", n_row_state, src->n_keys);
    for (size_t i = 0; i < n_syn; i++)
        if (check_synapse_fields(net, tgt, "controls", i, controls[i], 4))
            return -1;

    kn_block_t *block = new_block(net, &tgt->neuron, source);
    if (block == NULL)
        return -1;
    block->plastic = 1;
    block->row_offsets = row_offsets;
    block->n_words = n_syn;
    block->controls = controls;
    block->weights = weights;
    block->row_state = row_state;
    return 0;
}

/* ---- recording ---------------------------------------------------------- */

static int check_analog(kn_network_t *net, const kn_core_t *core, size_t i,
                        const kn_analog_spec_t *spec, uint8_t *column_used)
{
    const kn_model_desc_t *model = core->neuron.model;
    if (spec->slot < 0 || spec->slot >= (int64_t)model->n_recordables)
        return fail(net, "analog[%zu]: slot %lld out of range (model '%s' has %u recordables)",
                    i, (long long)spec->slot, model->name, model->n_recordables);
    if (spec->interval < 1 || spec->interval >= TICK_LIMIT)
        return fail(net, "analog[%zu]: interval %lld must be in 1..2^32-1", i,
                    (long long)spec->interval);
    if (spec->first_sample_tick < 0 || spec->first_sample_tick >= TICK_LIMIT)
        return fail(net, "analog[%zu]: first_sample_tick %lld must be in 0..2^32-1", i,
                    (long long)spec->first_sample_tick);
    if (spec->columns == NULL || spec->n_columns_entries != core->n_atoms)
        return fail(net, "analog[%zu]: columns has %zu entries, expected n_atoms = %u", i,
                    spec->n_columns_entries, core->n_atoms);
    if (spec->buffer == NULL && spec->n_samples * spec->n_rec != 0)
        return fail(net, "analog[%zu]: buffer is missing", i);
    memset(column_used, 0, spec->n_rec);
    for (uint32_t n = 0; n < core->n_atoms; n++) {
        int32_t column = spec->columns[n];
        if (column < -1 || (column >= 0 && (size_t)column >= spec->n_rec))
            return fail(net, "analog[%zu]: columns[%u] = %d out of range (-1, or a column of "
                        "the buffer, which has %zu columns)", i, n, column, spec->n_rec);
        if (column >= 0) {
            if (column_used[column])
                return fail(net, "analog[%zu]: column %d is used by two neurons", i, column);
            column_used[column] = 1;
        }
    }
    return 0;
}

static int check_recording(kn_network_t *net, const kn_core_t *core, void *spikes,
                           size_t spike_words, int64_t spikes_first_tick,
                           const kn_analog_spec_t *analog, size_t n_analog)
{
    if (core->kind == KN_CORE_DELAY && (spikes != NULL || n_analog != 0))
        return fail(net, "spikes/analog: a delay-extension core records nothing");
    if (core->kind == KN_CORE_POISSON) {
        if (spikes != NULL && spike_words != core->n_atoms)
            return fail(net, "spikes (Poisson counts) has %zu entries per row, expected "
                        "n_atoms = %u", spike_words, core->n_atoms);
    } else {
        size_t words_per_row = ((size_t)core->n_atoms + 31) / 32;
        if (spikes != NULL && spike_words != words_per_row)
            return fail(net, "spikes has %zu words per row, expected ceil(n_atoms / 32) = %zu",
                        spike_words, words_per_row);
    }
    if (spikes_first_tick < 0 || spikes_first_tick >= TICK_LIMIT)
        return fail(net, "spikes_first_tick %lld must be in 0..2^32-1",
                    (long long)spikes_first_tick);
    if (n_analog == 0)
        return 0;
    if (core->kind != KN_CORE_NEURON)
        return fail(net, "analog recording: this core has no analog variables (not a neuron "
                    "core)");
    size_t max_rec = 1;
    for (size_t i = 0; i < n_analog; i++)
        if (analog[i].n_rec > max_rec)
            max_rec = analog[i].n_rec;
    uint8_t *column_used = malloc(max_rec);
    if (column_used == NULL)
        return fail(net, "out of memory checking analog recording");
    int rc = 0;
    for (size_t i = 0; i < n_analog && rc == 0; i++)
        rc = check_analog(net, core, i, &analog[i], column_used);
    free(column_used);
    return rc;
}

int kn_set_recording(kn_network_t *net, int64_t core_id, void *spikes, size_t spike_rows,
                     size_t spike_words, int64_t spikes_first_tick,
                     const kn_analog_spec_t *analog, size_t n_analog)
{
    if (check_core_id(net, "core", core_id))
        return -1;
    kn_core_t *core = &net->cores[core_id];
    if (check_recording(net, core, spikes, spike_words, spikes_first_tick, analog, n_analog))
        return -1;

    kn_analog_t *entries = NULL;
    int32_t **rows = NULL;
    if (n_analog) {
        entries = calloc(n_analog, sizeof(kn_analog_t));
        rows = calloc(n_analog, sizeof(int32_t *));
        if (entries == NULL || rows == NULL) {
            free(entries);
            free(rows);
            return fail(net, "out of memory setting up recording");
        }
    }
    for (size_t i = 0; i < n_analog; i++) {
        entries[i].slot = (uint32_t)analog[i].slot;
        entries[i].columns = analog[i].columns;
        entries[i].interval = (uint32_t)analog[i].interval;
        entries[i].first_tick = (uint32_t)analog[i].first_sample_tick;
        entries[i].n_samples = analog[i].n_samples;
        entries[i].n_columns = analog[i].n_rec;
        entries[i].buffer = analog[i].buffer;
    }
    kn_recording_t *rec = &core->rec;
    free_recording(rec);
    int have_spikes = spikes != NULL && spike_rows > 0;
    if (core->kind == KN_CORE_POISSON)
        rec->counts = have_spikes ? (uint16_t *)spikes : NULL;
    else
        rec->spikes = have_spikes ? (uint32_t *)spikes : NULL;
    rec->spike_rows = spike_rows;
    rec->spike_words = spike_words;
    rec->spikes_first_tick = (uint32_t)spikes_first_tick;
    rec->analog = entries;
    rec->n_analog = n_analog;
    rec->analog_row = rows;
    return 0;
}

void kn_clear_recording(kn_network_t *net)
{
    for (size_t c = 0; c < net->n_cores; c++)
        free_recording(&net->cores[c].rec);
}

void kn_recording_begin_tick(kn_recording_t *rec, uint32_t tick)
{
    rec->spike_row = NULL;
    rec->count_row = NULL;
    if (tick >= rec->spikes_first_tick && tick - rec->spikes_first_tick < rec->spike_rows) {
        size_t at = (size_t)(tick - rec->spikes_first_tick) * rec->spike_words;
        if (rec->spikes != NULL)
            rec->spike_row = rec->spikes + at;
        if (rec->counts != NULL)
            rec->count_row = rec->counts + at;
    }

    rec->analog_sampled = 0;
    for (size_t i = 0; i < rec->n_analog; i++) {
        const kn_analog_t *a = &rec->analog[i];
        rec->analog_row[i] = NULL;
        if (tick < a->first_tick)
            continue;
        uint32_t since = tick - a->first_tick;
        if (since % a->interval == 0 && since / a->interval < a->n_samples) {
            rec->analog_row[i] = a->buffer + (size_t)(since / a->interval) * a->n_columns;
            rec->analog_sampled = 1;
        }
    }
}

/* ---- the time loop ------------------------------------------------------ */

/* Phase B's work on one target core in one tick, for its load counters. */
typedef struct kn_delivered {
    uint64_t rows;                 /* rows processed (count each) */
    uint64_t words;                /* static words processed */
    uint64_t synapses;             /* plastic synapses processed */
    uint64_t saturations;          /* static ring-buffer adds that saturated */
} kn_delivered_t;

/* What the static loop needs of the target, fixed for one tick.  Adding
 * tick << (T + N) to a word's low half turns its delay field into the ring
 * slot (tick + delay) mod 2^D and leaves type and index alone (the added
 * value has no low bits, so nothing carries into them); masking with
 * ring_len - 1 then drops the carry out of the slot, the bits of the low
 * half above N + T + D (ignored, as on the machine) and the weight. */
typedef struct kn_static_target {
    uint16_t *ring;
    uint32_t tick_offset;          /* tick << (T + N), wrapping */
    uint32_t ring_mask;            /* ring_len - 1 (ring_len is a power of two) */
} kn_static_target_t;

static inline kn_static_target_t static_target(const kn_neuron_core_t *nc, uint32_t tick)
{
    const kn_static_target_t t = {nc->ring, tick << nc->slot_shift,
                                  (uint32_t)(nc->ring_len - 1)};
    return t;
}

/* Adds one synaptic row (spec §4.2) into the target's ring buffer; returns
 * the number of saturated adds. */
static inline uint64_t add_static_row(const kn_static_target_t *t, const uint32_t *row,
                                      uint32_t n_words)
{
    uint64_t saturations = 0;
    for (uint32_t i = 0; i < n_words; i++) {
        const uint32_t word = row[i];
        saturations += ring_add_saturating(&t->ring[(word + t->tick_offset) & t->ring_mask],
                                           word >> 16);
    }
    return saturations;
}

/* The sanitizer build checks every word's index and type fields (Python may
 * have changed words in place after they were checked). */
static void check_static_row(const kn_core_t *target, const uint32_t *row, uint32_t n_words)
{
    const kn_neuron_core_t *nc = &target->neuron;
    for (uint32_t i = 0; i < n_words; i++) {
        KN_ASSERT((row[i] & (((uint32_t)1 << nc->index_bits) - 1)) < target->n_atoms);
        KN_ASSERT(((row[i] & nc->type_index_mask) >> nc->index_bits) < nc->n_types);
    }
    (void)nc, (void)row, (void)n_words;
}

/* ---- phase B: the rows of one target core -------------------------------
 *
 * Per tick, a target's rows form one stream: for each block whose source
 * emitted (in block order), the row of each spike (in emission order).  In a
 * large network rows are short and scattered over far more memory than the
 * caches hold, so finding and fetching a row costs more than adding its
 * words; a lookahead walks the same stream ahead of the work and prefetches,
 * KN_LOOKAHEAD rows ahead, a row's entries (its offsets having been
 * prefetched twice as far ahead). */
#define KN_LOOKAHEAD 32

/* A position in the stream: spike i of active block j. */
typedef struct kn_row_cursor {
    size_t j, i;
} kn_row_cursor_t;

typedef struct kn_lookahead {
    const kn_active_block_t *active;
    size_t n_active;
    kn_row_cursor_t far;           /* KN_LOOKAHEAD * 2 rows ahead: row offsets */
    kn_row_cursor_t near;          /* KN_LOOKAHEAD rows ahead: row entries */
} kn_lookahead_t;

/* Past the blocks delivered without the lookahead (single-word rows). */
static inline void cursor_skip_single(kn_row_cursor_t *c, const kn_active_block_t *active,
                                      size_t n_active)
{
    while (c->j < n_active && active[c->j].block->single)
        c->j++;
}

static inline void cursor_next(kn_row_cursor_t *c, const kn_active_block_t *active,
                               size_t n_active)
{
    if (++c->i == active[c->j].n) {
        c->i = 0;
        c->j++;
        cursor_skip_single(c, active, n_active);
    }
}

/* Advances the far cursor, prefetching the row offsets it passes. */
static inline void lookahead_far(kn_lookahead_t *la)
{
    if (la->far.j < la->n_active) {
        const kn_active_block_t *a = &la->active[la->far.j];
        KN_PREFETCH(&a->block->row_offsets[a->keys[la->far.i]]);
        cursor_next(&la->far, la->active, la->n_active);
    }
}

/* Advances the near cursor, prefetching the start of the row it passes. */
static inline void lookahead_near(kn_lookahead_t *la)
{
    if (la->near.j < la->n_active) {
        const kn_active_block_t *a = &la->active[la->near.j];
        const kn_block_t *block = a->block;
        const uint32_t key = a->keys[la->near.i];
        const uint32_t begin = block->row_offsets[key];
        if (block->plastic) {
            KN_PREFETCH(block->controls + begin);
            KN_PREFETCH(block->weights + begin);
            KN_PREFETCH(&block->row_state[key]);
        } else {
            /* a short row may end in the next cache line */
            KN_PREFETCH(block->words + begin);
            KN_PREFETCH(block->words + block->row_offsets[key + 1] - 1);
        }
        cursor_next(&la->near, la->active, la->n_active);
    }
}

static void lookahead_start(kn_lookahead_t *la, const kn_active_block_t *active,
                            size_t n_active)
{
    const kn_row_cursor_t start = {0, 0};
    la->active = active;
    la->n_active = n_active;
    la->far = la->near = start;
    cursor_skip_single(&la->far, active, n_active);
    cursor_skip_single(&la->near, active, n_active);
    for (int k = 0; k < 2 * KN_LOOKAHEAD; k++)
        lookahead_far(la);
    for (int k = 0; k < KN_LOOKAHEAD; k++)
        lookahead_near(la);
}

/* One row further: called once per row of the stream, before its work. */
static inline void lookahead_step(kn_lookahead_t *la)
{
    lookahead_far(la);
    lookahead_near(la);
}

/* The static rows of an active block; a spike with payload count c is
 * processed c times. */
static void deliver_static(const kn_core_t *target, const kn_active_block_t *a,
                           kn_lookahead_t *la, uint32_t tick, kn_delivered_t *done)
{
    const kn_static_target_t t = static_target(&target->neuron, tick);
    const kn_block_t *block = a->block;
    const uint32_t *offsets = block->row_offsets;
    uint64_t saturations = 0, rows = 0, words = 0;
    for (size_t i = 0; i < a->n; i++) {
        lookahead_step(la);
        const uint32_t key = a->keys[i];
        const uint32_t count = a->counts != NULL ? a->counts[i] : 1;
        const uint32_t begin = offsets[key], end = offsets[key + 1];
        KN_ASSERT(begin <= end && end <= block->n_words);
        if (KN_HAVE_BOUNDS_CHECKS)
            check_static_row(target, block->words + begin, end - begin);
        rows += count;
        words += (uint64_t)count * (end - begin);
        for (uint32_t c = 0; c < count; c++)
            saturations += add_static_row(&t, block->words + begin, end - begin);
    }
    done->rows += rows;
    done->words += words;
    done->saturations += saturations;
}

/* The rows of an active block none of whose rows is longer than one word
 * (block->single).  Its keys ascend (a source's output list) and so do its
 * offsets and words; the ring entries lie in one core's ring (cache-resident):
 * nothing to prefetch, so the lookahead passes these blocks by.  A spike with
 * payload count c adds its word c times (ring_add_repeated). */
static void deliver_single(const kn_core_t *target, const kn_active_block_t *a,
                           uint32_t tick, kn_delivered_t *done)
{
    const kn_static_target_t t = static_target(&target->neuron, tick);
    const kn_block_t *block = a->block;
    const uint32_t *offsets = block->row_offsets;
    uint64_t saturations = 0, rows = 0, words = 0;
    for (size_t i = 0; i < a->n; i++) {
        const uint32_t key = a->keys[i];
        const uint32_t count = a->counts != NULL ? a->counts[i] : 1;
        const uint32_t begin = offsets[key], end = offsets[key + 1];
        KN_ASSERT(begin <= end && end <= block->n_words && end - begin <= 1);
        rows += count;
        if (end == begin)
            continue;
        const uint32_t word = block->words[begin];
        if (KN_HAVE_BOUNDS_CHECKS)
            check_static_row(target, &block->words[begin], 1);
        words += count;
        saturations += ring_add_repeated(&t.ring[(word + t.tick_offset) & t.ring_mask],
                                         word >> 16, count);
    }
    done->rows += rows;
    done->words += words;
    done->saturations += saturations;
}

/* The plastic rows (stdp.c) of an active block; a row with payload count c
 * is processed c times, each pass updating the header and the weights again
 * (6.0 queues one spike per count and processes the row once per spike). */
static void deliver_plastic(kn_core_t *target, const kn_active_block_t *a,
                            kn_lookahead_t *la, uint32_t tick, kn_delivered_t *done)
{
    kn_neuron_core_t *nc = &target->neuron;
    const kn_stdp_t *stdp = nc->stdp;
    KN_ASSERT(stdp != NULL);
    const kn_block_t *block = a->block;
    const uint32_t *offsets = block->row_offsets;
    uint64_t saturations = 0, rows = 0, synapses = 0;
    for (size_t i = 0; i < a->n; i++) {
        lookahead_step(la);
        const uint32_t key = a->keys[i];
        const uint32_t count = a->counts != NULL ? a->counts[i] : 1;
        const uint32_t begin = offsets[key], end = offsets[key + 1];
        KN_ASSERT(begin <= end && end <= block->n_words);
        rows += count;
        synapses += (uint64_t)count * (end - begin);
        for (uint32_t c = 0; c < count; c++)
            saturations += kn_stdp_process_row(stdp, nc, &block->row_state[key],
                                               block->controls + begin,
                                               block->weights + begin, end - begin, tick);
    }
    target->saturations += saturations;
    target->plastic_saturations += saturations;
    done->rows += rows;
    done->synapses += synapses;
}

/* The blocks of `target` whose source emitted this tick, into its scratch
 * list (the compact list of block sources makes skipping silent ones cheap);
 * returns how many. */
static size_t list_active_blocks(const kn_network_t *net, kn_core_t *target)
{
    kn_neuron_core_t *nc = &target->neuron;
    const uint8_t *emitted = net->emitted;
    size_t n_active = 0;
    for (size_t b = 0; b < nc->n_incoming; b++) {
        if (!emitted[nc->block_sources[b]])
            continue;
        const kn_core_t *source = &net->cores[nc->block_sources[b]];
        kn_active_block_t *a = &nc->active[n_active++];
        a->block = &nc->incoming[b];
        a->keys = source->out_index;
        a->counts = source->out_count;
        a->n = source->out_n;
        for (size_t i = 0; i < a->n; i++)
            KN_ASSERT(a->keys[i] < source->n_keys);
    }
    return n_active;
}

/* Phase B for one neuron core: the rows of every spike its sources emitted
 * in phase A of this tick, in block order, then emission order (the order
 * decides the saturation count).  The load counters are counted per packet
 * (row length x count), never per word. */
static void deliver_spikes(const kn_network_t *net, kn_core_t *target, uint32_t tick)
{
    const size_t n_active = list_active_blocks(net, target);
    const kn_active_block_t *active = target->neuron.active;
    kn_lookahead_t la;
    lookahead_start(&la, active, n_active);
    kn_delivered_t done = {0, 0, 0, 0};
    uint64_t packets = 0;
    for (size_t j = 0; j < n_active; j++) {
        const uint64_t rows_before = done.rows;
        if (active[j].block->plastic)
            deliver_plastic(target, &active[j], &la, tick, &done);
        else if (active[j].block->single)
            deliver_single(target, &active[j], tick, &done);
        else
            deliver_static(target, &active[j], &la, tick, &done);
        /* one packet per spike (and per unit of payload count) reaches the
         * core, whatever number of blocks (projections) it has rows in */
        if (active[j].block->first_of_source)
            packets += done.rows - rows_before;
    }
    target->saturations += done.saturations;
    if (packets != 0) {
        kn_load_t *load = &target->load;
        kn_load_add(load, KN_LOAD_SPIKES_IN, packets);
        kn_load_add(load, KN_LOAD_ROWS, done.rows);
        kn_load_add(load, KN_LOAD_SYNAPTIC_EVENTS, done.words);
        kn_load_add(load, KN_LOAD_PLASTIC_EVENTS, done.synapses);
        kn_load_add(load, KN_LOAD_ALL_EVENTS, done.words + done.synapses);
    }
}

/* Phase A's load counters of one core (its output list is complete). */
static void count_phase_a(const kn_network_t *net, size_t c)
{
    kn_core_t *core = &net->cores[c];
    net->emitted[c] = core->out_n != 0;
    uint64_t sent = core->out_n;
    if (core->out_count != NULL) {
        sent = 0;
        for (size_t i = 0; i < core->out_n; i++)
            sent += core->out_count[i];
    }
    kn_load_t *load = &core->load;
    load->total[KN_LOAD_TICKS]++;
    kn_load_add(load, KN_LOAD_SPIKES_OUT, sent);
    if (core->kind == KN_CORE_NEURON)
        kn_load_add(load, KN_LOAD_NEURON_UPDATES, core->n_atoms);
}

static void phase_a(const kn_network_t *net, size_t c, uint32_t tick)
{
    kn_core_t *core = &net->cores[c];
    switch (core->kind) {
    case KN_CORE_NEURON:
        core->neuron.update(core, tick);
        break;
    case KN_CORE_SPIKE_ARRAY:
        kn_spike_array_tick(core, tick);
        break;
    case KN_CORE_POISSON:
        kn_poisson_tick(core, tick);
        break;
    case KN_CORE_DELAY:
        kn_delay_tick(core, tick);
        break;
    }
    count_phase_a(net, c);
}

/* Phase B of one core: a neuron core takes the rows of the spikes sent to
 * it, a delay core counts its source's spikes.  Each writes only itself. */
static void phase_b(const kn_network_t *net, kn_core_t *core, uint32_t tick)
{
    switch (core->kind) {
    case KN_CORE_NEURON:
        deliver_spikes(net, core, tick);
        break;
    case KN_CORE_DELAY:
        kn_delay_receive(core, &net->cores[core->delay.source], tick);
        break;
    default:
        break;
    }
}

int kn_check_run(kn_network_t *net, int64_t start_tick, int64_t n_ticks)
{
    if (start_tick < 0 || n_ticks < 0 || start_tick + n_ticks > TICK_LIMIT)
        return fail(net, "run(start_tick=%lld, n_ticks=%lld): need 0 <= start_tick and "
                    "0 <= n_ticks with start_tick + n_ticks <= 2^32",
                    (long long)start_tick, (long long)n_ticks);
    for (size_t c = 0; c < net->n_cores; c++) {
        if (net->cores[c].kind == KN_CORE_POISSON && check_poisson_values(net, &net->cores[c])) {
            char message[sizeof(net->error)];
            memcpy(message, net->error, sizeof(message));
            return fail(net, "Poisson core %zu: %s", c, message);
        }
        const kn_stdp_t *stdp = net->cores[c].kind == KN_CORE_NEURON
                                    ? net->cores[c].neuron.stdp : NULL;
        if (stdp != NULL && check_history(net, stdp->history, stdp->n_atoms)) {
            char message[sizeof(net->error)];
            memcpy(message, net->error, sizeof(message));
            return fail(net, "neuron core %zu: %s", c, message);
        }
    }
    return 0;
}

/* The cores that have work in phase B (neuron cores with incoming rows,
 * delay cores), in core order, into net->phase_b_cores; returns how many. */
static size_t list_phase_b_cores(kn_network_t *net)
{
    size_t n = 0;
    for (size_t c = 0; c < net->n_cores; c++) {
        const kn_core_t *core = &net->cores[c];
        if ((core->kind == KN_CORE_NEURON && core->neuron.n_incoming > 0)
            || core->kind == KN_CORE_DELAY)
            net->phase_b_cores[n++] = (uint32_t)c;
    }
    return n;
}

/* One tick of both phases on the calling thread. */
static void run_tick_serial(const kn_network_t *net, size_t n_b, uint32_t tick)
{
    for (size_t c = 0; c < net->n_cores; c++)
        phase_a(net, c, tick);
    for (size_t i = 0; i < n_b; i++)
        phase_b(net, &net->cores[net->phase_b_cores[i]], tick);
}

#ifdef _OPENMP
/*
 * The parallel run, without barriers.  The work of the run is one sequence
 * of items: for each tick, phase A of every core, then phase B of every
 * core of phase_b_cores.  Threads claim items in that order (one atomic
 * counter, `next`) and count the items they finished (`done`).  Before
 * working on an item, a thread waits until every item of the earlier phases
 * is finished: `done` >= the index of the item's phase's first item (by
 * induction, no item of a phase can finish before all earlier phases did, so
 * that count means exactly those items).  This orders the phases as a
 * barrier would, so each core's state is still written by one thread per
 * phase and the result is the serial one; but a thread that is not
 * scheduled (a busy machine) holds nothing up unless it is in the middle of
 * an item, and the others go on claiming work meanwhile.
 */
typedef struct kn_progress {
    uint64_t next;                 /* the next item to claim */
    char pad_next[64 - sizeof(uint64_t)];  /* next and done in different cache lines */
    uint64_t done;                 /* items finished */
    char pad_done[64 - sizeof(uint64_t)];
} kn_progress_t;

/* Spin a little (the phase is usually about to end), then let other threads
 * of the machine run (perhaps the one we are waiting for). */
static void wait_until_done(const uint64_t *done, uint64_t count)
{
    unsigned spins = 0;
    while (__atomic_load_n(done, __ATOMIC_ACQUIRE) < count) {
        if (spins < KN_WAIT_SPINS) {
            spins++;
            KN_CPU_RELAX();
        } else {
            sched_yield();
        }
    }
}

static void run_parallel(const kn_network_t *net, size_t n_b, uint32_t start_tick,
                         uint32_t n_ticks, int n_threads)
{
    kn_core_t *cores = net->cores;
    const uint32_t *b_cores = net->phase_b_cores;
    const uint64_t n_a = net->n_cores;
    const uint64_t per_tick = n_a + n_b;
    const uint64_t total = per_tick * n_ticks;
    kn_progress_t progress;
    memset(&progress, 0, sizeof(progress));
#pragma omp parallel num_threads(n_threads)
    for (;;) {
        const uint64_t item = __atomic_fetch_add(&progress.next, 1, __ATOMIC_RELAXED);
        if (item >= total)
            break;
        const uint64_t in_tick = item % per_tick;
        const uint32_t tick = start_tick + (uint32_t)(item / per_tick);
        const uint64_t tick_start = item - in_tick;
        if (in_tick < n_a) {
            wait_until_done(&progress.done, tick_start);
            phase_a(net, (size_t)in_tick, tick);
        } else {
            wait_until_done(&progress.done, tick_start + n_a);
            phase_b(net, &cores[b_cores[in_tick - n_a]], tick);
        }
        __atomic_fetch_add(&progress.done, 1, __ATOMIC_RELEASE);
    }
}
#endif

/* ---- lanes --------------------------------------------------------------
 * A neuron core whose model has a lane update (neuron_impl_standard.h) runs
 * 8 neurons at a time on nc->lanes, a copy of its structs stored in blocks
 * of 8 neurons, field by field within a block (kernel.h).  The copy is made at the start of each kn_run and copied back at
 * its end, so between runs Python reads and writes the structs as always. */

int kn_lanes_available(void)
{
#if KN_HAVE_LANES
    return kn_lanes_supported();
#else
    return 0;
#endif
}

int kn_core_uses_lanes(kn_network_t *net, int64_t core)
{
    if (core < 0 || (uint64_t)core >= net->n_cores || net->cores[core].kind != KN_CORE_NEURON)
        return -1;
    const kn_neuron_core_t *nc = &net->cores[core].neuron;
    return nc->update == nc->model->update_lanes;     /* update is never NULL */
}

/* Copies the structs of a core into its lanes (to_lanes) or back. */
static void copy_lanes(kn_core_t *core, int to_lanes)
{
    kn_neuron_core_t *nc = &core->neuron;
    for (int kind = 0; kind < KN_N_KINDS; kind++) {
        const kn_component_desc_t *desc = nc->model->components[kind];
        if (desc == NULL || desc->n_fields == 0)
            continue;
        const size_t n_fields = desc->n_fields;
        int32_t *structs = nc->components[kind];
        int32_t *lanes = nc->lanes[kind];
        for (size_t n = 0; n < core->n_atoms; n++) {
            /* block n / 8, field f, lane n % 8 */
            int32_t *lane = lanes + (n - n % KN_LANES) * n_fields + n % KN_LANES;
            for (size_t f = 0; f < n_fields; f++) {
                if (to_lanes)
                    lane[f * KN_LANES] = structs[n * n_fields + f];
                else
                    structs[n * n_fields + f] = lane[f * KN_LANES];
            }
        }
    }
}

/* Chooses each neuron core's update for this run; copies in the lanes. */
static void begin_neuron_updates(kn_network_t *net)
{
    const int lanes = net->neuron_lanes && kn_lanes_available();
    for (size_t c = 0; c < net->n_cores; c++) {
        kn_core_t *core = &net->cores[c];
        if (core->kind != KN_CORE_NEURON)
            continue;
        kn_neuron_core_t *nc = &core->neuron;
        nc->update = nc->model->update;
        if (lanes && nc->model->update_lanes != NULL) {
            nc->update = nc->model->update_lanes;
            copy_lanes(core, 1);
        }
    }
}

static void end_neuron_updates(kn_network_t *net)
{
    for (size_t c = 0; c < net->n_cores; c++)
        if (kn_core_uses_lanes(net, (int64_t)c) == 1)
            copy_lanes(&net->cores[c], 0);
}

void kn_run(kn_network_t *net, uint32_t start_tick, uint32_t n_ticks)
{
    int n_threads = 1;
#ifdef _OPENMP
    n_threads = net->n_threads > 0 ? net->n_threads : omp_get_max_threads();
#endif
    for (size_t c = 0; c < net->n_cores; c++) {
        net->cores[c].out_n = 0;
        net->emitted[c] = 0;
        if (net->cores[c].kind == KN_CORE_SPIKE_ARRAY)
            kn_spike_array_begin_run(&net->cores[c], start_tick);
        else if (net->cores[c].kind == KN_CORE_DELAY)
            kn_delay_begin_run(&net->cores[c]);
    }
    begin_neuron_updates(net);
    const size_t n_b = list_phase_b_cores(net);
#ifdef _OPENMP
    /* a team is not worth it for one core */
    if (n_threads > 1 && net->n_cores > 1)
        run_parallel(net, n_b, start_tick, n_ticks, n_threads);
    else
#endif
    {
        for (uint32_t i = 0; i < n_ticks; i++)
            run_tick_serial(net, n_b, start_tick + i);
    }
    (void)n_threads;
    end_neuron_updates(net);
}

/* ---- saturation counters ------------------------------------------------ */

int kn_saturations(kn_network_t *net, int64_t core, uint64_t *out)
{
    if (check_core_id(net, "core", core))
        return -1;
    *out = net->cores[core].saturations;
    return 0;
}

int kn_plastic_saturations(kn_network_t *net, int64_t core, uint64_t *out)
{
    if (check_core_id(net, "core", core))
        return -1;
    *out = net->cores[core].plastic_saturations;
    return 0;
}

void kn_reset_saturations(kn_network_t *net)
{
    for (size_t c = 0; c < net->n_cores; c++) {
        net->cores[c].saturations = 0;
        net->cores[c].plastic_saturations = 0;
    }
}

/* ---- load counters -------------------------------------------------------- */

int kn_load_counters(kn_network_t *net, int64_t core, uint64_t *total, uint64_t *max)
{
    if (check_core_id(net, "core", core))
        return -1;
    memcpy(total, net->cores[core].load.total, sizeof(net->cores[core].load.total));
    memcpy(max, net->cores[core].load.max, sizeof(net->cores[core].load.max));
    return 0;
}

void kn_reset_load_counters(kn_network_t *net)
{
    for (size_t c = 0; c < net->n_cores; c++)
        memset(&net->cores[c].load, 0, sizeof(net->cores[c].load));
}
