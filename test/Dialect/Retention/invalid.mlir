// RUN: retnet-opt %s -split-input-file -verify-diagnostics

func.func @q_rank(%q: tensor<2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                  %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects 'q' to have rank 4 ([batch, heads, seq, dim]), got rank 3}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @v_rank(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                  %v: tensor<1x1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects 'v' to have rank 4 ([batch, heads, seq, dim]), got rank 5}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @element_type_mismatch(%q: tensor<1x2x64x16xf32>,
                                 %k: tensor<1x2x64x16xbf16>,
                                 %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects q, k and v to have the same element type, got 'f32', 'bf16' and 'f32'}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xbf16>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @unsupported_element_type(%q: tensor<1x2x64x16xf64>,
                                    %k: tensor<1x2x64x16xf64>,
                                    %v: tensor<1x2x64x16xf64>,
                                    %ld: tensor<2xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf64>, tensor<1x2x64x16xf64>, tensor<1x2x64x16xf64>,
        tensor<2xf32> -> tensor<1x2x64x16xf64>
  return
}

// -----

func.func @key_dim_mismatch(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x8xf32>,
                            %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects 'k' to match 'q' in dimension 3 (dim): [1, 2, 64, 8] vs [1, 2, 64, 16]}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @value_seq_mismatch(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                              %v: tensor<1x2x32x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects 'v' to match 'q' in dimension 2 (seq): [1, 2, 32, 16] vs [1, 2, 64, 16]}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x32x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @empty_sequence(%q: tensor<1x2x0x16xf32>, %k: tensor<1x2x0x16xf32>,
                          %v: tensor<1x2x0x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a sequence length of at least 1, got 0}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x0x16xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x16xf32>,
        tensor<2xf32> -> tensor<1x2x0x16xf32>
  return
}

// -----

// Empty dimensions are rejected: every lowering assumes at least one element.
func.func @empty_batch(%q: tensor<0x2x4x16xf32>, %k: tensor<0x2x4x16xf32>,
                      %v: tensor<0x2x4x8xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a batch size of at least 1, got 0}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<0x2x4x16xf32>, tensor<0x2x4x16xf32>, tensor<0x2x4x8xf32>,
        tensor<2xf32> -> tensor<0x2x4x8xf32>
  return
}

// -----

// Empty dimensions are rejected: every lowering assumes at least one element.
func.func @empty_heads(%q: tensor<1x0x4x16xf32>, %k: tensor<1x0x4x16xf32>,
                      %v: tensor<1x0x4x8xf32>, %ld: tensor<0xf32>) {
  // expected-error @+1 {{expects a number of heads of at least 1, got 0}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x0x4x16xf32>, tensor<1x0x4x16xf32>, tensor<1x0x4x8xf32>,
        tensor<0xf32> -> tensor<1x0x4x8xf32>
  return
}

// -----

// Empty dimensions are rejected: every lowering assumes at least one element.
func.func @empty_key_dim(%q: tensor<1x2x4x0xf32>, %k: tensor<1x2x4x0xf32>,
                        %v: tensor<1x2x4x8xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a key dim of at least 1, got 0}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x4x0xf32>, tensor<1x2x4x0xf32>, tensor<1x2x4x8xf32>,
        tensor<2xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// Empty dimensions are rejected: every lowering assumes at least one element.
func.func @empty_value_dim(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x4x16xf32>,
                          %v: tensor<1x2x4x0xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a value dim of at least 1, got 0}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x0xf32>,
        tensor<2xf32> -> tensor<1x2x4x0xf32>
  return
}

// -----

func.func @decay_shape(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                       %v: tensor<1x2x64x16xf32>, %ld: tensor<3xf32>) {
  // expected-error @+1 {{expects 'log_decay' to have shape [heads] = [2], got [3]}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<3xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @decay_element_type(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                              %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf16>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit float values}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf16> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @result_shape(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                        %v: tensor<1x2x64x8xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects result 'o' of shape [batch, heads, seq, value_dim] = [1, 2, 64, 8] with element type 'f32', got 'tensor<1x2x64x16xf32>'}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @result_element_type(%q: tensor<1x2x64x16xbf16>, %k: tensor<1x2x64x16xbf16>,
                               %v: tensor<1x2x64x16xbf16>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects result 'o' of shape [batch, heads, seq, value_dim] = [1, 2, 64, 16] with element type 'bf16', got 'tensor<1x2x64x16xf32>'}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x16xbf16>, tensor<1x2x64x16xbf16>, tensor<1x2x64x16xbf16>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @zero_scale(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                      %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects 'scale' to be finite and non-zero, got 0}}
  %o = retention.parallel %q, %k, %v decay(%ld) {scale = 0.0 : f32}
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @bad_normalization(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                             %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+2 {{expected ::retnet::retention::Normalization to be one of: none, sqrt_rowsum}}
  // expected-error @+1 {{failed to parse Retention_NormalizationAttr parameter 'value'}}
  %o = retention.parallel %q, %k, %v decay(%ld) {normalization = #retention.normalization<l2>}
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @chunk_size(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                      %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a positive 'chunk_size', got 0}}
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(0)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>, tensor<1x2x16x16xf32>
  return
}

