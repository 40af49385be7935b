/* IFCurrExpCa2Adaptive: IF_curr_exp plus the calcium adaptation current as additional input. */
#include "components/membrane_lif.h"
#include "components/synapse_exponential.h"
#include "components/input_current.h"
#include "components/threshold_static.h"
#include "components/additional_ca2_adaptive.h"

#define KN_MODEL if_curr_exp_ca2_adaptive
#define KN_MEMBRANE membrane_lif
#define KN_SYNAPSE synapse_exponential
#define KN_INPUT input_current
#define KN_THRESHOLD threshold_static
#define KN_ADDITIONAL additional_ca2_adaptive
#include "neuron_impl_standard.h"
