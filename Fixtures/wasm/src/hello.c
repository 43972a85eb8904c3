/* hello: prints exactly "hello, world\n" and exits 0. */
#include <stdio.h>

int main(void) {
    fputs("hello, world\n", stdout);
    return 0;
}
