// Exported by scripts/export-torch.sh: torch 2.15.0, torch-mlir 20261001, torchscale 0.3.0; module core_b2h3t33, config B=2 H=3 T=33 Dk=16 Dv=8; output_type=tosa
module {
  func.func @main(%arg0: tensor<2x3x33x16xf32>, %arg1: tensor<2x3x33x16xf32>, %arg2: tensor<2x3x33x8xf32>) -> tensor<2x3x33x8xf32> {
    %0 = "tosa.const"() <{values = dense<1.000000e+00> : tensor<33x33xf32>}> : () -> tensor<33x33xf32>
    %1 = "tosa.const"() <{values = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32]> : tensor<33xi64>}> : () -> tensor<33xi64>
    %2 = tosa.const_shape  {values = dense<[1, 33]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %3 = tosa.const_shape  {values = dense<[33, 1]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %4 = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
    %5 = tosa.const_shape  {values = dense<[1, 33, 33]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %6 = tosa.const_shape  {values = dense<[6, 33, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %7 = tosa.const_shape  {values = dense<[6, 16, 33]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %8 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1xf32>}> : () -> tensor<1xf32>
    %9 = tosa.const_shape  {values = dense<[2, 3, 33, 33]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %10 = tosa.const_shape  {values = dense<[1, 3, 33, 33]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %11 = tosa.const_shape  {values = dense<[6, 33, 33]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %12 = tosa.const_shape  {values = dense<[6, 33, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %13 = tosa.const_shape  {values = dense<[2, 3, 33, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %14 = "tosa.const"() <{values = dense<0> : tensor<1x1xi64>}> : () -> tensor<1x1xi64>
    %15 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
    %16 = "tosa.const"() <{values = dense<0x7F800000> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
    %17 = "tosa.const"() <{values = dense_resource<torch_tensor_3_torch.float32> : tensor<3x1x1xf32>}> : () -> tensor<3x1x1xf32>
    %18 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %19 = "tosa.const"() <{values = dense<0xFFF0000000000000> : tensor<1x1x1xf64>}> : () -> tensor<1x1x1xf64>
    %20 = "tosa.const"() <{values = dense<-3.40282347E+38> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %21 = "tosa.const"() <{values = dense<0x7FF0000000000000> : tensor<1x1x1xf64>}> : () -> tensor<1x1x1xf64>
    %22 = "tosa.const"() <{values = dense<3.40282347E+38> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %23 = "tosa.const"() <{values = dense<5.000000e-01> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
    %24 = tosa.cast %1 : (tensor<33xi64>) -> tensor<33xf32>
    %25 = tosa.reshape %1, %2 : (tensor<33xi64>, !tosa.shape<2>) -> tensor<1x33xi64>
    %26 = tosa.reshape %1, %3 : (tensor<33xi64>, !tosa.shape<2>) -> tensor<33x1xi64>
    %27 = tosa.cast %26 : (tensor<33x1xi64>) -> tensor<33x1xi32>
    %28 = tosa.cast %25 : (tensor<1x33xi64>) -> tensor<1x33xi32>
    %29 = tosa.sub %28, %27 : (tensor<1x33xi32>, tensor<33x1xi32>) -> tensor<33x33xi32>
    %30 = tosa.cast %29 : (tensor<33x33xi32>) -> tensor<33x33xi64>
    %31 = tosa.greater_equal %14, %30 : (tensor<1x1xi64>, tensor<33x33xi64>) -> tensor<33x33xi1>
    %32 = tosa.select %31, %0, %15 : (tensor<33x33xi1>, tensor<33x33xf32>, tensor<1x1xf32>) -> tensor<33x33xf32>
    %33 = tosa.reshape %24, %3 : (tensor<33xf32>, !tosa.shape<2>) -> tensor<33x1xf32>
    %34 = tosa.reshape %24, %2 : (tensor<33xf32>, !tosa.shape<2>) -> tensor<1x33xf32>
    %35 = tosa.sub %33, %34 : (tensor<33x1xf32>, tensor<1x33xf32>) -> tensor<33x33xf32>
    %36 = tosa.equal %32, %15 : (tensor<33x33xf32>, tensor<1x1xf32>) -> tensor<33x33xi1>
    %37 = tosa.select %36, %16, %35 : (tensor<33x33xi1>, tensor<1x1xf32>, tensor<33x33xf32>) -> tensor<33x33xf32>
    %38 = tosa.reshape %37, %5 : (tensor<33x33xf32>, !tosa.shape<3>) -> tensor<1x33x33xf32>
    %39 = tosa.mul %38, %17, %4 : (tensor<1x33x33xf32>, tensor<3x1x1xf32>, tensor<1xi8>) -> tensor<3x33x33xf32>
    %40 = tosa.exp %39 : (tensor<3x33x33xf32>) -> tensor<3x33x33xf32>
    %41 = tosa.equal %40, %40 : (tensor<3x33x33xf32>, tensor<3x33x33xf32>) -> tensor<3x33x33xi1>
    %42 = tosa.select %41, %40, %18 : (tensor<3x33x33xi1>, tensor<3x33x33xf32>, tensor<1x1x1xf32>) -> tensor<3x33x33xf32>
    %43 = tosa.cast %40 : (tensor<3x33x33xf32>) -> tensor<3x33x33xf64>
    %44 = tosa.equal %43, %19 : (tensor<3x33x33xf64>, tensor<1x1x1xf64>) -> tensor<3x33x33xi1>
    %45 = tosa.select %44, %20, %42 : (tensor<3x33x33xi1>, tensor<1x1x1xf32>, tensor<3x33x33xf32>) -> tensor<3x33x33xf32>
    %46 = tosa.equal %43, %21 : (tensor<3x33x33xf64>, tensor<1x1x1xf64>) -> tensor<3x33x33xi1>
    %47 = tosa.select %46, %22, %45 : (tensor<3x33x33xi1>, tensor<1x1x1xf32>, tensor<3x33x33xf32>) -> tensor<3x33x33xf32>
    %48 = tosa.reduce_sum %47 {axis = 2 : i32} : (tensor<3x33x33xf32>) -> tensor<3x33x1xf32>
    %49 = tosa.pow %48, %23 : (tensor<3x33x1xf32>, tensor<1x1x1xf32>) -> tensor<3x33x1xf32>
    %50 = tosa.reciprocal %49 : (tensor<3x33x1xf32>) -> tensor<3x33x1xf32>
    %51 = tosa.mul %47, %50, %4 : (tensor<3x33x33xf32>, tensor<3x33x1xf32>, tensor<1xi8>) -> tensor<3x33x33xf32>
    %52 = tosa.transpose %arg1 {perms = array<i32: 0, 1, 3, 2>} : (tensor<2x3x33x16xf32>) -> tensor<2x3x16x33xf32>
    %53 = tosa.reshape %arg0, %6 : (tensor<2x3x33x16xf32>, !tosa.shape<3>) -> tensor<6x33x16xf32>
    %54 = tosa.reshape %52, %7 : (tensor<2x3x16x33xf32>, !tosa.shape<3>) -> tensor<6x16x33xf32>
    %55 = tosa.matmul %53, %54, %8, %8 : (tensor<6x33x16xf32>, tensor<6x16x33xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<6x33x33xf32>
    %56 = tosa.reshape %55, %9 : (tensor<6x33x33xf32>, !tosa.shape<4>) -> tensor<2x3x33x33xf32>
    %57 = tosa.reshape %51, %10 : (tensor<3x33x33xf32>, !tosa.shape<4>) -> tensor<1x3x33x33xf32>
    %58 = tosa.mul %56, %57, %4 : (tensor<2x3x33x33xf32>, tensor<1x3x33x33xf32>, tensor<1xi8>) -> tensor<2x3x33x33xf32>
    %59 = tosa.reduce_sum %58 {axis = 3 : i32} : (tensor<2x3x33x33xf32>) -> tensor<2x3x33x1xf32>
    %60 = tosa.abs %59 : (tensor<2x3x33x1xf32>) -> tensor<2x3x33x1xf32>
    %61 = tosa.clamp %60 {max_val = 3.40282347E+38 : f32, min_val = 1.000000e+00 : f32} : (tensor<2x3x33x1xf32>) -> tensor<2x3x33x1xf32>
    %62 = tosa.reciprocal %61 : (tensor<2x3x33x1xf32>) -> tensor<2x3x33x1xf32>
    %63 = tosa.mul %58, %62, %4 : (tensor<2x3x33x33xf32>, tensor<2x3x33x1xf32>, tensor<1xi8>) -> tensor<2x3x33x33xf32>
    %64 = tosa.reshape %63, %11 : (tensor<2x3x33x33xf32>, !tosa.shape<3>) -> tensor<6x33x33xf32>
    %65 = tosa.reshape %arg2, %12 : (tensor<2x3x33x8xf32>, !tosa.shape<3>) -> tensor<6x33x8xf32>
    %66 = tosa.matmul %64, %65, %8, %8 : (tensor<6x33x33xf32>, tensor<6x33x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<6x33x8xf32>
    %67 = tosa.reshape %66, %13 : (tensor<6x33x8xf32>, !tosa.shape<4>) -> tensor<2x3x33x8xf32>
    return %67 : tensor<2x3x33x8xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_3_torch.float32: "0x04000000EC0A02BDB30281BCAC8000BC"
    }
  }
#-}
