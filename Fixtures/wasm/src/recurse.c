/* recurse: non-tail recursion whose frames live in wasm locals and the value stack,
 * not in linear memory, so it exhausts the engine's call stack.
 *   recurse        unbounded: never returns; ends in a call-stack-exhausted trap
 *   recurse N      recurses N levels deep, then prints "returned from depth N\n", exit 0
 */
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned limit; /* 0 = unbounded; volatile so clang cannot reason about it */
static volatile unsigned salt = 1;

__attribute__((noinline)) static unsigned dive(unsigned depth) {
    if (limit != 0 && depth >= limit)
        return salt;
    unsigned below = dive(depth + 1);
    /* The result is combined with a volatile read after the call returns, so the call
     * is not in tail position and cannot be turned into a loop. */
    return below * 31u + depth + salt;
}

int main(int argc, char **argv) {
    limit = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
    unsigned r = dive(0);
    if (r == 0x7fffffffu) /* keep r live; practically never true */
        puts("?");
    printf("returned from depth %u\n", limit);
    return 0;
}
