/* Izhikevich (IZK_curr_exp): Izhikevich membrane, exponential synapses, current input, static threshold (30 mV). */
#include "components/membrane_izhikevich.h"
#include "components/synapse_exponential.h"
#include "components/input_current.h"
#include "components/threshold_static.h"

#define KN_MODEL izhikevich
#define KN_MEMBRANE membrane_izhikevich
#define KN_SYNAPSE synapse_exponential
#define KN_INPUT input_current
#define KN_THRESHOLD threshold_static
#include "neuron_impl_standard.h"
