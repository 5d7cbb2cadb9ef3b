//===- NVVMShim.cl - NVVM intrinsics for the CPU emulator -----------------===//
//
// The emulator runs NVVM-level kernels as OpenCL kernels on a CPU runtime
// (retnet-gpu-module-to-emulator-binary): a CUDA thread block is a work
// group, a warp is a sub-group of 32 work items (the kernels require that
// sub-group size), and every `llvm.nvvm.*` intrinsic becomes a call to
// `__retnet_nvvm_<name, dots as underscores>` defined here. libdevice
// functions (`__nv_*`, which convert-gpu-to-nvvm calls for math ops) are
// defined here too. A call without a definition is a compile error.
//
//===----------------------------------------------------------------------===//

#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL EXTENSION cl_khr_fp16 : enable

#define SPECIAL_REGISTER(name, expr) \
  uint __retnet_nvvm_read_ptx_sreg_##name(void) { return (uint)(expr); }

SPECIAL_REGISTER(tid_x, get_local_id(0))
SPECIAL_REGISTER(tid_y, get_local_id(1))
SPECIAL_REGISTER(tid_z, get_local_id(2))
SPECIAL_REGISTER(ntid_x, get_local_size(0))
SPECIAL_REGISTER(ntid_y, get_local_size(1))
SPECIAL_REGISTER(ntid_z, get_local_size(2))
SPECIAL_REGISTER(ctaid_x, get_group_id(0))
SPECIAL_REGISTER(ctaid_y, get_group_id(1))
SPECIAL_REGISTER(ctaid_z, get_group_id(2))
SPECIAL_REGISTER(nctaid_x, get_num_groups(0))
SPECIAL_REGISTER(nctaid_y, get_num_groups(1))
SPECIAL_REGISTER(nctaid_z, get_num_groups(2))
SPECIAL_REGISTER(laneid, get_sub_group_local_id())
SPECIAL_REGISTER(warpsize, 32)

// Block-wide barriers: every work item of the group, shared and global
// memory ordered.
void __retnet_nvvm_barrier0(void) {
  barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
}
void __retnet_nvvm_barrier_cta_sync_aligned_all(uint id) {
  barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
}
void __retnet_nvvm_barrier_cta_sync_all(uint id) {
  barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
}
// bar.warp.sync (__syncwarp) with a full mask: the warp's work items, and
// their shared-memory accesses.
void __retnet_nvvm_bar_warp_sync(uint mask) {
  sub_group_barrier(CLK_LOCAL_MEM_FENCE);
}

// Warp shuffles (the mask is all lanes in the kernels this compiler emits;
// the clamp operand is implied by the sub-group size).
#define SHUFFLE(kind, T, suffix, expr)                                        \
  T __retnet_nvvm_shfl_sync_##kind##_##suffix(uint mask, T v, uint lane,      \
                                              uint clamp) {                   \
    return expr;                                                              \
  }
SHUFFLE(bfly, int, i32, sub_group_shuffle_xor(v, lane))
SHUFFLE(bfly, float, f32, sub_group_shuffle_xor(v, lane))
SHUFFLE(idx, int, i32, sub_group_shuffle(v, lane))
SHUFFLE(idx, float, f32, sub_group_shuffle(v, lane))
SHUFFLE(down, int, i32,
        sub_group_shuffle(v, min(get_sub_group_local_id() + lane, 31u)))
SHUFFLE(down, float, f32,
        sub_group_shuffle(v, min(get_sub_group_local_id() + lane, 31u)))
SHUFFLE(up, int, i32,
        sub_group_shuffle(v, get_sub_group_local_id() >= lane
                                 ? get_sub_group_local_id() - lane
                                 : get_sub_group_local_id()))
SHUFFLE(up, float, f32,
        sub_group_shuffle(v, get_sub_group_local_id() >= lane
                                 ? get_sub_group_local_id() - lane
                                 : get_sub_group_local_id()))

