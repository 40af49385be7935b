/* IF_curr_dual_exp: LIF membrane, two excitatory and one inhibitory exponential synapse (3 synapse types), current input, static threshold. */
#include "components/membrane_lif.h"
#include "components/synapse_dual_exponential.h"
#include "components/input_current.h"
#include "components/threshold_static.h"

#define KN_MODEL if_curr_dual_exp
#define KN_MEMBRANE membrane_lif
#define KN_SYNAPSE synapse_dual_exponential
#define KN_INPUT input_current
#define KN_THRESHOLD threshold_static
#include "neuron_impl_standard.h"
