// Copyright 2026 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build goexperiment.libcsyscall

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

// Argument block of runtime.libcsyscall; keep in sync with
// runtime/libcsyscall_on.go (libcsyscallArgs).
struct libcsyscall_args {
	uintptr_t num, a1, a2, a3, a4, a5, a6;
	intptr_t ret;
};

// x_cgo_libcsyscall is called by runtime.libcsyscall through asmcgocall,
// on the g0 or signal stack. It performs the system call through libc
// syscall(2) and returns the kernel convention (value or -errno) so the
// Go side is unchanged. errno is preserved for the C code around us.
// Must stay async-signal-safe (called from signal handlers).
void
x_cgo_libcsyscall(struct libcsyscall_args *a)
{
	int saved = errno;
	long r;

	errno = 0;
	r = syscall((long)a->num, a->a1, a->a2, a->a3, a->a4, a->a5, a->a6);
	if (r == -1 && errno != 0) {
		r = -errno;
	}
	a->ret = (intptr_t)r;
	errno = saved;
}

// x_cgo_clock_gettime replaces the vDSO clock_gettime symbol; called by
// runtime.nanotime1 and time.now on the g0/signal stack with the C ABI.
int
x_cgo_clock_gettime(clockid_t id, struct timespec *ts)
{
	return clock_gettime(id, ts);
}
