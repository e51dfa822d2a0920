/*
 * libclient/clt_except.c -- RpcRaiseException and the frames behind the
 * RpcTryExcept / RpcTryFinally macros of <rpcrt/rpcdce.h>.
 *
 * One chain of frames per thread.  Exported from librpcrt-client only, so
 * a manager routine (libserver's dispatcher installs a frame around it)
 * and client code share the same chain.
 */
#include <pthread.h>
#include <stdio.h>

#include <rpcrt/rpcdce.h>

#include "proto/proto.h"

static RPCRT_TLS RPC_EXCEPTION_FRAME *top;

RPC_EXPORT void RPC_ENTRY
I_RpcExceptionPush(RPC_EXCEPTION_FRAME *frame)
{
    frame->prev = top;
    frame->code = 0;
    frame->raised = 0;
    top = frame;
}

RPC_EXPORT void RPC_ENTRY
I_RpcExceptionPop(RPC_EXCEPTION_FRAME *frame)
{
    if (top == frame)
        top = frame->prev;
}

RPC_EXPORT void RPC_ENTRY
RpcRaiseException(RPC_STATUS exception)
{
    RPC_EXCEPTION_FRAME *f = top;

    if (f == NULL) {
        /* Windows would end the process with an unhandled exception; a
         * library must not, so only this thread ends. */
        fprintf(stderr, "rpcrt: unhandled RPC exception %ld; ending thread\n",
                (long)exception);
        pthread_exit(NULL);
    }
    top = f->prev;
    f->code = (unsigned long)exception;
    f->raised = 1;
    longjmp(f->jb, 1);
}
