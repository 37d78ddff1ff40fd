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
// It calls libc syscall(2) itself (C ABI; the function pointers are in
// runtime/cgo's x_cgo_libcsyscall, gcc_libcsyscall_linux_amd64.c) and
// returns the kernel convention: libc's -1/errno becomes -errno. errno is
// preserved for the C code around us (saved before, restored after; libc
// sets it only on failure, which it reports as exactly -1; it is cleared
// before the call so that a layer returning -1 without setting errno reads
// as -1, EPERM). On a goroutine stack the C calls run on the g0 stack with
// g = g0, the switch asmcgocall makes (the same steps, in line, no argument
// block); on g0, gsignal or with no g (signal handlers, non-Go threads)
// they are made in place, so NOSPLIT callers (and signal handlers) are
// safe. Return stack depth matters more than instructions here: every
// return pending across the kernel entry is mispredicted (see the return
// at the end), so there is no helper call around the C call and no RET.
//
// While the C code runs for a goroutine or g0, m.vdsoPC/m.vdsoSP hold the
// caller's PC and SP, as nanotime1 does around its vDSO call: a signal
// arriving inside libc (SIGPROF, or a fatal signal such as a tgkill'ed
// SIGSEGV) is traced back from the Go caller instead of the C PC, which
// the runtime cannot unwind ("runtime: g 0: unknown pc"). Unlike
// nanotime1, the old values are not saved: they are 0 here, because the
// only code that can run on this thread while the C code runs is a signal
// handler, which runs on gsignal (sigtrampgo switches g to gsignal), and
// on gsignal this path records nothing (the handler's own system calls,
// e.g. a crash's write or raise, leave the interrupted call's values
// alone); nanotime1, which does save them, restores them. So the values
// are set before the C code and cleared after it.
//
// Frame: 0 outgoing sixth C argument (calls in place); 8 &errno;
//        16..56 saved DI SI DX R10 R8 R9 (arguments 1..6); 64 saved AX
//        (number); 72, 80 unused; 88 saved errno;
//        96 saved BX; 104..120 R12 R13 R15 (runtimesecret only:
//        secretEraseRegisters clears them; saved on every call then). The prologue the assembler
//        adds (PUSHQ BP; MOVQ SP, BP) makes BP point at the saved BP, so
//        the return PC is 8(BP) and the caller's SP is 16(BP) (addressed
//        via BP: vet's asmdecl rejects SP offsets beyond the frame). BX =
//        SP of this frame from the start to the end (SP itself moves: g0
//        stack, ADJSP); the C code preserves BX.
//
// CCALL: the C ABI calls, with SP 16-byte aligned and a free slot at
// 0(SP): AX = __errno_location(), errno saved and cleared; syscall(2) with
// the number in DI, arguments 1..5 in SI DX CX R8 R9, argument 6 at 0(SP),
// AL = 0 (variadic: no vector registers). The C code keeps BX BP R12-R15
// and clobbers AX CX DX SI DI R8-R11 (restored from the frame at the end).
#define CCALL \
	MOVQ	_cgo_libcsyscall(SB), AX; \
	MOVQ	8(AX), AX; \
	CALL	AX; \
	MOVQ	AX, 8(BX); \
	MOVL	(AX), CX; \
	MOVL	CX, 88(BX); \
	MOVL	$0, (AX); \
	MOVQ	64(BX), DI; \
	MOVQ	16(BX), SI; \
	MOVQ	24(BX), DX; \
	MOVQ	32(BX), CX; \
	MOVQ	40(BX), R8; \
	MOVQ	48(BX), R9; \
	MOVQ	56(BX), AX; \
	MOVQ	AX, 0(SP); \
	MOVQ	_cgo_libcsyscall(SB), R10; \
	MOVQ	0(R10), R10; \
	XORL	AX, AX; \
	CALL	R10

// ERRNO: back on this frame with AX = libc's result: -1 becomes -errno,
// errno gets its old value back.
#define ERRNO \
	MOVQ	8(SP), CX; \
	CMPQ	AX, $-1; \
	JNE	6(PC); \
	MOVL	(CX), DX; \
	TESTL	DX, DX; \
	JEQ	3(PC); \
	NEGL	DX; \
	MOVLQSX	DX, AX; \
	MOVL	88(SP), DX; \
	MOVL	DX, (CX)

TEXT runtime·libcsyscall(SB),NOSPLIT,$128-0
	MOVQ	DI, 16(SP)
	MOVQ	SI, 24(SP)
	MOVQ	DX, 32(SP)
	MOVQ	R10, 40(SP)
	MOVQ	R8, 48(SP)
	MOVQ	R9, 56(SP)
	MOVQ	AX, 64(SP)
	MOVQ	BX, 96(SP)
#ifdef GOEXPERIMENT_runtimesecret
	MOVQ	R12, 104(SP)
	MOVQ	R13, 112(SP)
	MOVQ	R15, 120(SP)