// libdevice.
float __nv_expf(float x) { return exp(x); }
float __nv_fast_expf(float x) { return exp(x); }
float __nv_expm1f(float x) { return expm1(x); }
float __nv_logf(float x) { return log(x); }
float __nv_log1pf(float x) { return log1p(x); }
float __nv_sqrtf(float x) { return sqrt(x); }
float __nv_rsqrtf(float x) { return rsqrt(x); }
float __nv_fabsf(float x) { return fabs(x); }
float __nv_powf(float x, float y) { return pow(x, y); }
float __nv_fmaf(float x, float y, float z) { return fma(x, y, z); }
float __nv_fmaxf(float x, float y) { return fmax(x, y); }
float __nv_fminf(float x, float y) { return fmin(x, y); }
// RETNET_SHIM_WRONG_ERF and RETNET_SHIM_SWAP_SIN_COS build negative controls.
#ifdef RETNET_SHIM_WRONG_ERF
float __nv_erff(float x) { return 1.01f * erf(x); }
#else
float __nv_erff(float x) { return erf(x); }
#endif
float __nv_tanhf(float x) { return tanh(x); }
#ifdef RETNET_SHIM_SWAP_SIN_COS
float __nv_sinf(float x) { return cos(x); }
float __nv_cosf(float x) { return sin(x); }
double __nv_sin(double x) { return cos(x); }
double __nv_cos(double x) { return sin(x); }
#else
float __nv_sinf(float x) { return sin(x); }
float __nv_cosf(float x) { return cos(x); }
double __nv_sin(double x) { return sin(x); }
double __nv_cos(double x) { return cos(x); }
#endif
double __nv_exp(double x) { return exp(x); }
double __nv_expm1(double x) { return expm1(x); }
double __nv_log(double x) { return log(x); }
double __nv_log1p(double x) { return log1p(x); }
double __nv_sqrt(double x) { return sqrt(x); }
double __nv_fabs(double x) { return fabs(x); }
double __nv_fma(double x, double y, double z) { return fma(x, y, z); }
double __nv_erf(double x) { return erf(x); }

// Tensor cores. mma.sync.aligned.m16n8k16.row.col, f16 or bf16 inputs, f32
// accumulators: the warp's fragments are gathered with sub-group shuffles
// per the PTX ISA fragment tables (groupID g = lane / 4, threadID_in_group
// t = lane % 4):
//   A (16 x 16): a0 = A[g][2t, 2t+1],   a1 = A[g+8][2t, 2t+1],
//                a2 = A[g][2t+8, 2t+9], a3 = A[g+8][2t+8, 2t+9]
//   B (16 x 8):  b0 = B[2t, 2t+1][g],   b1 = B[2t+8, 2t+9][g]
//   C, D (16 x 8, f32): c0, c1 = C[g][2t, 2t+1], c2, c3 = C[g+8][2t, 2t+1]
// The NVVM intrinsic returns four floats; the pass unpacks this float4.
// RETNET_SHIM_SWAP_A builds the negative control with a1 and a2 swapped.
static float half_of(uint packed, uint which) {
  half2 h = as_half2(packed);
  return (float)(which ? h.y : h.x);
}
static float bf16_of(uint packed, uint which) {
  return as_float(which ? packed & 0xffff0000u : packed << 16);
}

// D = A B + C for one warp; each 32-bit register of a and b holds two
// values, the first in the low half, f16 or (bf16) bfloat16.
static float4 mma_m16n8k16(uint a0, uint a1, uint a2, uint a3, uint b0,
                           uint b1, float c0, float c1, float c2, float c3,
                           bool bf16) {
#ifdef RETNET_SHIM_SWAP_A
  uint swap = a1;
  a1 = a2;
  a2 = swap;
#endif
  uint lane = get_sub_group_local_id(), g = lane / 4, t = lane % 4;
  uint a[4] = {a0, a1, a2, a3};
  uint b[2] = {b0, b1};
  float d[4] = {c0, c1, c2, c3};
  for (uint k = 0; k < 16; ++k) {
    // Lane (row % 8) * 4 + (k % 8) / 2 holds A[row][k] in register
    // (row >= 8) + 2 (k >= 8), half k % 2; lane col * 4 + (k % 8) / 2 holds
    // B[k][col] in register (k >= 8), half k % 2.
    uint src = (k % 8) / 2;
    uint words[4] = {
        sub_group_shuffle(a[k >= 8 ? 2 : 0], g * 4 + src),
        sub_group_shuffle(a[k >= 8 ? 3 : 1], g * 4 + src),
        sub_group_shuffle(b[k >= 8 ? 1 : 0], (2 * t) * 4 + src),
        sub_group_shuffle(b[k >= 8 ? 1 : 0], (2 * t + 1) * 4 + src)};
    float x[4];
    for (uint i = 0; i < 4; ++i)
      x[i] = bf16 ? bf16_of(words[i], k % 2) : half_of(words[i], k % 2);
    d[0] += x[0] * x[2];
    d[1] += x[0] * x[3];
    d[2] += x[1] * x[2];
    d[3] += x[1] * x[3];
  }
  return (float4)(d[0], d[1], d[2], d[3]);
}

