/*
 * ccat.c - the baseline of bench_passthrough.sh: a plain C cat with the same
 * I/O block (1 MiB) and pipe size (1 MiB) as the mspipe record stream, so
 * that the ratio measures what parsing and checking records costs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK (1024 * 1024)

static void raise_pipe(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, BLOCK);
}

int main(void)
{
	char *buf = malloc(BLOCK);
	if (!buf)
		return 1;
	raise_pipe(0);
	raise_pipe(1);
	for (;;) {
		ssize_t n = read(0, buf, BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("ccat: read");
			return 1;
		}
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(1, buf + off, (size_t)(n - off));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				perror("ccat: write");
				return 1;
			}
			off += k;
		}
	}
}