// -----

func.func @negative_chunk_size(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                               %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a positive 'chunk_size', got -4}}
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(-4)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>, tensor<1x2x16x16xf32>
  return
}

// -----

func.func @initial_state_shape(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                               %v: tensor<1x2x64x8xf32>, %ld: tensor<2xf32>,
                               %s0: tensor<1x2x8x16xf32>) {
  // expected-error @+1 {{expects 'initial_state' of shape [batch, heads, key_dim, value_dim] = [1, 2, 16, 8], got [1, 2, 8, 16]}}
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%s0) chunk(16)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>,
        tensor<2xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x64x8xf32>, tensor<1x2x16x8xf32>
  return
}

// -----

func.func @final_state_shape(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                             %v: tensor<1x2x64x8xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects 'final_state' of shape [batch, heads, key_dim, value_dim] = [1, 2, 16, 8], got [1, 2, 16, 16]}}
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(16)
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>,
        tensor<2xf32> -> tensor<1x2x64x8xf32>, tensor<1x2x16x16xf32>
  return
}

// -----

func.func @state_element_type(%q: tensor<1x2x64x16xbf16>, %k: tensor<1x2x64x16xbf16>,
                              %v: tensor<1x2x64x8xbf16>, %ld: tensor<2xf32>,
                              %s0: tensor<1x2x16x8xbf16>, %p: index) {
  // expected-error @+1 {{operand #4 must be ranked tensor of 32-bit float values}}
  %o, %s = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
      : tensor<1x2x64x16xbf16>, tensor<1x2x64x16xbf16>, tensor<1x2x64x8xbf16>,
        tensor<2xf32>, tensor<1x2x16x8xbf16> -> tensor<1x2x64x8xbf16>
  return
}

// -----

func.func @recurrent_state_shape(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x1x16xf32>,
                                 %v: tensor<1x2x1x8xf32>, %ld: tensor<2xf32>,
                                 %s0: tensor<1x3x16x8xf32>, %p: index) {
  // expected-error @+1 {{expects 'state' of shape [batch, heads, key_dim, value_dim] = [1, 2, 16, 8], got [1, 3, 16, 8]}}
  %o, %s = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
      : tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x8xf32>,
        tensor<2xf32>, tensor<1x3x16x8xf32> -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @recurrent_new_state_type(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x1x16xf32>,
                                    %v: tensor<1x2x1x8xf32>, %ld: tensor<2xf32>,
                                    %s0: tensor<1x2x16x8xf32>, %p: index) {
  // expected-error @+1 {{failed to verify that all of {state, new_state} have same type}}
  %o, %s = "retention.recurrent"(%q, %k, %v, %ld, %s0, %p)
      : (tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x8xf32>,
         tensor<2xf32>, tensor<1x2x16x8xf32>, index)
      -> (tensor<1x2x1x8xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @row_divisor_bounds(%q: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a row divisor with a finite min > 0 and max >= min, got min = 2.000000e+00, max = 1.000000e+00}}
  %o = retention.parallel %q, %q, %q decay(%ld) {row_divisor = #retention.row_divisor<sum_of_abs, min = 2.0, max = 1.0>}
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @row_divisor_zero(%q: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expects a row divisor with a finite min > 0 and max >= min, got min = 0.000000e+00, max = INF}}
  %o = retention.parallel %q, %q, %q decay(%ld) {row_divisor = #retention.row_divisor<abs_of_sum, min = 0.0>}
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}

// -----

func.func @row_divisor_kind(%q: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>) {
  // expected-error @+1 {{expected 'sum_of_abs' or 'abs_of_sum', got 'sum'}}
  %o = retention.parallel %q, %q, %q decay(%ld) {row_divisor = #retention.row_divisor<sum, min = 1.0>}
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return
}
