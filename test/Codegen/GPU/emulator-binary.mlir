// RUN: retnet-opt %s --retnet-gpu-module-to-emulator-binary -split-input-file -verify-diagnostics | FileCheck %s

// An NVVM-level kernel module becomes a gpu.binary holding the emulator's
// object (magic RNEMU001, the kernel table, SPIR-V), for the same target.
// CHECK: gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_80">, bin = "RNEMU001
// CHECK-NOT: gpu.module
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @copy(%src: !llvm.ptr, %dst: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %tid = nvvm.read.ptx.sreg.tid.x : i32
    %p = llvm.getelementptr %src[%tid] : (!llvm.ptr, i32) -> !llvm.ptr, f32
    %x = llvm.load %p : !llvm.ptr -> f32
    %e = llvm.call @__nv_expf(%x) : (f32) -> f32
    %q = llvm.getelementptr %dst[%tid] : (!llvm.ptr, i32) -> !llvm.ptr, f32
    llvm.store %e, %q : f32, !llvm.ptr
    llvm.return
  }
  llvm.func @__nv_expf(f32) -> f32
}

// -----

// An intrinsic without a shim is an error, never skipped.
// expected-error @+1 {{the GPU emulator has no shim for NVVM intrinsic 'llvm.nvvm.read.ptx.sreg.clock'}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @clock(%dst: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %c = nvvm.read.ptx.sreg.clock : i32
    llvm.store %c, %dst : i32, !llvm.ptr
    llvm.return
  }
}

// -----

// So is a libdevice function without one.
// expected-error @+1 {{the GPU emulator has no shim for '__nv_tgammaf'}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @gamma(%dst: !llvm.ptr, %x: f32) attributes {gpu.kernel, nvvm.kernel} {
    %g = llvm.call @__nv_tgammaf(%x) : (f32) -> f32
    llvm.store %g, %dst : f32, !llvm.ptr
    llvm.return
  }
  llvm.func @__nv_tgammaf(f32) -> f32
}

// -----

// bf16 values are kept as their bits: loads, stores, selects, extensions,
// truncations and bit casts to i16 only; arithmetic on bf16 is an error
// naming the instruction.
// expected-error @+1 {{bf16 values in 'fadd' are not supported by the GPU emulator}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @add(%p: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %x = llvm.load %p : !llvm.ptr -> bf16
    %y = llvm.fadd %x, %x : bf16
    llvm.store %y, %p : bf16, !llvm.ptr
    llvm.return
  }
}

// -----

// A bf16 loaded, selected, bit cast to and from its bits, truncated from
// f32 and built into a vector bit cast to i32 (an mma.sync register) is
// represented.
// CHECK: gpu.binary @kernels
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @bits(%p: !llvm.ptr, %c: i1, %x: f32, %n: i16) attributes {gpu.kernel, nvvm.kernel} {
    %a = llvm.load %p : !llvm.ptr -> bf16
    %b = llvm.fptrunc %x : f32 to bf16
    %s = llvm.select %c, %a, %b : i1, bf16
    %i = llvm.bitcast %s : bf16 to i16
    llvm.store %i, %p : i16, !llvm.ptr
    %from = llvm.bitcast %n : i16 to bf16
    %poison = llvm.mlir.poison : vector<2xbf16>
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %v0 = llvm.insertelement %s, %poison[%c0 : i64] : vector<2xbf16>
    %v1 = llvm.insertelement %from, %v0[%c1 : i64] : vector<2xbf16>
    %w = llvm.bitcast %v1 : vector<2xbf16> to i32
    llvm.store %w, %p : i32, !llvm.ptr
    llvm.return
  }
}

// -----

// A bf16 that did not come from memory or a truncation (here a kernel
// argument) has no bits to store,
// expected-error @+1 {{a bf16 value the emulator cannot represent is stored}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @store(%p: !llvm.ptr, %x: bf16) attributes {gpu.kernel, nvvm.kernel} {
    llvm.store %x, %p : bf16, !llvm.ptr
    llvm.return
  }
}

// -----

// to select,
// expected-error @+1 {{a bf16 select the emulator cannot represent}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @select(%p: !llvm.ptr, %c: i1, %x: bf16) attributes {gpu.kernel, nvvm.kernel} {
    %a = llvm.load %p : !llvm.ptr -> bf16
    %s = llvm.select %c, %a, %x : i1, bf16
    llvm.store %s, %p : bf16, !llvm.ptr
    llvm.return
  }
}

// -----

