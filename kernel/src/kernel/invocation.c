/* Object invocations, dispatched on the invoked cap's type.  Each object's methods
 * arrive with its subsystem; until then its caps accept no label. */
#include "invocation.h"

invocation_result_t invocation_decode(const invocation_t *inv)
{
    switch (cap_type(inv->cap)) {
    case PN_CAP_NULL:
    case PN_CAP_ZOMBIE:
        return inv_error1(PN_INVALID_CAPABILITY, 0);
    default:
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}
