/*
 * A root task that makes an unknown system call.  Nothing can handle its fault (it is
 * the only thread and has no fault handler), so the debug kernel must report the fault,
 * suspend it, and stop the machine because no thread can ever run again
 * (tools/test-all checks the console and the status).
 */
#include <pecan/pecan.h>

int main(void)
{
    pn_printf("faults: making unknown syscall -100\n");
    pn_msg_t m = {0};
    pn_syscall(-100, 0, &m, 0, 0);
    pn_printf("FAIL faults: the unknown syscall returned\n");
    return 0;
}
