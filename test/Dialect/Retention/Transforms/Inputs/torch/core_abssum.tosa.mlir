// Exported by scripts/export-torch.sh: torch 2.15.0, torch-mlir 20261001, torchscale 0.3.0; module core_abssum, config B=1 H=2 T=16 Dk=8 Dv=8; output_type=tosa
module {
  func.func @main(%arg0: tensor<1x2x16x8xf32>, %arg1: tensor<1x2x16x8xf32>, %arg2: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
    %0 = "tosa.const"() <{values = dense<1.000000e+00> : tensor<16x16xf32>}> : () -> tensor<16x16xf32>
    %1 = "tosa.const"() <{values = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<16xi64>}> : () -> tensor<16xi64>
    %2 = tosa.const_shape  {values = dense<[1, 16]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %3 = tosa.const_shape  {values = dense<[16, 1]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %4 = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
    %5 = tosa.const_shape  {values = dense<[1, 16, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %6 = tosa.const_shape  {values = dense<[2, 16, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %7 = tosa.const_shape  {values = dense<[2, 8, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %8 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1xf32>}> : () -> tensor<1xf32>
    %9 = tosa.const_shape  {values = dense<[1, 2, 16, 16]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %10 = tosa.const_shape  {values = dense<[2, 16, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %11 = tosa.const_shape  {values = dense<[1, 2, 16, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %12 = "tosa.const"() <{values = dense<0> : tensor<1x1xi64>}> : () -> tensor<1x1xi64>
    %13 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
    %14 = "tosa.const"() <{values = dense<0x7F800000> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
    %15 = "tosa.const"() <{values = dense_resource<torch_tensor_2_torch.float32> : tensor<2x1x1xf32>}> : () -> tensor<2x1x1xf32>
    %16 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %17 = "tosa.const"() <{values = dense<0xFFF0000000000000> : tensor<1x1x1xf64>}> : () -> tensor<1x1x1xf64>
    %18 = "tosa.const"() <{values = dense<-3.40282347E+38> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %19 = "tosa.const"() <{values = dense<0x7FF0000000000000> : tensor<1x1x1xf64>}> : () -> tensor<1x1x1xf64>
    %20 = "tosa.const"() <{values = dense<3.40282347E+38> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %21 = "tosa.const"() <{values = dense<5.000000e-01> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %22 = tosa.cast %1 : (tensor<16xi64>) -> tensor<16xf32>
    %23 = tosa.reshape %1, %2 : (tensor<16xi64>, !tosa.shape<2>) -> tensor<1x16xi64>
    %24 = tosa.reshape %1, %3 : (tensor<16xi64>, !tosa.shape<2>) -> tensor<16x1xi64>
    %25 = tosa.cast %24 : (tensor<16x1xi64>) -> tensor<16x1xi32>
    %26 = tosa.cast %23 : (tensor<1x16xi64>) -> tensor<1x16xi32>
    %27 = tosa.sub %26, %25 : (tensor<1x16xi32>, tensor<16x1xi32>) -> tensor<16x16xi32>
    %28 = tosa.cast %27 : (tensor<16x16xi32>) -> tensor<16x16xi64>
    %29 = tosa.greater_equal %12, %28 : (tensor<1x1xi64>, tensor<16x16xi64>) -> tensor<16x16xi1>
    %30 = tosa.select %29, %0, %13 : (tensor<16x16xi1>, tensor<16x16xf32>, tensor<1x1xf32>) -> tensor<16x16xf32>
    %31 = tosa.reshape %22, %3 : (tensor<16xf32>, !tosa.shape<2>) -> tensor<16x1xf32>
    %32 = tosa.reshape %22, %2 : (tensor<16xf32>, !tosa.shape<2>) -> tensor<1x16xf32>
    %33 = tosa.sub %31, %32 : (tensor<16x1xf32>, tensor<1x16xf32>) -> tensor<16x16xf32>
    %34 = tosa.equal %30, %13 : (tensor<16x16xf32>, tensor<1x1xf32>) -> tensor<16x16xi1>
    %35 = tosa.select %34, %14, %33 : (tensor<16x16xi1>, tensor<1x1xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    %36 = tosa.reshape %35, %5 : (tensor<16x16xf32>, !tosa.shape<3>) -> tensor<1x16x16xf32>
    %37 = tosa.mul %36, %15, %4 : (tensor<1x16x16xf32>, tensor<2x1x1xf32>, tensor<1xi8>) -> tensor<2x16x16xf32>
    %38 = tosa.exp %37 : (tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %39 = tosa.equal %38, %38 : (tensor<2x16x16xf32>, tensor<2x16x16xf32>) -> tensor<2x16x16xi1>
    %40 = tosa.select %39, %38, %16 : (tensor<2x16x16xi1>, tensor<2x16x16xf32>, tensor<1x1x1xf32>) -> tensor<2x16x16xf32>
    %41 = tosa.cast %38 : (tensor<2x16x16xf32>) -> tensor<2x16x16xf64>
    %42 = tosa.equal %41, %17 : (tensor<2x16x16xf64>, tensor<1x1x1xf64>) -> tensor<2x16x16xi1>
    %43 = tosa.select %42, %18, %40 : (tensor<2x16x16xi1>, tensor<1x1x1xf32>, tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %44 = tosa.equal %41, %19 : (tensor<2x16x16xf64>, tensor<1x1x1xf64>) -> tensor<2x16x16xi1>
    %45 = tosa.select %44, %20, %43 : (tensor<2x16x16xi1>, tensor<1x1x1xf32>, tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %46 = tosa.reduce_sum %45 {axis = 2 : i32} : (tensor<2x16x16xf32>) -> tensor<2x16x1xf32>
    %47 = tosa.pow %46, %21 : (tensor<2x16x1xf32>, tensor<1x1x1xf32>) -> tensor<2x16x1xf32>
    %48 = tosa.reciprocal %47 : (tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
    %49 = tosa.mul %45, %48, %4 : (tensor<2x16x16xf32>, tensor<2x16x1xf32>, tensor<1xi8>) -> tensor<2x16x16xf32>
    %50 = tosa.transpose %arg1 {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x2x16x8xf32>) -> tensor<1x2x8x16xf32>
    %51 = tosa.reshape %arg0, %6 : (tensor<1x2x16x8xf32>, !tosa.shape<3>) -> tensor<2x16x8xf32>
    %52 = tosa.reshape %50, %7 : (tensor<1x2x8x16xf32>, !tosa.shape<3>) -> tensor<2x8x16xf32>
    %53 = tosa.matmul %51, %52, %8, %8 : (tensor<2x16x8xf32>, tensor<2x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x16x16xf32>
    %54 = tosa.reshape %53, %9 : (tensor<2x16x16xf32>, !tosa.shape<4>) -> tensor<1x2x16x16xf32>
    %55 = tosa.reshape %49, %9 : (tensor<2x16x16xf32>, !tosa.shape<4>) -> tensor<1x2x16x16xf32>
    %56 = tosa.mul %54, %55, %4 : (tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1xi8>) -> tensor<1x2x16x16xf32>
    %57 = tosa.abs %56 : (tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
    %58 = tosa.reduce_sum %57 {axis = 3 : i32} : (tensor<1x2x16x16xf32>) -> tensor<1x2x16x1xf32>
    %59 = tosa.clamp %58 {max_val = 5.000000e+04 : f32, min_val = 1.000000e+00 : f32} : (tensor<1x2x16x1xf32>) -> tensor<1x2x16x1xf32>
    %60 = tosa.reciprocal %59 : (tensor<1x2x16x1xf32>) -> tensor<1x2x16x1xf32>
    %61 = tosa.mul %56, %60, %4 : (tensor<1x2x16x16xf32>, tensor<1x2x16x1xf32>, tensor<1xi8>) -> tensor<1x2x16x16xf32>
    %62 = tosa.reshape %61, %10 : (tensor<1x2x16x16xf32>, !tosa.shape<3>) -> tensor<2x16x16xf32>
    %63 = tosa.reshape %arg2, %6 : (tensor<1x2x16x8xf32>, !tosa.shape<3>) -> tensor<2x16x8xf32>
    %64 = tosa.matmul %62, %63, %8, %8 : (tensor<2x16x16xf32>, tensor<2x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x16x8xf32>
    %65 = tosa.reshape %64, %11 : (tensor<2x16x8xf32>, !tosa.shape<4>) -> tensor<1x2x16x8xf32>
    return %65 : tensor<1x2x16x8xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_2_torch.float32: "0x04000000EC0A02BDB30281BC"
    }
  }
#-}
