/* IF_curr_alpha: LIF membrane, alpha synapses, current input, static threshold. */
#include "components/membrane_lif.h"
#include "components/synapse_alpha.h"
#include "components/input_current.h"
#include "components/threshold_static.h"

#define KN_MODEL if_curr_alpha
#define KN_MEMBRANE membrane_lif
#define KN_SYNAPSE synapse_alpha
#define KN_INPUT input_current
#define KN_THRESHOLD threshold_static
#include "neuron_impl_standard.h"
