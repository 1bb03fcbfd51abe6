/*
 * faultinject.c - an LD_PRELOAD library that makes one chosen system call
 * fail, in the manner of jq's I/O error tests.
 *
 *   MSP_FAULT=CALL:N[:ERRNO]   the N-th call (1-based) of CALL fails with ERRNO
 *                              (default EIO).  CALL: read write (and writev)
 *                              pwrite fsync fdatasync close open; or mmapshrink:
 *                              the N-th mmap of a file succeeds, and the file
 *                              is then truncated to 0 bytes, as another process
 *                              truncating it would (a touch of the mapping
 *                              raises SIGBUS)
 *   MSP_FAULT_FD=FD            count only calls on this descriptor (read, write,
 *                              pwrite, fsync, fdatasync, close)
 *   MSP_FAULT_ALL=1            every call from the N-th on fails, not only the N-th
 *   MSP_FAULT_PATH=TEXT        count only calls on descriptors whose file's path
 *                              (/proc/self/fd) contains TEXT (open: the path given),
 *                              so a test can aim at mssave's sample file and not
 *                              at SQLite's own files
 *
 * The process prints nothing extra; the tool under test must notice.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static char which[32];
static long target = -1, count;
static int fault_errno = EIO, only_fd = -1, all;
static long delay_ms;
static int inited;
static const char *only_path;

static void init(void)
{
	if (inited)
		return;
	inited = 1;
	const char *s = getenv("MSP_FAULT");
	if (!s || !*s)
		return;
	const char *c1 = strchr(s, ':');
	if (!c1 || (size_t)(c1 - s) >= sizeof which)
		return;
	memcpy(which, s, (size_t)(c1 - s));
	target = strtol(c1 + 1, NULL, 10);
	const char *c2 = strchr(c1 + 1, ':');
	if (c2) {
		if (strcmp(c2 + 1, "ENOSPC") == 0) fault_errno = ENOSPC;
		else if (strcmp(c2 + 1, "EPIPE") == 0) fault_errno = EPIPE;
		else if (strcmp(c2 + 1, "EACCES") == 0) fault_errno = EACCES;
		else if (strcmp(c2 + 1, "EDQUOT") == 0) fault_errno = EDQUOT;
		else fault_errno = EIO;
	}
	const char *fd = getenv("MSP_FAULT_FD");
	if (fd && *fd)
		only_fd = atoi(fd);
	all = getenv("MSP_FAULT_ALL") != NULL;
	const char *d = getenv("MSP_FAULT_DELAY_MS");
	if (d && *d)
		delay_ms = strtol(d, NULL, 10);
	only_path = getenv("MSP_FAULT_PATH");
	if (only_path && !*only_path)
		only_path = NULL;
}

/* Does descriptor fd (or, with fd < 0, the path given) name a file whose
 * path contains only_path? */
static int path_matches(int fd, const char *path)
{
	if (!only_path)
		return 1;
	char link[64], target[4096];
	if (fd >= 0) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		path = target;
	}
	return path && strstr(path, only_path) != NULL;
}

/* Should this call fail (1), or return late (2: fsync, fdatasync)? */
static int hit_path(const char *call, int fd, const char *path)
{
	init();
	if (target < 1 || strcmp(call, which) != 0)
		return 0;
	if (only_fd >= 0 && fd != only_fd)
		return 0;
	if (!path_matches(fd, path))
		return 0;
	count++;
	if (!(all ? count >= target : count == target))
		return 0;
	return delay_ms > 0 ? 2 : 1;
}

/* A call that hit with a delay (2): return r late, errno intact. */
static int late(int r)
{
	int e = errno;
	struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	errno = e;
	return r;
}

static int hit(const char *call, int fd) { return hit_path(call, fd, NULL); }

#define REAL(name) static __typeof__(name) *real_##name; \
	if (!real_##name) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t read(int fd, void *buf, size_t n)
{
	REAL(read);
	if (hit("read", fd) == 1) { errno = fault_errno; return -1; }
	return real_read(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write);
	if (hit("write", fd) == 1) { errno = fault_errno; return -1; }
	return real_write(fd, buf, n);
}

/* writev is a write: the stream writer sends long runs with it */
ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	REAL(writev);
	if (hit("write", fd) == 1) { errno = fault_errno; return -1; }
	return real_writev(fd, iov, iovcnt);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);
	if (hit("pwrite", fd) == 1) { errno = fault_errno; return -1; }
	return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite64);
	if (hit("pwrite", fd) == 1) { errno = fault_errno; return -1; }
	return real_pwrite64(fd, buf, n, off);
}

int fsync(int fd)
{
	REAL(fsync);
	int h = hit("fsync", fd);
	if (h == 1) { errno = fault_errno; return -1; }
	return h == 2 ? late(real_fsync(fd)) : real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	int h = hit("fdatasync", fd);
	if (h == 1) { errno = fault_errno; return -1; }
	return h == 2 ? late(real_fdatasync(fd)) : real_fdatasync(fd);
}

int close(int fd)
{
	REAL(close);
	if (hit("close", fd) == 1) {
		real_close(fd); /* release it anyway, as a failed NFS close does */
		errno = fault_errno;
		return -1;
	}
	return real_close(fd);
}

int open(const char *path, int flags, ...)
{
	REAL(open);
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (hit_path("open", -1, path) == 1) { errno = fault_errno; return -1; }
	return real_open(path, flags, mode);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	REAL(mmap);
	void *p = real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && fd >= 0 && hit("mmapshrink", fd)) {
		char link[64], path[4096];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, path, sizeof path - 1);
		if (n > 0) {
			path[n] = '\0';
			if (truncate(path, 0) != 0)
				abort(); /* the test's premise failed: say so loudly */
		}
	}
	return p;
}
