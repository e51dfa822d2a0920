/*
 * examples/rpctest-module.c -- the rpctest interface as an rpcd module
 * (rpcd_module(3)): the same manager routines as the standalone
 * rpctest-server (examples/rpctest.c), registered by RpcdModuleInit.
 * rpcd serves them on its endpoints and enters them in its endpoint map:
 *
 *   rpcd -d --module examples/.libs/rpctest.so
 */
#include <rpcrt/rpc.h>
#include <rpcrt/rpcd_module.h>

#include "examples/rpctest.h"

RPC_STATUS
RpcdModuleInit(const RPCD_MODULE_INFO *Info)
{
    if (Info == NULL || Info->AbiVersion != RPCD_MODULE_ABI_VERSION)
        return RPC_S_INVALID_ARG;
    return rpctest_register();
}

void
RpcdModuleFini(void)
{
    /* rpcd has unregistered the interface already; the thread that
     * drives asynchronous calls goes before the code does. */
    rpctest_fini();
}
