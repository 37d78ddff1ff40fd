// Copyright 2026 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build goexperiment.libcsyscall

package cgo

// Import "unsafe" because we use go:linkname.
import _ "unsafe"

// GOEXPERIMENT=libcsyscall: the runtime's system calls (runtime.libcsyscall)
// and clocks go through these C symbols (gcc_libcsyscall_linux_amd64.c):
// x_cgo_libcsyscall is a table of two libc function pointers (syscall,
// __errno_location), x_cgo_clock_gettime a function.

//go:cgo_import_static x_cgo_libcsyscall
//go:linkname x_cgo_libcsyscall x_cgo_libcsyscall
//go:linkname _cgo_libcsyscall _cgo_libcsyscall
var x_cgo_libcsyscall byte
var _cgo_libcsyscall = &x_cgo_libcsyscall

//go:cgo_import_static x_cgo_clock_gettime
//go:linkname x_cgo_clock_gettime x_cgo_clock_gettime
//go:linkname _cgo_clock_gettime _cgo_clock_gettime
var x_cgo_clock_gettime byte
var _cgo_clock_gettime = &x_cgo_clock_gettime
