// The three retention forms on the same deterministic inputs.
//
//   retnet-opt examples/retention-forms.mlir --retention-to-llvm \
//     | retnet-run - --entry main
//
// prints the parallel, chunkwise and recurrent outputs (they agree) and the
// largest absolute difference between the parallel output and the others.

#id4 = affine_map<(b, h, t, d) -> (b, h, t, d)>
#head = affine_map<(b, h, t, d) -> (h)>

// x[b, h, t, d] = sin(0.37 * (t + 1) * (d + h + 1)) * 0.5
func.func private @pattern(%seed: f32) -> tensor<1x2x100x16xf32> {
  %init = tensor.empty() : tensor<1x2x100x16xf32>
  %x = linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%init : tensor<1x2x100x16xf32>) {
  ^bb0(%out: f32):
    %h = linalg.index 1 : index
    %t = linalg.index 2 : index
    %d = linalg.index 3 : index
    %c1 = arith.constant 1 : index
    %t1 = arith.addi %t, %c1 : index
    %hd = arith.addi %h, %d : index
    %hd1 = arith.addi %hd, %c1 : index
    %prod = arith.muli %t1, %hd1 : index
    %pi = arith.index_cast %prod : index to i64
    %pf = arith.sitofp %pi : i64 to f32
    %arg = arith.mulf %pf, %seed : f32
    %s = math.sin %arg : f32
    %half = arith.constant 0.5 : f32
    %r = arith.mulf %s, %half : f32
    linalg.yield %r : f32
  } -> tensor<1x2x100x16xf32>
  return %x : tensor<1x2x100x16xf32>
}

func.func @main() -> (tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
                      tensor<1x2x100x16xf32>, tensor<f32>) {
  %s1 = arith.constant 0.37 : f32
  %s2 = arith.constant 0.91 : f32
  %s3 = arith.constant 0.13 : f32
  %q = call @pattern(%s1) : (f32) -> tensor<1x2x100x16xf32>
  %k = call @pattern(%s2) : (f32) -> tensor<1x2x100x16xf32>
  %v = call @pattern(%s3) : (f32) -> tensor<1x2x100x16xf32>
  // log(1 - 2^-5), log(1 - 2^-6): the RetNet decay schedule for two heads.
  %ld = arith.constant dense<[-0.0317486983, -0.0157483570]> : tensor<2xf32>

  %par = retention.parallel %q, %k, %v decay(%ld) {scale = 0.25 : f32}
      : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
        tensor<2xf32> -> tensor<1x2x100x16xf32>
  %chunk, %state = retention.chunkwise %q, %k, %v decay(%ld) chunk(32) {scale = 0.25 : f32}
      : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
        tensor<2xf32> -> tensor<1x2x100x16xf32>, tensor<1x2x16x16xf32>
  %zero = arith.constant dense<0.0> : tensor<1x2x16x16xf32>
  %p0 = arith.constant 0 : index
  %rec, %state2 = retention.recurrent %q, %k, %v decay(%ld) state(%zero) at(%p0) {scale = 0.25 : f32}
      : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
        tensor<2xf32>, tensor<1x2x16x16xf32> -> tensor<1x2x100x16xf32>

  // max |par - chunk| and |par - rec|.
  %neg = arith.constant 0.0 : f32
  %acc0 = tensor.empty() : tensor<f32>
  %acc = linalg.fill ins(%neg : f32) outs(%acc0 : tensor<f32>) -> tensor<f32>
  %diff = linalg.generic {indexing_maps = [#id4, #id4, #id4, affine_map<(b, h, t, d) -> ()>],
                          iterator_types = ["reduction", "reduction", "reduction", "reduction"]}
      ins(%par, %chunk, %rec : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>)
      outs(%acc : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %m: f32):
    %d1 = arith.subf %a, %b : f32
    %d2 = arith.subf %a, %c : f32
    %a1 = math.absf %d1 : f32
    %a2 = math.absf %d2 : f32
    %m1 = arith.maximumf %m, %a1 : f32
    %m2 = arith.maximumf %m1, %a2 : f32
    linalg.yield %m2 : f32
  } -> tensor<f32>
  return %par, %chunk, %rec, %diff : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
                                     tensor<1x2x100x16xf32>, tensor<f32>
}
