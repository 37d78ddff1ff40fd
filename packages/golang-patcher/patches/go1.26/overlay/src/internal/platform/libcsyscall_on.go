// Copyright 2026 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build goexperiment.libcsyscall

package platform

// libcSyscall: built with GOEXPERIMENT=libcsyscall, whose linux/amd64 programs
// call libc for every system call and so must link externally (a build tag,
// not internal/goexperiment: this package may import nothing).
const libcSyscall = true
