// Exported by scripts/export-torch.sh: torch 2.15.0, torch-mlir 20261001, torchscale 0.3.0; module noncausal, config B=1 H=2 T=16 Dk=8 Dv=8; output_type=linalg-on-tensors
#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0, d1) -> (d0, 0)>
#map2 = affine_map<(d0, d1) -> (0, d1)>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
#map4 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map5 = affine_map<(d0, d1, d2) -> (d0, 0, 0)>
#map6 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map7 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map8 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map9 = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#map10 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @main(%arg0: tensor<1x2x16x8xf32>, %arg1: tensor<1x2x16x8xf32>, %arg2: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant dense_resource<torch_tensor_2_torch.float32> : tensor<2xf32>
    %cst_1 = arith.constant 1.000000e+00 : f32
    %0 = tensor.empty() : tensor<16xi64>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%0 : tensor<16xi64>) {
    ^bb0(%out: i64):
      %29 = linalg.index 0 : index
      %30 = arith.index_cast %29 : index to i64
      linalg.yield %30 : i64
    } -> tensor<16xi64>
    %2 = tensor.empty() : tensor<16xf32>
    %3 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%1 : tensor<16xi64>) outs(%2 : tensor<16xf32>) {
    ^bb0(%in: i64, %out: f32):
      %29 = arith.sitofp %in : i64 to f32
      linalg.yield %29 : f32
    } -> tensor<16xf32>
    %expanded = tensor.expand_shape %3 [[0, 1]] output_shape [16, 1] : tensor<16xf32> into tensor<16x1xf32>
    %expanded_2 = tensor.expand_shape %3 [[0, 1]] output_shape [1, 16] : tensor<16xf32> into tensor<1x16xf32>
    %4 = tensor.empty() : tensor<16x16xf32>
    %5 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel"]} ins(%expanded, %expanded_2 : tensor<16x1xf32>, tensor<1x16xf32>) outs(%4 : tensor<16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %29 = arith.subf %in, %in_9 : f32
      linalg.yield %29 : f32
    } -> tensor<16x16xf32>
    %6 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%5 : tensor<16x16xf32>) outs(%4 : tensor<16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %29 = math.absf %in : f32
      linalg.yield %29 : f32
    } -> tensor<16x16xf32>
    %expanded_3 = tensor.expand_shape %cst_0 [[0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
    %7 = tensor.empty() : tensor<2x16x16xf32>
    %8 = linalg.generic {indexing_maps = [#map4, #map5, #map6], iterator_types = ["parallel", "parallel", "parallel"]} ins(%6, %expanded_3 : tensor<16x16xf32>, tensor<2x1x1xf32>) outs(%7 : tensor<2x16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %29 = arith.mulf %in, %in_9 : f32
      linalg.yield %29 : f32
    } -> tensor<2x16x16xf32>
    %9 = linalg.generic {indexing_maps = [#map6, #map6], iterator_types = ["parallel", "parallel", "parallel"]} ins(%8 : tensor<2x16x16xf32>) outs(%7 : tensor<2x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %29 = math.exp %in : f32
      linalg.yield %29 : f32
    } -> tensor<2x16x16xf32>
    %10 = tensor.empty() : tensor<2x16x1xf32>
    %11 = linalg.fill ins(%cst : f32) outs(%10 : tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
    %12 = linalg.generic {indexing_maps = [#map6, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%9 : tensor<2x16x16xf32>) outs(%11 : tensor<2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %29 = arith.addf %in, %out : f32
      linalg.yield %29 : f32
    } -> tensor<2x16x1xf32>
    %13 = linalg.generic {indexing_maps = [#map6, #map6], iterator_types = ["parallel", "parallel", "parallel"]} ins(%12 : tensor<2x16x1xf32>) outs(%10 : tensor<2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %29 = math.sqrt %in : f32
      linalg.yield %29 : f32
    } -> tensor<2x16x1xf32>
    %14 = linalg.generic {indexing_maps = [#map6, #map7, #map6], iterator_types = ["parallel", "parallel", "parallel"]} ins(%9, %13 : tensor<2x16x16xf32>, tensor<2x16x1xf32>) outs(%7 : tensor<2x16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %29 = arith.divf %in, %in_9 : f32
      linalg.yield %29 : f32
    } -> tensor<2x16x16xf32>
    %15 = tensor.empty() : tensor<1x2x8x16xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<1x2x16x8xf32>) outs(%15 : tensor<1x2x8x16xf32>) permutation = [0, 1, 3, 2] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
    %collapsed_4 = tensor.collapse_shape %transposed [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
    %16 = linalg.fill ins(%cst : f32) outs(%7 : tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %17 = linalg.batch_matmul ins(%collapsed, %collapsed_4 : tensor<2x16x8xf32>, tensor<2x8x16xf32>) outs(%16 : tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %expanded_5 = tensor.expand_shape %17 [[0, 1], [2], [3]] output_shape [1, 2, 16, 16] : tensor<2x16x16xf32> into tensor<1x2x16x16xf32>
    %18 = tensor.empty() : tensor<1x2x16x16xf32>
    %19 = linalg.generic {indexing_maps = [#map8, #map9, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_5, %14 : tensor<1x2x16x16xf32>, tensor<2x16x16xf32>) outs(%18 : tensor<1x2x16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %29 = arith.mulf %in, %in_9 : f32
      linalg.yield %29 : f32
    } -> tensor<1x2x16x16xf32>
    %20 = tensor.empty() : tensor<1x2x16x1xf32>
    %21 = linalg.fill ins(%cst : f32) outs(%20 : tensor<1x2x16x1xf32>) -> tensor<1x2x16x1xf32>
    %22 = linalg.generic {indexing_maps = [#map8, #map10], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%19 : tensor<1x2x16x16xf32>) outs(%21 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %29 = arith.addf %in, %out : f32
      linalg.yield %29 : f32
    } -> tensor<1x2x16x1xf32>
    %23 = linalg.generic {indexing_maps = [#map8, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%22 : tensor<1x2x16x1xf32>) outs(%20 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %29 = math.absf %in : f32
      linalg.yield %29 : f32
    } -> tensor<1x2x16x1xf32>
    %24 = linalg.generic {indexing_maps = [#map8, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23 : tensor<1x2x16x1xf32>) outs(%20 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %29 = arith.cmpf ult, %in, %cst_1 : f32
      %30 = arith.select %29, %cst_1, %in : f32
      linalg.yield %30 : f32
    } -> tensor<1x2x16x1xf32>
    %25 = linalg.generic {indexing_maps = [#map8, #map10, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%19, %24 : tensor<1x2x16x16xf32>, tensor<1x2x16x1xf32>) outs(%18 : tensor<1x2x16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %29 = arith.divf %in, %in_9 : f32
      linalg.yield %29 : f32
    } -> tensor<1x2x16x16xf32>
    %collapsed_6 = tensor.collapse_shape %25 [[0, 1], [2], [3]] : tensor<1x2x16x16xf32> into tensor<2x16x16xf32>
    %collapsed_7 = tensor.collapse_shape %arg2 [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
    %26 = tensor.empty() : tensor<2x16x8xf32>
    %27 = linalg.fill ins(%cst : f32) outs(%26 : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
    %28 = linalg.batch_matmul ins(%collapsed_6, %collapsed_7 : tensor<2x16x16xf32>, tensor<2x16x8xf32>) outs(%27 : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
    %expanded_8 = tensor.expand_shape %28 [[0, 1], [2], [3]] output_shape [1, 2, 16, 8] : tensor<2x16x8xf32> into tensor<1x2x16x8xf32>
    return %expanded_8 : tensor<1x2x16x8xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_2_torch.float32: "0x04000000EC0A02BDB30281BC"
    }
  }
#-}
