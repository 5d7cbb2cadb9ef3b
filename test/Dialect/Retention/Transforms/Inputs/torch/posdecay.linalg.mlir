// Exported by scripts/export-torch.sh: torch 2.15.0, torch-mlir 20261001, torchscale 0.3.0; module posdecay, config B=1 H=2 T=16 Dk=8 Dv=8; output_type=linalg-on-tensors
#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0, d1) -> (0, d1)>
#map2 = affine_map<(d0, d1) -> (d0, 0)>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
#map4 = affine_map<(d0, d1) -> ()>
#map5 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map6 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map7 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map8 = affine_map<(d0, d1, d2) -> ()>
#map9 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map10 = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#map11 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @main(%arg0: tensor<1x2x16x8xf32>, %arg1: tensor<1x2x16x8xf32>, %arg2: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %true = arith.constant true
    %cst_0 = arith.constant dense<3.40282347E+38> : tensor<f32>
    %cst_1 = arith.constant dense<-3.40282347E+38> : tensor<f32>
    %cst_2 = arith.constant dense<0x7F800000> : tensor<f32>
    %cst_3 = arith.constant dense<0.000000e+00> : tensor<f32>
    %cst_4 = arith.constant dense<1.000000e+00> : tensor<16x16xf32>
    %cst_5 = arith.constant 0xFFF0000000000000 : f64
    %cst_6 = arith.constant dense_resource<torch_tensor_2_torch.float32> : tensor<2xf32>
    %cst_7 = arith.constant 0x7FF0000000000000 : f64
    %cst_8 = arith.constant 1.600000e+01 : f32
    %cst_9 = arith.constant 1.000000e+00 : f32
    %0 = tensor.empty() : tensor<16xi64>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%0 : tensor<16xi64>) {
    ^bb0(%out: i64):
      %47 = linalg.index 0 : index
      %48 = arith.index_cast %47 : index to i64
      linalg.yield %48 : i64
    } -> tensor<16xi64>
    %2 = tensor.empty() : tensor<16xf32>
    %3 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%1 : tensor<16xi64>) outs(%2 : tensor<16xf32>) {
    ^bb0(%in: i64, %out: f32):
      %47 = arith.sitofp %in : i64 to f32
      linalg.yield %47 : f32
    } -> tensor<16xf32>
    %expanded = tensor.expand_shape %1 [[0, 1]] output_shape [1, 16] : tensor<16xi64> into tensor<1x16xi64>
    %expanded_10 = tensor.expand_shape %1 [[0, 1]] output_shape [16, 1] : tensor<16xi64> into tensor<16x1xi64>
    %4 = tensor.empty() : tensor<16x16xi64>
    %5 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel"]} ins(%expanded, %expanded_10 : tensor<1x16xi64>, tensor<16x1xi64>) outs(%4 : tensor<16x16xi64>) {
    ^bb0(%in: i64, %in_21: i64, %out: i64):
      %47 = arith.subi %in, %in_21 : i64
      linalg.yield %47 : i64
    } -> tensor<16x16xi64>
    %6 = tensor.empty() : tensor<16x16xi1>
    %7 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%5 : tensor<16x16xi64>) outs(%6 : tensor<16x16xi1>) {
    ^bb0(%in: i64, %out: i1):
      %47 = arith.cmpi sle, %in, %c0_i64 : i64
      linalg.yield %47 : i1
    } -> tensor<16x16xi1>
    %8 = tensor.empty() : tensor<16x16xf32>
    %9 = linalg.generic {indexing_maps = [#map3, #map3, #map4, #map3], iterator_types = ["parallel", "parallel"]} ins(%7, %cst_4, %cst_3 : tensor<16x16xi1>, tensor<16x16xf32>, tensor<f32>) outs(%8 : tensor<16x16xf32>) {
    ^bb0(%in: i1, %in_21: f32, %in_22: f32, %out: f32):
      %47 = arith.select %in, %in_21, %in_22 : f32
      linalg.yield %47 : f32
    } -> tensor<16x16xf32>
    %expanded_11 = tensor.expand_shape %3 [[0, 1]] output_shape [16, 1] : tensor<16xf32> into tensor<16x1xf32>
    %expanded_12 = tensor.expand_shape %3 [[0, 1]] output_shape [1, 16] : tensor<16xf32> into tensor<1x16xf32>
    %10 = linalg.generic {indexing_maps = [#map2, #map1, #map3], iterator_types = ["parallel", "parallel"]} ins(%expanded_11, %expanded_12 : tensor<16x1xf32>, tensor<1x16xf32>) outs(%8 : tensor<16x16xf32>) {
    ^bb0(%in: f32, %in_21: f32, %out: f32):
      %47 = arith.subf %in, %in_21 : f32
      linalg.yield %47 : f32
    } -> tensor<16x16xf32>
    %11 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%9 : tensor<16x16xf32>) outs(%6 : tensor<16x16xi1>) {
    ^bb0(%in: f32, %out: i1):
      %47 = arith.cmpf une, %in, %cst : f32
      linalg.yield %47 : i1
    } -> tensor<16x16xi1>
    %12 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%11 : tensor<16x16xi1>) outs(%6 : tensor<16x16xi1>) {
    ^bb0(%in: i1, %out: i1):
      %47 = arith.xori %in, %true : i1
      linalg.yield %47 : i1
    } -> tensor<16x16xi1>
    %13 = linalg.generic {indexing_maps = [#map3, #map4, #map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%12, %cst_2, %10 : tensor<16x16xi1>, tensor<f32>, tensor<16x16xf32>) outs(%8 : tensor<16x16xf32>) {
    ^bb0(%in: i1, %in_21: f32, %in_22: f32, %out: f32):
      %47 = arith.select %in, %in_21, %in_22 : f32
      linalg.yield %47 : f32
    } -> tensor<16x16xf32>
    %expanded_13 = tensor.expand_shape %cst_6 [[0, 1]] output_shape [2, 1] : tensor<2xf32> into tensor<2x1xf32>
    %14 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%3 : tensor<16xf32>) outs(%2 : tensor<16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.divf %in, %cst_8 : f32
      linalg.yield %47 : f32
    } -> tensor<16xf32>
    %15 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%14 : tensor<16xf32>) outs(%2 : tensor<16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.addf %in, %cst_9 : f32
      linalg.yield %47 : f32
    } -> tensor<16xf32>
    %expanded_14 = tensor.expand_shape %15 [[0, 1]] output_shape [1, 16] : tensor<16xf32> into tensor<1x16xf32>
    %16 = tensor.empty() : tensor<2x16xf32>
    %17 = linalg.generic {indexing_maps = [#map2, #map1, #map3], iterator_types = ["parallel", "parallel"]} ins(%expanded_13, %expanded_14 : tensor<2x1xf32>, tensor<1x16xf32>) outs(%16 : tensor<2x16xf32>) {
    ^bb0(%in: f32, %in_21: f32, %out: f32):
      %47 = arith.mulf %in, %in_21 : f32
      linalg.yield %47 : f32
    } -> tensor<2x16xf32>
    %expanded_15 = tensor.expand_shape %17 [[0], [1, 2]] output_shape [2, 16, 1] : tensor<2x16xf32> into tensor<2x16x1xf32>
    %18 = tensor.empty() : tensor<2x16x16xf32>
    %19 = linalg.generic {indexing_maps = [#map5, #map6, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%13, %expanded_15 : tensor<16x16xf32>, tensor<2x16x1xf32>) outs(%18 : tensor<2x16x16xf32>) {
    ^bb0(%in: f32, %in_21: f32, %out: f32):
      %47 = arith.mulf %in, %in_21 : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x16xf32>
    %20 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%19 : tensor<2x16x16xf32>) outs(%18 : tensor<2x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = math.exp %in : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x16xf32>
    %21 = tensor.empty() : tensor<2x16x16xi1>
    %22 = linalg.generic {indexing_maps = [#map7, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%20, %20 : tensor<2x16x16xf32>, tensor<2x16x16xf32>) outs(%21 : tensor<2x16x16xi1>) {
    ^bb0(%in: f32, %in_21: f32, %out: i1):
      %47 = arith.cmpf une, %in, %in_21 : f32
      linalg.yield %47 : i1
    } -> tensor<2x16x16xi1>
    %23 = linalg.generic {indexing_maps = [#map7, #map8, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%22, %cst_3, %20 : tensor<2x16x16xi1>, tensor<f32>, tensor<2x16x16xf32>) outs(%18 : tensor<2x16x16xf32>) {
    ^bb0(%in: i1, %in_21: f32, %in_22: f32, %out: f32):
      %47 = arith.select %in, %in_21, %in_22 : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x16xf32>
    %24 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%20 : tensor<2x16x16xf32>) outs(%21 : tensor<2x16x16xi1>) {
    ^bb0(%in: f32, %out: i1):
      %47 = arith.extf %in : f32 to f64
      %48 = arith.cmpf oeq, %47, %cst_5 : f64
      linalg.yield %48 : i1
    } -> tensor<2x16x16xi1>
    %25 = linalg.generic {indexing_maps = [#map7, #map8, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%24, %cst_1, %23 : tensor<2x16x16xi1>, tensor<f32>, tensor<2x16x16xf32>) outs(%18 : tensor<2x16x16xf32>) {
    ^bb0(%in: i1, %in_21: f32, %in_22: f32, %out: f32):
      %47 = arith.select %in, %in_21, %in_22 : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x16xf32>
    %26 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%20 : tensor<2x16x16xf32>) outs(%21 : tensor<2x16x16xi1>) {
    ^bb0(%in: f32, %out: i1):
      %47 = arith.extf %in : f32 to f64
      %48 = arith.cmpf oeq, %47, %cst_7 : f64
      linalg.yield %48 : i1
    } -> tensor<2x16x16xi1>
    %27 = linalg.generic {indexing_maps = [#map7, #map8, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%26, %cst_0, %25 : tensor<2x16x16xi1>, tensor<f32>, tensor<2x16x16xf32>) outs(%18 : tensor<2x16x16xf32>) {
    ^bb0(%in: i1, %in_21: f32, %in_22: f32, %out: f32):
      %47 = arith.select %in, %in_21, %in_22 : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x16xf32>
    %28 = tensor.empty() : tensor<2x16x1xf32>
    %29 = linalg.fill ins(%cst : f32) outs(%28 : tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
    %30 = linalg.generic {indexing_maps = [#map7, #map6], iterator_types = ["parallel", "parallel", "reduction"]} ins(%27 : tensor<2x16x16xf32>) outs(%29 : tensor<2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.addf %in, %out : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x1xf32>
    %31 = linalg.generic {indexing_maps = [#map7, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%30 : tensor<2x16x1xf32>) outs(%28 : tensor<2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = math.sqrt %in : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x1xf32>
    %32 = linalg.generic {indexing_maps = [#map7, #map6, #map7], iterator_types = ["parallel", "parallel", "parallel"]} ins(%27, %31 : tensor<2x16x16xf32>, tensor<2x16x1xf32>) outs(%18 : tensor<2x16x16xf32>) {
    ^bb0(%in: f32, %in_21: f32, %out: f32):
      %47 = arith.divf %in, %in_21 : f32
      linalg.yield %47 : f32
    } -> tensor<2x16x16xf32>
    %33 = tensor.empty() : tensor<1x2x8x16xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<1x2x16x8xf32>) outs(%33 : tensor<1x2x8x16xf32>) permutation = [0, 1, 3, 2] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
    %collapsed_16 = tensor.collapse_shape %transposed [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
    %34 = linalg.fill ins(%cst : f32) outs(%18 : tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %35 = linalg.batch_matmul ins(%collapsed, %collapsed_16 : tensor<2x16x8xf32>, tensor<2x8x16xf32>) outs(%34 : tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %expanded_17 = tensor.expand_shape %35 [[0, 1], [2], [3]] output_shape [1, 2, 16, 16] : tensor<2x16x16xf32> into tensor<1x2x16x16xf32>
    %36 = tensor.empty() : tensor<1x2x16x16xf32>
    %37 = linalg.generic {indexing_maps = [#map9, #map10, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_17, %32 : tensor<1x2x16x16xf32>, tensor<2x16x16xf32>) outs(%36 : tensor<1x2x16x16xf32>) {
    ^bb0(%in: f32, %in_21: f32, %out: f32):
      %47 = arith.mulf %in, %in_21 : f32
      linalg.yield %47 : f32
    } -> tensor<1x2x16x16xf32>
    %38 = tensor.empty() : tensor<1x2x16x1xf32>
    %39 = linalg.fill ins(%cst : f32) outs(%38 : tensor<1x2x16x1xf32>) -> tensor<1x2x16x1xf32>
    %40 = linalg.generic {indexing_maps = [#map9, #map11], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%37 : tensor<1x2x16x16xf32>) outs(%39 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.addf %in, %out : f32
      linalg.yield %47 : f32
    } -> tensor<1x2x16x1xf32>
    %41 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%40 : tensor<1x2x16x1xf32>) outs(%38 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = math.absf %in : f32
      linalg.yield %47 : f32
    } -> tensor<1x2x16x1xf32>
    %42 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%41 : tensor<1x2x16x1xf32>) outs(%38 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.cmpf ult, %in, %cst_9 : f32
      %48 = arith.select %47, %cst_9, %in : f32
      linalg.yield %48 : f32
    } -> tensor<1x2x16x1xf32>
    %43 = linalg.generic {indexing_maps = [#map9, #map11, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%37, %42 : tensor<1x2x16x16xf32>, tensor<1x2x16x1xf32>) outs(%36 : tensor<1x2x16x16xf32>) {
    ^bb0(%in: f32, %in_21: f32, %out: f32):
      %47 = arith.divf %in, %in_21 : f32
      linalg.yield %47 : f32
    } -> tensor<1x2x16x16xf32>
    %collapsed_18 = tensor.collapse_shape %43 [[0, 1], [2], [3]] : tensor<1x2x16x16xf32> into tensor<2x16x16xf32>
    %collapsed_19 = tensor.collapse_shape %arg2 [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
    %44 = tensor.empty() : tensor<2x16x8xf32>
    %45 = linalg.fill ins(%cst : f32) outs(%44 : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
    %46 = linalg.batch_matmul ins(%collapsed_18, %collapsed_19 : tensor<2x16x16xf32>, tensor<2x16x8xf32>) outs(%45 : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
    %expanded_20 = tensor.expand_shape %46 [[0, 1], [2], [3]] output_shape [1, 2, 16, 8] : tensor<2x16x8xf32> into tensor<1x2x16x8xf32>
    return %expanded_20 : tensor<1x2x16x8xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_2_torch.float32: "0x04000000EC0A02BDB30281BC"
    }
  }
#-}
