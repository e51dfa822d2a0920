/* tests/check_main.c -- runs every proto suite; CK_RUN_SUITE=name runs
 * one (a Check feature). */
#include <stdlib.h>

#include "tests/tests.h"

int
main(void)
{
    SRunner *sr = srunner_create(ndr_suite());
    srunner_add_suite(sr, pdu_suite());
    srunner_add_suite(sr, vectors_suite());
    srunner_add_suite(sr, mutate_suite());
    srunner_add_suite(sr, uuid_suite());
    srunner_add_suite(sr, status_suite());
    srunner_add_suite(sr, strbind_suite());
    srunner_add_suite(sr, tower_suite());
    srunner_add_suite(sr, epm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
