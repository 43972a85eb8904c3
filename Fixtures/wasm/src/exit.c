/* exit: writes "exiting with N\n" to stderr, then exits with code N = atoi(argv[1])
 * (0 when argv[1] is absent). Nothing on stdout. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 0;
    fprintf(stderr, "exiting with %d\n", code);
    exit(code);
}
