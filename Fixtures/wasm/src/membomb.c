/* membomb: allocates 1 MiB blocks forever, touching each one with memset.
 * When malloc returns NULL (memory.grow refused), writes
 * "malloc failed after N MiB\n" to stderr (N = blocks obtained) and calls abort(),
 * which in wasi-libc is a trap (`unreachable`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Publishing each block through a volatile pointer keeps clang from deleting
 * the malloc/memset pairs as dead stores. */
static void *volatile last_block;

int main(void) {
    for (unsigned long mib = 0;; mib++) {
        void *p = malloc(1 << 20);
        if (!p) {
            fprintf(stderr, "malloc failed after %lu MiB\n", mib);
            abort();
        }
        memset(p, 0xA5, 1 << 20);
        last_block = p;
    }
}
