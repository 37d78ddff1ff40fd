// Copyright 2026 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build goexperiment.libcsyscall

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"

// runtime·libcsyscall replaces the SYSCALL instruction when
// GOEXPERIMENT=libcsyscall: the assembler (cmd/internal/obj/x86 progedit)
// rewrites every SYSCALL of Go assembly into CALL runtime·libcsyscall(SB).
//
// Register contract = the SYSCALL instruction's:
//   in:  AX = number, DI SI DX R10 R8 R9 = arguments 1..6
//   out: AX = result, or -errno (in [-4095, -1]) on failure
//   clobbered: CX, R11 (as by SYSCALL); X15 is re-zeroed (ABIInternal
//   callers such as internal/runtime/syscall/linux.Syscall6 rely on it);
//   every other general register is preserved.
//
// The C side (runtime/cgo x_cgo_libcsyscall) calls libc syscall(2) and
// turns -1/errno back into -errno. On a goroutine stack asmcgocall moves to
// the g0 stack; on g0, gsignal or with no g the C function is called in
// place, so NOSPLIT callers (and signal handlers) are safe.
//
// While the C function runs with a g, m.vdsoPC/m.vdsoSP hold the caller's
// PC and SP, exactly as nanotime1 does around its vDSO call (old values
// saved and restored, so this is reentrant from signal handlers): a signal
// arriving inside libc (SIGPROF, or a fatal signal such as a tgkill'ed
// SIGSEGV) is traced back from the Go caller instead of the C PC, which
// the runtime cannot unwind ("runtime: g 0: unknown pc").
//
// Frame: 0..23 asmcgocall arguments (fn, arg, ret int32);
//        24..87 libcsyscallArgs (num, a1..a6, ret); 88 saved BX;
//        96 saved m.vdsoPC, 104 saved m.vdsoSP. The prologue the assembler
//        adds (PUSHQ BP; MOVQ SP, BP) makes BP point at the saved BP, so the
//        return PC is 8(BP) and the caller's SP is 16(BP) (addressed via BP:
//        vet's asmdecl rejects SP offsets beyond the frame).
TEXT runtime·libcsyscall(SB),NOSPLIT,$112-0
	MOVQ	AX, (24+libcsyscallArgs_num)(SP)
	MOVQ	DI, (24+libcsyscallArgs_a1)(SP)
	MOVQ	SI, (24+libcsyscallArgs_a2)(SP)
	MOVQ	DX, (24+libcsyscallArgs_a3)(SP)
	MOVQ	R10, (24+libcsyscallArgs_a4)(SP)
	MOVQ	R8, (24+libcsyscallArgs_a5)(SP)
	MOVQ	R9, (24+libcsyscallArgs_a6)(SP)
	MOVQ	BX, 88(SP)
	MOVQ	_cgo_libcsyscall(SB), AX
	TESTQ	AX, AX
	JZ	nolibc
	LEAQ	24(SP), DI	// arg (C ABI: first argument in DI)
	get_tls(CX)
	MOVQ	g(CX), R8
	TESTQ	R8, R8
	JZ	nog
	MOVQ	g_m(R8), R9
	// Set vdsoPC and vdsoSP for tracebacks (see above).
	MOVQ	m_vdsoPC(R9), R10
	MOVQ	R10, 96(SP)
	MOVQ	m_vdsoSP(R9), R10
	MOVQ	R10, 104(SP)
	MOVQ	8(BP), R10	// return PC (above the saved BP, see the frame layout)
	MOVQ	R10, m_vdsoPC(R9)
	LEAQ	16(BP), R10	// caller's SP
	MOVQ	R10, m_vdsoSP(R9)
	// On g0 or gsignal no stack switch is needed: call the C function from
	// here, aligning SP with ADJSP, which the assembler records (asmcgocall
	// aligns with ANDQ, which the unwind tables cannot describe: debuggers
	// lost the frames above it, e.g. in a crash's raise).
	CMPQ	R8, m_gsignal(R9)
	JEQ	direct
	CMPQ	R8, m_g0(R9)
	JEQ	direct
	MOVQ	AX, 0(SP)	// fn
	MOVQ	DI, 8(SP)	// arg
	CALL	runtime·asmcgocall(SB)
	JMP	restore
direct:
	TESTQ	$8, SP
	JNZ	odd
	CALL	AX
	JMP	restore
odd:
	ADJSP	$8
	CALL	AX
	ADJSP	$-8
restore:
	// The C code clobbered R8-R11; same g and m as before the call.
	get_tls(CX)
	MOVQ	g(CX), R8
	MOVQ	g_m(R8), R9
	MOVQ	96(SP), R10
	MOVQ	R10, m_vdsoPC(R9)
	MOVQ	104(SP), R10
	MOVQ	R10, m_vdsoSP(R9)
	JMP	done
nog:
	// No g (non-Go thread, thread start/teardown): no m to record in.
	TESTQ	$8, SP
	JNZ	nogodd
	CALL	AX
	JMP	done
nogodd:
	ADJSP	$8
	CALL	AX
	ADJSP	$-8
done:
	MOVQ	(24+libcsyscallArgs_a1)(SP), DI
	MOVQ	(24+libcsyscallArgs_a2)(SP), SI
	MOVQ	(24+libcsyscallArgs_a3)(SP), DX
	MOVQ	(24+libcsyscallArgs_a4)(SP), R10
	MOVQ	(24+libcsyscallArgs_a5)(SP), R8
	MOVQ	(24+libcsyscallArgs_a6)(SP), R9
	MOVQ	88(SP), BX
	MOVQ	(24+libcsyscallArgs_ret)(SP), AX
	PXOR	X15, X15
	RET
nolibc:
	// runtime/cgo is not linked: cannot happen when the go command and the
	// linker enforce cgo + external linking for this experiment.
	CALL	runtime·abort(SB)
	RET
