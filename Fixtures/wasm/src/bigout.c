/* bigout: writes N MiB (N = atoi(argv[1]), default 8; N <= 0 writes nothing) of the byte
 * 'x' to stdout, exactly N * 1048576 bytes, no newline, then exits 0. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 8;
    memset(buf, 'x', sizeof buf);
    long long left = mib > 0 ? (long long)mib << 20 : 0;
    while (left > 0) {
        size_t chunk = left < (long long)sizeof buf ? (size_t)left : sizeof buf;
        ssize_t put = write(1, buf, chunk);
        if (put <= 0) return 1;
        left -= put;
    }
    return 0;
}
