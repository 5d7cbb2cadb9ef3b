// RUN: retnet-opt %s --retnet-record-entry-signatures | FileCheck %s

// CHECK-LABEL: func.func @entry
// CHECK-SAME: (%{{.*}}: tensor<2xf32> {bufferization.writable = false}, %{{.*}}: index)
// CHECK-SAME: attributes {llvm.emit_c_interface, retnet.signature = (tensor<2xf32>, index) -> tensor<2xf32>}
func.func @entry(%a: tensor<2xf32>, %i: index) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// A donated argument is writable, and its position recorded for runtimes.
// CHECK-LABEL: func.func @donated
// CHECK-SAME: (%{{.*}}: tensor<2xf32> {bufferization.writable = false}, %{{.*}}: tensor<4xf32> {bufferization.writable = true, retnet.donated})
// CHECK-SAME: retnet.donated_args = array<i64: 1>
func.func @donated(%a: tensor<2xf32>, %s: tensor<4xf32> {retnet.donated})
    -> tensor<4xf32> {
  return %s : tensor<4xf32>
}

// Private functions and declarations are not entry points.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: retnet.signature
func.func private @helper(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
func.func private @external(tensor<2xf32>)
