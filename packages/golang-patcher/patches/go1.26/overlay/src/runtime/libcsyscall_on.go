// Copyright 2026 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// GOEXPERIMENT=libcsyscall (confidential golang-patcher): every system call
// of Go code on linux/amd64 goes through the C library.

//go:build goexperiment.libcsyscall && linux && amd64

package runtime

import "unsafe"

const libcSyscall = true

// _cgo_libcsyscall points at x_cgo_libcsyscall in runtime/cgo (C): the
// addresses of libc's syscall(2) and __errno_location, which
// runtime.libcsyscall calls (sys_libcsyscall_linux_amd64.s). runtime/cgo is
// always linked in this mode (cmd/go adds it, cmd/link forces external
// linking).
//
//go:linkname _cgo_libcsyscall _cgo_libcsyscall
var _cgo_libcsyscall unsafe.Pointer

// _cgo_clock_gettime points at x_cgo_clock_gettime (libc clock_gettime);
// nanotime1 and time.now call it instead of the vDSO symbol.
//
//go:linkname _cgo_clock_gettime _cgo_clock_gettime
var _cgo_clock_gettime unsafe.Pointer

// libcsyscall replaces the SYSCALL instruction (see
// sys_libcsyscall_linux_amd64.s); it is only called from assembly, with the
// SYSCALL register convention, never from Go.
func libcsyscall()
