// The plugin's transform ops: parallel -> chunkwise (16 rows) -> fused decay.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %p = transform.structured.match ops{["retention.parallel"]} in %root : (!transform.any_op) -> !transform.any_op
    %c = transform.retention.convert_to_chunkwise %p chunk_size = 16 : (!transform.any_op) -> !transform.any_op
    transform.retention.fuse_decay %c : !transform.any_op
    transform.yield
  }
}
