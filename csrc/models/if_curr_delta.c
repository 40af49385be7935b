/* IF_curr_delta (6.x): LIF membrane, delta synapses, delta input (current = w * 1/dt), static threshold. */
#include "components/membrane_lif.h"
#include "components/synapse_delta.h"
#include "components/input_delta.h"
#include "components/threshold_static.h"

#define KN_MODEL if_curr_delta
#define KN_MEMBRANE membrane_lif
#define KN_SYNAPSE synapse_delta
#define KN_INPUT input_delta
#define KN_THRESHOLD threshold_static
#include "neuron_impl_standard.h"
