/* tests/check_rpc_main.c -- the runner of the loopback suites (client,
 * cancellation and asynchronous calls against a real rpctest-server),
 * and of libclient's lock, message buffers and handle pins. */
#include <stdlib.h>

#include "tests/tests.h"

int
main(void)
{
    SRunner *sr = srunner_create(client_suite());
    srunner_add_suite(sr, cancel_suite());
    srunner_add_suite(sr, except_suite());
    srunner_add_suite(sr, async_suite());
    srunner_add_suite(sr, lock_suite());
    srunner_add_suite(sr, buf_suite());
    srunner_add_suite(sr, handle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
