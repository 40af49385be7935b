/* IF_cond_exp: LIF membrane, exponential synapses, conductance input, static threshold. */
#include "components/membrane_lif.h"
#include "components/synapse_exponential.h"
#include "components/input_conductance.h"
#include "components/threshold_static.h"

#define KN_MODEL if_cond_exp
#define KN_MEMBRANE membrane_lif
#define KN_SYNAPSE synapse_exponential
#define KN_INPUT input_conductance
#define KN_THRESHOLD threshold_static
#include "neuron_impl_standard.h"
