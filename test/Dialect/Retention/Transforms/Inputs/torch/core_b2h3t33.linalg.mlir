// Exported by scripts/export-torch.sh: torch 2.15.0, torch-mlir 20261001, torchscale 0.3.0; module core_b2h3t33, config B=2 H=3 T=33 Dk=16 Dv=8; output_type=linalg-on-tensors
#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0, d1) -> (0, d1)>
#map2 = affine_map<(d0, d1) -> (d0, 0)>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
#map4 = affine_map<(d0, d1) -> ()>
#map5 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map6 = affine_map<(d0, d1, d2) -> (d0, 0, 0)>
#map7 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map8 = affine_map<(d0, d1, d2) -> ()>
#map9 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map10 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map11 = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#map12 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @main(%arg0: tensor<2x3x33x16xf32>, %arg1: tensor<2x3x33x16xf32>, %arg2: tensor<2x3x33x8xf32>) -> tensor<2x3x33x8xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %true = arith.constant true
    %cst_0 = arith.constant dense<3.40282347E+38> : tensor<f32>
    %cst_1 = arith.constant dense<-3.40282347E+38> : tensor<f32>
    %cst_2 = arith.constant dense<0x7F800000> : tensor<f32>
    %cst_3 = arith.constant dense<0.000000e+00> : tensor<f32>
    %cst_4 = arith.constant dense<1.000000e+00> : tensor<33x33xf32>
    %cst_5 = arith.constant 0xFFF0000000000000 : f64
    %cst_6 = arith.constant dense_resource<torch_tensor_3_torch.float32> : tensor<3xf32>
    %cst_7 = arith.constant 0x7FF0000000000000 : f64
    %cst_8 = arith.constant 1.000000e+00 : f32
    %0 = tensor.empty() : tensor<33xi64>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%0 : tensor<33xi64>) {
    ^bb0(%out: i64):
      %44 = linalg.index 0 : index
      %45 = arith.index_cast %44 : index to i64
      linalg.yield %45 : i64
    } -> tensor<33xi64>
    %2 = tensor.empty() : tensor<33xf32>
    %3 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%1 : tensor<33xi64>) outs(%2 : tensor<33xf32>) {
    ^bb0(%in: i64, %out: f32):
      %44 = arith.sitofp %in : i64 to f32
      linalg.yield %44 : f32
    } -> tensor<33xf32>
    %expanded = tensor.expand_shape %1 [[0, 1]] output_shape [1, 33] : tensor<33xi64> into tensor<1x33xi64>
    %expanded_9 = tensor.expand_shape %1 [[0, 1]] output_shape [33, 1] : tensor<33xi64> into tensor<33x1xi64>
    %4 = tensor.empty() : tensor<33x33xi64>
    %5 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel"]} ins(%expanded, %expanded_9 : tensor<1x33xi64>, tensor<33x1xi64>) outs(%4 : tensor<33x33xi64>) {
    ^bb0(%in: i64, %in_18: i64, %out: i64):
      %44 = arith.subi %in, %in_18 : i64
      linalg.yield %44 : i64
    } -> tensor<33x33xi64>
    %6 = tensor.empty() : tensor<33x33xi1>
    %7 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%5 : tensor<33x33xi64>) outs(%6 : tensor<33x33xi1>) {
    ^bb0(%in: i64, %out: i1):
      %44 = arith.cmpi sle, %in, %c0_i64 : i64
      linalg.yield %44 : i1
    } -> tensor<33x33xi1>
    %8 = tensor.empty() : tensor<33x33xf32>
    %9 = linalg.generic {indexing_maps = [#map3, #map3, #map4, #map3], iterator_types = ["parallel", "parallel"]} ins(%7, %cst_4, %cst_3 : tensor<33x33xi1>, tensor<33x33xf32>, tensor<f32>) outs(%8 : tensor<33x33xf32>) {
    ^bb0(%in: i1, %in_18: f32, %in_19: f32, %out: f32):
      %44 = arith.select %in, %in_18, %in_19 : f32
      linalg.yield %44 : f32
    } -> tensor<33x33xf32>
    %expanded_10 = tensor.expand_shape %3 [[0, 1]] output_shape [33, 1] : tensor<33xf32> into tensor<33x1xf32>
    %expanded_11 = tensor.expand_shape %3 [[0, 1]] output_shape [1, 33] : tensor<33xf32> into tensor<1x33xf32>
    %10 = linalg.generic {indexing_maps = [#map2, #map1, #map3], iterator_types = ["parallel", "parallel"]} ins(%expanded_10, %expanded_11 : tensor<33x1xf32>, tensor<1x33xf32>) outs(%8 : tensor<33x33xf32>) {
    ^bb0(%in: f32, %in_18: f32, %out: f32):
      %44 = arith.subf %in, %in_18 : f32
      linalg.yield %44 : f32
    } -> tensor<33x33xf32>
    %11 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%9 : tensor<33x33xf32>) outs(%6 : tensor<33x33xi1>) {
    ^bb0(%in: f32, %out: i1):
      %44 = arith.cmpf une, %in, %cst : f32
      linalg.yield %44 : i1
    } -> tensor<33x33xi1>
    %12 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%11 : tensor<33x33xi1>) outs(%6 : tensor<33x33xi1>) {
    ^bb0(%in: i1, %out: i1):
      %44 = arith.xori %in, %true : i1
      linalg.yield %44 : i1
    } -> tensor<33x33xi1>
    %13 = linalg.generic {indexing_maps = [#map3, #map4, #map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%12, %cst_2, %10 : tensor<33x33xi1>, tensor<f32>, tensor<33x33xf32>) outs(%8 : tensor<33x33xf32>) {
    ^bb0(%in: i1, %in_18: f32, %in_19: f32, %out: f32):
      %44 = arith.select %in, %in_18, %in_19 : f32
      linalg.yield %44 : f32
    } -> tensor<33x33xf32>
    %expanded_12 = tensor.expand_shape %cst_6 [[0, 1, 2]] output_shape [3, 1, 1] : tensor<3xf32> into tensor<3x1x1xf32>
    %14 = tensor.empty() : tensor<3x33x33xf32>
    %15 = linalg.generic {indexing_maps = [#map5, #map6, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%13, %expanded_12 : tensor<33x33xf32>, tensor<3x1x1xf32>) outs(%14 : tensor<3x33x33xf32>) {
    ^bb0(%in: f32, %in_18: f32, %out: f32):
      %44 = arith.mulf %in, %in_18 : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x33xf32>
    %16 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%15 : tensor<3x33x33xf32>) outs(%14 : tensor<3x33x33xf32>) {
    ^bb0(%in: f32, %out: f32):
      %44 = math.exp %in : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x33xf32>
    %17 = tensor.empty() : tensor<3x33x33xi1>
    %18 = linalg.generic {indexing_maps = [#map7, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%16, %16 : tensor<3x33x33xf32>, tensor<3x33x33xf32>) outs(%17 : tensor<3x33x33xi1>) {
    ^bb0(%in: f32, %in_18: f32, %out: i1):
      %44 = arith.cmpf une, %in, %in_18 : f32
      linalg.yield %44 : i1
    } -> tensor<3x33x33xi1>
    %19 = linalg.generic {indexing_maps = [#map7, #map8, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%18, %cst_3, %16 : tensor<3x33x33xi1>, tensor<f32>, tensor<3x33x33xf32>) outs(%14 : tensor<3x33x33xf32>) {
    ^bb0(%in: i1, %in_18: f32, %in_19: f32, %out: f32):
      %44 = arith.select %in, %in_18, %in_19 : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x33xf32>
    %20 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%16 : tensor<3x33x33xf32>) outs(%17 : tensor<3x33x33xi1>) {
    ^bb0(%in: f32, %out: i1):
      %44 = arith.extf %in : f32 to f64
      %45 = arith.cmpf oeq, %44, %cst_5 : f64
      linalg.yield %45 : i1
    } -> tensor<3x33x33xi1>
    %21 = linalg.generic {indexing_maps = [#map7, #map8, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%20, %cst_1, %19 : tensor<3x33x33xi1>, tensor<f32>, tensor<3x33x33xf32>) outs(%14 : tensor<3x33x33xf32>) {
    ^bb0(%in: i1, %in_18: f32, %in_19: f32, %out: f32):
      %44 = arith.select %in, %in_18, %in_19 : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x33xf32>
    %22 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%16 : tensor<3x33x33xf32>) outs(%17 : tensor<3x33x33xi1>) {
    ^bb0(%in: f32, %out: i1):
      %44 = arith.extf %in : f32 to f64
      %45 = arith.cmpf oeq, %44, %cst_7 : f64
      linalg.yield %45 : i1
    } -> tensor<3x33x33xi1>
    %23 = linalg.generic {indexing_maps = [#map7, #map8, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%22, %cst_0, %21 : tensor<3x33x33xi1>, tensor<f32>, tensor<3x33x33xf32>) outs(%14 : tensor<3x33x33xf32>) {
    ^bb0(%in: i1, %in_18: f32, %in_19: f32, %out: f32):
      %44 = arith.select %in, %in_18, %in_19 : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x33xf32>
    %24 = tensor.empty() : tensor<3x33x1xf32>
    %25 = linalg.fill ins(%cst : f32) outs(%24 : tensor<3x33x1xf32>) -> tensor<3x33x1xf32>
    %26 = linalg.generic {indexing_maps = [#map7, #map9], iterator_types = ["parallel", "parallel", "reduction"]} ins(%23 : tensor<3x33x33xf32>) outs(%25 : tensor<3x33x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %44 = arith.addf %in, %out : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x1xf32>
    %27 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%26 : tensor<3x33x1xf32>) outs(%24 : tensor<3x33x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %44 = math.sqrt %in : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x1xf32>
    %28 = linalg.generic {indexing_maps = [#map7, #map9, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%23, %27 : tensor<3x33x33xf32>, tensor<3x33x1xf32>) outs(%14 : tensor<3x33x33xf32>) {
    ^bb0(%in: f32, %in_18: f32, %out: f32):
      %44 = arith.divf %in, %in_18 : f32
      linalg.yield %44 : f32
    } -> tensor<3x33x33xf32>
    %29 = tensor.empty() : tensor<2x3x16x33xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<2x3x33x16xf32>) outs(%29 : tensor<2x3x16x33xf32>) permutation = [0, 1, 3, 2] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2], [3]] : tensor<2x3x33x16xf32> into tensor<6x33x16xf32>
    %collapsed_13 = tensor.collapse_shape %transposed [[0, 1], [2], [3]] : tensor<2x3x16x33xf32> into tensor<6x16x33xf32>
    %30 = tensor.empty() : tensor<6x33x33xf32>
    %31 = linalg.fill ins(%cst : f32) outs(%30 : tensor<6x33x33xf32>) -> tensor<6x33x33xf32>
    %32 = linalg.batch_matmul ins(%collapsed, %collapsed_13 : tensor<6x33x16xf32>, tensor<6x16x33xf32>) outs(%31 : tensor<6x33x33xf32>) -> tensor<6x33x33xf32>
    %expanded_14 = tensor.expand_shape %32 [[0, 1], [2], [3]] output_shape [2, 3, 33, 33] : tensor<6x33x33xf32> into tensor<2x3x33x33xf32>
    %33 = tensor.empty() : tensor<2x3x33x33xf32>
    %34 = linalg.generic {indexing_maps = [#map10, #map11, #map10], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_14, %28 : tensor<2x3x33x33xf32>, tensor<3x33x33xf32>) outs(%33 : tensor<2x3x33x33xf32>) {
    ^bb0(%in: f32, %in_18: f32, %out: f32):
      %44 = arith.mulf %in, %in_18 : f32
      linalg.yield %44 : f32
    } -> tensor<2x3x33x33xf32>
    %35 = tensor.empty() : tensor<2x3x33x1xf32>
    %36 = linalg.fill ins(%cst : f32) outs(%35 : tensor<2x3x33x1xf32>) -> tensor<2x3x33x1xf32>
    %37 = linalg.generic {indexing_maps = [#map10, #map12], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%34 : tensor<2x3x33x33xf32>) outs(%36 : tensor<2x3x33x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %44 = arith.addf %in, %out : f32
      linalg.yield %44 : f32
    } -> tensor<2x3x33x1xf32>
    %38 = linalg.generic {indexing_maps = [#map10, #map10], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%37 : tensor<2x3x33x1xf32>) outs(%35 : tensor<2x3x33x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %44 = math.absf %in : f32
      linalg.yield %44 : f32
    } -> tensor<2x3x33x1xf32>
    %39 = linalg.generic {indexing_maps = [#map10, #map10], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%38 : tensor<2x3x33x1xf32>) outs(%35 : tensor<2x3x33x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %44 = arith.cmpf ult, %in, %cst_8 : f32
      %45 = arith.select %44, %cst_8, %in : f32
      linalg.yield %45 : f32
    } -> tensor<2x3x33x1xf32>
    %40 = linalg.generic {indexing_maps = [#map10, #map12, #map10], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%34, %39 : tensor<2x3x33x33xf32>, tensor<2x3x33x1xf32>) outs(%33 : tensor<2x3x33x33xf32>) {
    ^bb0(%in: f32, %in_18: f32, %out: f32):
      %44 = arith.divf %in, %in_18 : f32
      linalg.yield %44 : f32
    } -> tensor<2x3x33x33xf32>
    %collapsed_15 = tensor.collapse_shape %40 [[0, 1], [2], [3]] : tensor<2x3x33x33xf32> into tensor<6x33x33xf32>
    %collapsed_16 = tensor.collapse_shape %arg2 [[0, 1], [2], [3]] : tensor<2x3x33x8xf32> into tensor<6x33x8xf32>
    %41 = tensor.empty() : tensor<6x33x8xf32>
    %42 = linalg.fill ins(%cst : f32) outs(%41 : tensor<6x33x8xf32>) -> tensor<6x33x8xf32>
    %43 = linalg.batch_matmul ins(%collapsed_15, %collapsed_16 : tensor<6x33x33xf32>, tensor<6x33x8xf32>) outs(%42 : tensor<6x33x8xf32>) -> tensor<6x33x8xf32>
    %expanded_17 = tensor.expand_shape %43 [[0, 1], [2], [3]] output_shape [2, 3, 33, 8] : tensor<6x33x8xf32> into tensor<2x3x33x8xf32>
    return %expanded_17 : tensor<2x3x33x8xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_3_torch.float32: "0x04000000EC0A02BDB30281BCAC8000BC"
    }
  }
#-}
