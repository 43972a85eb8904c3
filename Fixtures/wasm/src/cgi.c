/* cgi: a WAGI (CGI over WASI) handler; dispatches on PATH_INFO.
 * Unset variables read as "". Every route exits 0 except /fail.
 *   "" or "/hello"  Content-Type: text/plain\n\nHello from WAGI <REQUEST_METHOD> <PATH_INFO> ?<QUERY_STRING>\n
 *   "/echo"         Content-Type: application/octet-stream\n\n<stdin copied verbatim until EOF>
 *   "/missing"      Status: 404 Not Found\nContent-Type: text/plain\n\nno such thing\n
 *   "/redirect"     Location: /apps/x/hello\n\n
 *   "/headers"      Content-Type: text/plain\n\n<NAME>=<value>\n for each HTTP_* variable,
 *                   sorted by NAME (byte-wise)
 *   "/argv"         Content-Type: text/plain\n\n<argv[0..argc-1] joined by one space>\n
 *   "/fail"         Content-Type: text/plain\n\nfailing\n then exit code 1
 *   anything else   Status: 500 Internal Server Error\nContent-Type: text/plain\n\nunknown path <PATH_INFO>\n
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v ? v : "";
}

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

static void print_http_headers(void) {
    size_t n = 0, k = 0;
    while (environ && environ[n]) n++;
    char **hs = malloc((n + 1) * sizeof *hs);
    if (!hs) exit(1);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "HTTP_", 5) == 0)
            hs[k++] = environ[i];
    qsort(hs, k, sizeof *hs, name_cmp);
    for (size_t i = 0; i < k; i++)
        printf("%s\n", hs[i]);
    free(hs);
}

int main(int argc, char **argv) {
    const char *path = env("PATH_INFO");

    if (path[0] == '\0' || strcmp(path, "/hello") == 0) {
        printf("Content-Type: text/plain\n\nHello from WAGI %s %s ?%s\n",
               env("REQUEST_METHOD"), path, env("QUERY_STRING"));
    } else if (strcmp(path, "/echo") == 0) {
        fputs("Content-Type: application/octet-stream\n\n", stdout);
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, stdin)) > 0)
            fwrite(buf, 1, got, stdout);
    } else if (strcmp(path, "/missing") == 0) {
        fputs("Status: 404 Not Found\nContent-Type: text/plain\n\nno such thing\n", stdout);
    } else if (strcmp(path, "/redirect") == 0) {
        fputs("Location: /apps/x/hello\n\n", stdout);
    } else if (strcmp(path, "/headers") == 0) {
        fputs("Content-Type: text/plain\n\n", stdout);
        print_http_headers();
    } else if (strcmp(path, "/argv") == 0) {
        fputs("Content-Type: text/plain\n\n", stdout);
        for (int i = 0; i < argc; i++)
            printf(i ? " %s" : "%s", argv[i]);
        fputc('\n', stdout);
    } else if (strcmp(path, "/fail") == 0) {
        fputs("Content-Type: text/plain\n\nfailing\n", stdout);
        fflush(stdout);
        return 1;
    } else {
        printf("Status: 500 Internal Server Error\nContent-Type: text/plain\n\nunknown path %s\n", path);
    }
    fflush(stdout);
    return 0;
}
