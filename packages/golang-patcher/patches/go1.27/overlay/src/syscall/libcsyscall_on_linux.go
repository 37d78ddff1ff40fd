// Copyright 2026 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build goexperiment.libcsyscall && amd64

package syscall

// libcSyscall: GOEXPERIMENT=libcsyscall. Every SYSCALL instruction is a
// call into libc syscall(2) on the system stack, so the vfork trick of
// rawVforkSyscall (child borrowing the parent's stack) is not safe: the
// child would return through C frames the parent later returns through.
// fork/exec therefore uses fork semantics (clone without CLONE_VM and
// CLONE_VFORK): correct, slower for very large heaps.
const libcSyscall = true
