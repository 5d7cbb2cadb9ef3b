// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-tile-into-tasks{tasks=4 min-task-work=1024}))' | FileCheck %s

#rows = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>

// A norm's sum of squares over 64 rows of 512 (32768 iterations): four
// tasks of 16 rows, each filling its own slice of the sums.
// CHECK-LABEL: func.func @row_sums(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<64x512xf32>
//       CHECK:   %[[ZERO:.*]] = arith.constant 0.0
//   CHECK-NOT:   linalg.fill
//       CHECK:   %[[S:.*]] = scf.forall (%[[I:.*]]) = (0) to (64) step (16) shared_outs(%[[OUT:[^ ]+]] = %{{[^)]+}})
//       CHECK:     %[[XS:.*]] = tensor.extract_slice %[[X]][%[[I]], 0] [16, 512]
//       CHECK:     %[[OS:.*]] = tensor.extract_slice %[[OUT]][%[[I]]] [16]
//       CHECK:     %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[OS]] : tensor<16xf32>)
//       CHECK:     linalg.generic {{.*}} ins(%[[XS]] : tensor<16x512xf32>) outs(%[[ACC]] : tensor<16xf32>)
//       CHECK:   return %[[S]]
func.func @row_sums(%x: tensor<64x512xf32>) -> tensor<64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %s = linalg.generic {indexing_maps = [#rows, #row],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x512xf32>) outs(%acc : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %b, %sq : f32
    linalg.yield %r : f32
  }  -> tensor<64xf32>
  return %s : tensor<64xf32>
}

// Two heads: the outer loop gives two tasks, the next one the other two.
// CHECK-LABEL: func.func @heads(
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (2, 256) step (1, 128)
//       CHECK:     linalg.exp {{.*}} -> tensor<1x128x8xf32>
func.func @heads(%x: tensor<2x256x8xf32>) -> tensor<2x256x8xf32> {
  %e = tensor.empty() : tensor<2x256x8xf32>
  %y = linalg.exp ins(%x : tensor<2x256x8xf32>) outs(%e : tensor<2x256x8xf32>) -> tensor<2x256x8xf32>
  return %y : tensor<2x256x8xf32>
}

// One decoded token's worth (512 iterations) stays whole on the calling
// thread: a fork and join would cost more.
// CHECK-LABEL: func.func @small(
//       CHECK:   linalg.exp
//   CHECK-NOT:   scf.forall (
func.func @small(%x: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %e = tensor.empty() : tensor<1x512xf32>
  %y = linalg.exp ins(%x : tensor<1x512xf32>) outs(%e : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}

// An op already in a task is not split again.
// CHECK-LABEL: func.func @in_task(
//       CHECK:   scf.forall (%{{.*}}) in (2)
//       CHECK:     linalg.exp {{.*}} -> tensor<1x4096xf32>
//   CHECK-NOT:   scf.forall (
func.func @in_task(%x: tensor<2x4096xf32>) -> tensor<2x4096xf32> {
  %r = scf.forall (%i) in (2) shared_outs(%o = %x) -> tensor<2x4096xf32> {
    %s = tensor.extract_slice %x[%i, 0] [1, 4096] [1, 1] : tensor<2x4096xf32> to tensor<1x4096xf32>
    %d = tensor.extract_slice %o[%i, 0] [1, 4096] [1, 1] : tensor<2x4096xf32> to tensor<1x4096xf32>
    %y = linalg.exp ins(%s : tensor<1x4096xf32>) outs(%d : tensor<1x4096xf32>) -> tensor<1x4096xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %o[%i, 0] [1, 4096] [1, 1] : tensor<1x4096xf32> into tensor<2x4096xf32>
    }
  }
  return %r : tensor<2x4096xf32>
}
