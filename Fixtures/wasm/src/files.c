/* files: copies the file argv[1] to stdout.
 *   success: file contents on stdout, exit 0
 *   open fails: "open failed: <strerror(errno)>\n" on stderr, exit 3
 *   read fails (e.g. a directory): "read failed: <strerror(errno)>\n" on stderr, exit 3
 *   no argument: "usage: files PATH\n" on stderr, exit 2
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs("usage: files PATH\n", stderr);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "open failed: %s\n", strerror(errno));
        return 3;
    }
    char buf[4096];
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got == 0) break;
        if (got < 0) {
            fprintf(stderr, "read failed: %s\n", strerror(errno));
            return 3;
        }
        for (ssize_t off = 0; off < got;) {
            ssize_t put = write(1, buf + off, (size_t)(got - off));
            if (put < 0) return 1;
            off += put;
        }
    }
    close(fd);
    return 0;
}
