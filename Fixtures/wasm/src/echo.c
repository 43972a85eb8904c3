/* echo: reports argv, the environment and stdin, then exits with $EXIT_CODE.
 *
 * stdout, in this order:
 *   "arg[i]=<argv[i]>\n"       for i = 1 .. argc-1
 *   "env <NAME>=<value>\n"     for every environment variable, sorted by NAME
 *                              (byte-wise strcmp of the part before the first '=')
 *   "stdin=<stdin bytes verbatim>\n"
 * exit code: atoi(getenv("EXIT_CODE")) if EXIT_CODE is set, else 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int name_cmp(const void *pa, const void *pb) {
    const unsigned char *a = *(const unsigned char *const *)pa;
    const unsigned char *b = *(const unsigned char *const *)pb;
    for (;; a++, b++) {
        unsigned ca = (*a == '=') ? 0 : *a;
        unsigned cb = (*b == '=') ? 0 : *b;
        if (ca != cb) return ca < cb ? -1 : 1;
        if (ca == 0) return 0;
    }
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);

    size_t n = 0;
    while (environ && environ[n]) n++;
    if (n) {
        char **sorted = malloc(n * sizeof *sorted);
        if (!sorted) return 1;
        memcpy(sorted, environ, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, name_cmp);
        for (size_t i = 0; i < n; i++)
            printf("env %s\n", sorted[i]);
        free(sorted);
    }

    fputs("stdin=", stdout);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, stdin)) > 0)
        fwrite(buf, 1, got, stdout);
    fputc('\n', stdout);
    fflush(stdout);

    const char *code = getenv("EXIT_CODE");
    return code ? atoi(code) : 0;
}
