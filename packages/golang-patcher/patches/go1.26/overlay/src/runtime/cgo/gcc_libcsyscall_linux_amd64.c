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

// x_cgo_libcsyscall: the two libc functions runtime.libcsyscall calls
// itself (C ABI, on the g0 or signal stack): syscall(2), and
// __errno_location (the C ABI's errno, glibc and musl) to turn -1/errno
// back into -errno and to preserve errno for the C code around us.
// Keep in sync with sys_libcsyscall_linux_amd64.s (offsets 0 and 8).
// Initialised statically, like the other _cgo_ pointers, so that it works
// from the first instruction.
struct x_cgo_libcsyscall_fns {
	long (*syscall)(long, ...);
	int *(*errno_location)(void);
};
const struct x_cgo_libcsyscall_fns x_cgo_libcsyscall = {
	syscall,
	__errno_location,
};

// x_cgo_clock_gettime replaces the vDSO clock_gettime symbol; called by
// runtime.nanotime1 and time.now on the g0/signal stack with the C ABI.
int
x_cgo_clock_gettime(clockid_t id, struct timespec *ts)
{
	return clock_gettime(id, ts);
}
