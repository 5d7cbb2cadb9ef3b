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
double __nv_exp(double x) { return exp(x); }
double __nv_expm1(double x) { return expm1(x); }
double __nv_log(double x) { return log(x); }
double __nv_log1p(double x) { return log1p(x); }
double __nv_sqrt(double x) { return sqrt(x); }
double __nv_fabs(double x) { return fabs(x); }
double __nv_fma(double x, double y, double z) { return fma(x, y, z); }