// to build into a vector,
// expected-error @+1 {{a bf16 vector the emulator cannot represent}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @vector(%p: !llvm.ptr, %x: bf16) attributes {gpu.kernel, nvvm.kernel} {
    %poison = llvm.mlir.poison : vector<2xbf16>
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %v = llvm.insertelement %x, %poison[%c0 : i64] : vector<2xbf16>
    %w = llvm.bitcast %v : vector<2xbf16> to i32
    llvm.store %w, %p : i32, !llvm.ptr
    llvm.return
  }
}

// -----

// or to bit cast.
// expected-error @+1 {{a bf16 bit cast the emulator cannot represent}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @cast(%p: !llvm.ptr, %x: bf16) attributes {gpu.kernel, nvvm.kernel} {
    %i = llvm.bitcast %x : bf16 to i16
    llvm.store %i, %p : i16, !llvm.ptr
    llvm.return
  }
}

// -----

// bf16 extends to f32 only,
// expected-error @+1 {{a bf16 extension the emulator cannot represent}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @ext(%p: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %x = llvm.load %p : !llvm.ptr -> bf16
    %y = llvm.fpext %x : bf16 to f64
    llvm.store %y, %p : f64, !llvm.ptr
    llvm.return
  }
}

// -----

// and truncates from f32 only.
// expected-error @+1 {{a bf16 truncation the emulator cannot represent}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @trunc(%p: !llvm.ptr, %x: f64) attributes {gpu.kernel, nvvm.kernel} {
    %y = llvm.fptrunc %x : f64 to bf16
    llvm.store %y, %p : bf16, !llvm.ptr
    llvm.return
  }
}

// -----

// bf16 shared memory (a global of bf16 in address space 3) and arrays of
// bf16 vectors (ldmatrix results) hold bits too.
// CHECK: gpu.binary @kernels
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.mlir.global internal @tile() {addr_space = 3 : i32} : !llvm.array<16 x bf16>
  llvm.func @shared(%p: !llvm.ptr, %x: f32) attributes {gpu.kernel, nvvm.kernel} {
    %t = llvm.mlir.addressof @tile : !llvm.ptr<3>
    %b = llvm.fptrunc %x : f32 to bf16
    llvm.store %b, %t : bf16, !llvm.ptr<3>
    %a = llvm.load %t : !llvm.ptr<3> -> bf16
    %poison = llvm.mlir.poison : vector<2xbf16>
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %v = llvm.insertelement %a, %poison[%c0 : i64] : vector<2xbf16>
    %u = llvm.mlir.poison : !llvm.array<2 x vector<2xbf16>>
    %arr = llvm.insertvalue %v, %u[1] : !llvm.array<2 x vector<2xbf16>>
    %w = llvm.extractvalue %arr[1] : !llvm.array<2 x vector<2xbf16>>
    %e = llvm.extractelement %w[%c0 : i64] : vector<2xbf16>
    llvm.store %e, %p : bf16, !llvm.ptr
    llvm.return
  }
}

// -----

// A bf16 global with a value is not represented,
// expected-error @+1 {{an initialised bf16 global the emulator cannot represent}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.mlir.global internal constant @one(1.0 : bf16) {addr_space = 1 : i32} : bf16
  llvm.func @global(%p: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %g = llvm.mlir.addressof @one : !llvm.ptr<1>
    %x = llvm.load %g : !llvm.ptr<1> -> bf16
    llvm.store %x, %p : bf16, !llvm.ptr
    llvm.return
  }
}

// -----

// nor an aggregate built of a bf16 without bits.
// expected-error @+1 {{a bf16 aggregate the emulator cannot represent}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @aggregate(%p: !llvm.ptr, %x: vector<2xbf16>) attributes {gpu.kernel, nvvm.kernel} {
    %u = llvm.mlir.poison : !llvm.array<2 x vector<2xbf16>>
    %arr = llvm.insertvalue %x, %u[0] : !llvm.array<2 x vector<2xbf16>>
    %w = llvm.extractvalue %arr[0] : !llvm.array<2 x vector<2xbf16>>
    %i = llvm.bitcast %w : vector<2xbf16> to i32
    llvm.store %i, %p : i32, !llvm.ptr
    llvm.return
  }
}

// -----

// A vector of bf16 stored as a whole is not rewritten: an error, never
// silently wrong bits.
// expected-error @+1 {{bf16 values in 'store' are not supported by the GPU emulator}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @vector_store(%p: !llvm.ptr, %x: f32) attributes {gpu.kernel, nvvm.kernel} {
    %b = llvm.fptrunc %x : f32 to bf16
    %poison = llvm.mlir.poison : vector<2xbf16>
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %v = llvm.insertelement %b, %poison[%c0 : i64] : vector<2xbf16>
    llvm.store %v, %p : vector<2xbf16>, !llvm.ptr
    llvm.return
  }
}