float4 __retnet_nvvm_mma_m16n8k16_row_col_f32_f32(half2 a0, half2 a1,
                                                   half2 a2, half2 a3,
                                                   half2 b0, half2 b1,
                                                   float c0, float c1,
                                                   float c2, float c3) {
  return mma_m16n8k16(as_uint(a0), as_uint(a1), as_uint(a2), as_uint(a3),
                      as_uint(b0), as_uint(b1), c0, c1, c2, c3, false);
}

// mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32: the same fragment
// layout, bf16 pairs in i32 registers.
float4 __retnet_nvvm_mma_m16n8k16_row_col_bf16(uint a0, uint a1, uint a2,
                                               uint a3, uint b0, uint b1,
                                               float c0, float c1, float c2,
                                               float c3) {
  return mma_m16n8k16(a0, a1, a2, a3, b0, b1, c0, c1, c2, c3, true);
}

// ldmatrix.sync.aligned.m8n8.xN(.trans).b16 from shared memory: lanes
// 8i .. 8i+7 give the row addresses of matrix i; register i of lane l holds
// row l / 4, columns 2 (l % 4) and 2 (l % 4) + 1 of matrix i (low half
// first), or with .trans rows 2 (l % 4) and 2 (l % 4) + 1 of column l / 4.
static uint ldmatrix_reg(__local const ushort *p, uint i, bool trans) {
  uint lane = get_sub_group_local_id();
  ulong mine = (ulong)p;
  if (!trans) {
    // Columns 2 (l % 4) and 2 (l % 4) + 1: one aligned 32-bit word of the
    // row (rows are 16-byte aligned, as ldmatrix requires).
    __local const uint *row =
        (__local const uint *)sub_group_shuffle(mine, 8 * i + lane / 4);
    return row[lane % 4];
  }
  __local const ushort *r0 =
      (__local const ushort *)sub_group_shuffle(mine, 8 * i + 2 * (lane % 4));
  __local const ushort *r1 = (__local const ushort *)sub_group_shuffle(
      mine, 8 * i + 2 * (lane % 4) + 1);
  return (uint)r0[lane / 4] | ((uint)r1[lane / 4] << 16);
}

#define LDMATRIX(suffix, trans)                                                \
  uint __retnet_nvvm_ldmatrix_sync_aligned_m8n8_x1##suffix##_b16_p3(              \
      __local const ushort *p) {                                               \
    return ldmatrix_reg(p, 0, trans);                                          \
  }                                                                            \
  uint2 __retnet_nvvm_ldmatrix_sync_aligned_m8n8_x2##suffix##_b16_p3(             \
      __local const ushort *p) {                                               \
    return (uint2)(ldmatrix_reg(p, 0, trans), ldmatrix_reg(p, 1, trans));      \
  }                                                                            \
  uint4 __retnet_nvvm_ldmatrix_sync_aligned_m8n8_x4##suffix##_b16_p3(             \
      __local const ushort *p) {                                               \
    return (uint4)(ldmatrix_reg(p, 0, trans), ldmatrix_reg(p, 1, trans),       \
                   ldmatrix_reg(p, 2, trans), ldmatrix_reg(p, 3, trans));      \
  }
LDMATRIX(, false)
LDMATRIX(_trans, true)

// cp.async.ca.shared.global [dst], [src], 16, src-size: copies src-size
// bytes and zero-fills the rest of the 16. The emulator copies at once, so
// commit_group and wait_group have nothing to wait for: it checks where
// asynchronous copies land and their zero-fill, not that a kernel waits
// for them (the barrier after the wait is checked as any barrier is).
void __retnet_nvvm_cp_async_ca_shared_global_16_s(__local uchar *dst,
                                                  __global const uchar *src,
                                                  uint bytes) {
  for (uint i = 0; i < 16; ++i)
    dst[i] = i < bytes ? src[i] : 0;
}
void __retnet_nvvm_cp_async_commit_group(void) {}
void __retnet_nvvm_cp_async_wait_group(int pending) {}
