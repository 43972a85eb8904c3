/* writefile: creates/truncates argv[1] and writes "written by writefile\n" into it.
 *   success: "written\n" on stdout, exit 0
 *   failure: "write failed: <strerror(errno)>\n" on stderr, exit 4
 *   no argument: "usage: writefile PATH\n" on stderr, exit 2
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char content[] = "written by writefile\n";

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs("usage: writefile PATH\n", stderr);
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, content, sizeof content - 1) != (ssize_t)(sizeof content - 1)
        || close(fd) != 0) {
        fprintf(stderr, "write failed: %s\n", strerror(errno));
        return 4;
    }
    fputs("written\n", stdout);
    return 0;
}