#endif
	MOVQ	SP, BX
	CMPQ	_cgo_libcsyscall(SB), $0
	JEQ	nolibc
	get_tls(CX)
	MOVQ	g(CX), R8
	TESTQ	R8, R8
	JZ	nog
	MOVQ	g_m(R8), R9
	// On gsignal: no stack switch, no vdsoPC/vdsoSP (see above); the C
	// code is called in place like with no g.
	CMPQ	R8, m_gsignal(R9)
	JEQ	nog
	// Set vdsoPC and vdsoSP for tracebacks (see above).
	MOVQ	8(BP), R10	// return PC (above the saved BP, see the frame layout)
	MOVQ	R10, m_vdsoPC(R9)
	LEAQ	16(BP), R10	// caller's SP
	MOVQ	R10, m_vdsoSP(R9)
	// On g0 no stack switch is needed: call the C function from here,
	// aligning SP with ADJSP, which the assembler records (asmcgocall
	// aligns with ANDQ, which the unwind tables cannot describe: debuggers
	// lost the frames above it, e.g. in a crash's raise).
	MOVQ	m_g0(R9), R10
	CMPQ	R8, R10
	JEQ	direct

	// On a goroutine stack: switch to g0 as asmcgocall does
	// (gosave_systemstack_switch, g = g0, SP = g0.sched.sp, 16-byte
	// alignment), in line: g.sched names systemstack_switch with SP
	// pointing at this function's return PC, so unwinding from g.sched
	// continues in the caller (this frame is skipped). No depth is kept,
	// unlike asmcgocall: no Go code runs on this goroutine (no callback)
	// while it is away, so its stack cannot move; BX (kept by C) brings SP
	// back.
#ifdef GOEXPERIMENT_runtimesecret
	// As asmcgocall: clear the registers before C code runs for a
	// goroutine in runtime/secret.Do (it may spill them). Everything
	// the C calls need is in the frame; secretEraseRegisters also clears
	// R12 R13 R15 (saved at the start in this experiment) and BX (saved
	// above), which SYSCALL preserves.
	CMPL	g_secret(R8), $0
	JEQ	nosecret
	CALL	·secretEraseRegisters(SB)
	MOVQ	SP, BX
	get_tls(CX)
	MOVQ	g(CX), R8
	MOVQ	g_m(R8), R10
	MOVQ	m_g0(R10), R10
nosecret:
#endif
	MOVQ	$runtime·systemstack_switch+8(SB), R9
	MOVQ	R9, (g_sched+gobuf_pc)(R8)
	LEAQ	8(BP), R9
	MOVQ	R9, (g_sched+gobuf_sp)(R8)
	MOVQ	BP, (g_sched+gobuf_bp)(R8)
	MOVQ	R10, g(CX)
	MOVQ	(g_sched+gobuf_sp)(R10), SP
	// Now on the g0 stack (a pthread-created stack).
	SUBQ	$32, SP
	ANDQ	$~15, SP	// alignment for the C ABI
	MOVQ	R8, 8(SP)	// save g
	CCALL
	get_tls(CX)
	MOVQ	8(SP), R8
	MOVQ	R8, g(CX)
	MOVQ	BX, SP
	JMP	restoreg

nolibc:
	// runtime/cgo is not linked: cannot happen when the go command and the
	// linker enforce cgo + external linking for this experiment.
	CALL	runtime·abort(SB)
	RET
direct:
	TESTQ	$8, SP
	JNZ	odd
	CCALL
	JMP	restoreg
odd:
	ADJSP	$8
	CCALL
	ADJSP	$-8
restoreg:
	ERRNO
	// Same g and m as before the call. vdsoSP first: a SIGPROF between
	// the two stores finds vdsoSP 0 and ignores vdsoPC.
	get_tls(CX)
	MOVQ	g(CX), R8
	MOVQ	g_m(R8), R9
	MOVQ	$0, m_vdsoSP(R9)
	MOVQ	$0, m_vdsoPC(R9)
	JMP	done
nog:
	// No g (non-Go thread, thread start/teardown: no m to record in) or
	// gsignal (see above): call in place.
	TESTQ	$8, SP
	JNZ	nogodd
	CCALL
	JMP	nogerrno
nogodd:
	ADJSP	$8
	CCALL
	ADJSP	$-8
nogerrno:
	ERRNO
done:
	MOVQ	16(SP), DI
	MOVQ	24(SP), SI
	MOVQ	32(SP), DX
	MOVQ	40(SP), R10
	MOVQ	48(SP), R8
	MOVQ	56(SP), R9
	MOVQ	96(SP), BX
#ifdef GOEXPERIMENT_runtimesecret
	MOVQ	104(SP), R12
	MOVQ	112(SP), R13
	MOVQ	120(SP), R15
#endif
	PXOR	X15, X15
	// Return with an indirect jump, not RET: this return is pending
	// across the kernel entry, and the kernel leaves the return stack
	// buffer useless (RSB filling, SRSO safe RET), so a RET here is
	// mispredicted on every call (~7 ns on this machine, see the README's
	// "Per-call cost"); the indirect jump is predicted from its own
	// history (one target per call site). The epilogue the assembler
	// would put before RET, by hand: frame, saved BP, return PC (CX is
	// clobbered, as by SYSCALL). Must stay the last instructions of the
	// function: the assembler's SP bookkeeping runs in text order.
	ADJSP	$-128
	POPQ	BP
	POPQ	CX
	JMP	CX
