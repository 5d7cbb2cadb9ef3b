// Exported by scripts/export-torch.sh: torch 2.15.0, torch-mlir 20261001, torchscale 0.3.0; module wrongdecay, config B=1 H=2 T=16 Dk=8 Dv=8; output_type=linalg-on-tensors
#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0, d1) -> (0, d1)>
#map2 = affine_map<(d0, d1) -> (d0, 0)>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
#map4 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map5 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map6 = affine_map<(d0, d1, d2) -> ()>
#map7 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map8 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map9 = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#map10 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @main(%arg0: tensor<1x2x16x8xf32>, %arg1: tensor<1x2x16x8xf32>, %arg2: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<f32>
    %cst_1 = arith.constant dense_resource<torch_tensor_2_16_16_torch.float32> : tensor<2x16x16xf32>
    %cst_2 = arith.constant 1.000000e+00 : f32
    %0 = tensor.empty() : tensor<16xi64>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%0 : tensor<16xi64>) {
    ^bb0(%out: i64):
      %27 = linalg.index 0 : index
      %28 = arith.index_cast %27 : index to i64
      linalg.yield %28 : i64
    } -> tensor<16xi64>
    %expanded = tensor.expand_shape %1 [[0, 1]] output_shape [1, 16] : tensor<16xi64> into tensor<1x16xi64>
    %expanded_3 = tensor.expand_shape %1 [[0, 1]] output_shape [16, 1] : tensor<16xi64> into tensor<16x1xi64>
    %2 = tensor.empty() : tensor<16x16xi64>
    %3 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel"]} ins(%expanded, %expanded_3 : tensor<1x16xi64>, tensor<16x1xi64>) outs(%2 : tensor<16x16xi64>) {
    ^bb0(%in: i64, %in_9: i64, %out: i64):
      %27 = arith.subi %in, %in_9 : i64
      linalg.yield %27 : i64
    } -> tensor<16x16xi64>
    %4 = tensor.empty() : tensor<16x16xi1>
    %5 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%3 : tensor<16x16xi64>) outs(%4 : tensor<16x16xi1>) {
    ^bb0(%in: i64, %out: i1):
      %27 = arith.cmpi sle, %in, %c0_i64 : i64
      linalg.yield %27 : i1
    } -> tensor<16x16xi1>
    %6 = tensor.empty() : tensor<2x16x16xf32>
    %7 = linalg.generic {indexing_maps = [#map4, #map5, #map6, #map5], iterator_types = ["parallel", "parallel", "parallel"]} ins(%5, %cst_1, %cst_0 : tensor<16x16xi1>, tensor<2x16x16xf32>, tensor<f32>) outs(%6 : tensor<2x16x16xf32>) {
    ^bb0(%in: i1, %in_9: f32, %in_10: f32, %out: f32):
      %27 = arith.select %in, %in_9, %in_10 : f32
      linalg.yield %27 : f32
    } -> tensor<2x16x16xf32>
    %8 = tensor.empty() : tensor<2x16x1xf32>
    %9 = linalg.fill ins(%cst : f32) outs(%8 : tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
    %10 = linalg.generic {indexing_maps = [#map5, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%7 : tensor<2x16x16xf32>) outs(%9 : tensor<2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %27 = arith.addf %in, %out : f32
      linalg.yield %27 : f32
    } -> tensor<2x16x1xf32>
    %11 = linalg.generic {indexing_maps = [#map5, #map5], iterator_types = ["parallel", "parallel", "parallel"]} ins(%10 : tensor<2x16x1xf32>) outs(%8 : tensor<2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %27 = math.sqrt %in : f32
      linalg.yield %27 : f32
    } -> tensor<2x16x1xf32>
    %12 = linalg.generic {indexing_maps = [#map5, #map7, #map5], iterator_types = ["parallel", "parallel", "parallel"]} ins(%7, %11 : tensor<2x16x16xf32>, tensor<2x16x1xf32>) outs(%6 : tensor<2x16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %27 = arith.divf %in, %in_9 : f32
      linalg.yield %27 : f32
    } -> tensor<2x16x16xf32>
    %13 = tensor.empty() : tensor<1x2x8x16xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<1x2x16x8xf32>) outs(%13 : tensor<1x2x8x16xf32>) permutation = [0, 1, 3, 2] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
    %collapsed_4 = tensor.collapse_shape %transposed [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
    %14 = linalg.fill ins(%cst : f32) outs(%6 : tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %15 = linalg.batch_matmul ins(%collapsed, %collapsed_4 : tensor<2x16x8xf32>, tensor<2x8x16xf32>) outs(%14 : tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    %expanded_5 = tensor.expand_shape %15 [[0, 1], [2], [3]] output_shape [1, 2, 16, 16] : tensor<2x16x16xf32> into tensor<1x2x16x16xf32>
    %16 = tensor.empty() : tensor<1x2x16x16xf32>
    %17 = linalg.generic {indexing_maps = [#map8, #map9, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_5, %12 : tensor<1x2x16x16xf32>, tensor<2x16x16xf32>) outs(%16 : tensor<1x2x16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %27 = arith.mulf %in, %in_9 : f32
      linalg.yield %27 : f32
    } -> tensor<1x2x16x16xf32>
    %18 = tensor.empty() : tensor<1x2x16x1xf32>
    %19 = linalg.fill ins(%cst : f32) outs(%18 : tensor<1x2x16x1xf32>) -> tensor<1x2x16x1xf32>
    %20 = linalg.generic {indexing_maps = [#map8, #map10], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%17 : tensor<1x2x16x16xf32>) outs(%19 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %27 = arith.addf %in, %out : f32
      linalg.yield %27 : f32
    } -> tensor<1x2x16x1xf32>
    %21 = linalg.generic {indexing_maps = [#map8, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%20 : tensor<1x2x16x1xf32>) outs(%18 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %27 = math.absf %in : f32
      linalg.yield %27 : f32
    } -> tensor<1x2x16x1xf32>
    %22 = linalg.generic {indexing_maps = [#map8, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%21 : tensor<1x2x16x1xf32>) outs(%18 : tensor<1x2x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %27 = arith.cmpf ult, %in, %cst_2 : f32
      %28 = arith.select %27, %cst_2, %in : f32
      linalg.yield %28 : f32
    } -> tensor<1x2x16x1xf32>
    %23 = linalg.generic {indexing_maps = [#map8, #map10, #map8], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%17, %22 : tensor<1x2x16x16xf32>, tensor<1x2x16x1xf32>) outs(%16 : tensor<1x2x16x16xf32>) {
    ^bb0(%in: f32, %in_9: f32, %out: f32):
      %27 = arith.divf %in, %in_9 : f32
      linalg.yield %27 : f32
    } -> tensor<1x2x16x16xf32>
    %collapsed_6 = tensor.collapse_shape %23 [[0, 1], [2], [3]] : tensor<1x2x16x16xf32> into tensor<2x16x16xf32>
    %collapsed_7 = tensor.collapse_shape %arg2 [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
    %24 = tensor.empty() : tensor<2x16x8xf32>
    %25 = linalg.fill ins(%cst : f32) outs(%24 : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
    %26 = linalg.batch_matmul ins(%collapsed_6, %collapsed_7 : tensor<2x16x16xf32>, tensor<2x16x8xf32>) outs(%25 : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
    %expanded_8 = tensor.expand_shape %26 [[0, 1], [2], [3]] output_shape [1, 2, 16, 8] : tensor<2x16x8xf32> into tensor<1x2x16x8xf32>
    return %expanded_8 : tensor<1x2x16x8xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_2_16_16_torch.float32: "0x0400000008961C3F8C6DA83F4337433F67DF7B3FAC97963F2880A03FB03F433F8AF70A3F5E41353FB4371E3F62271F3F1A289E3F211B9B3F71CFA43F0E166B3F9161B33FF899BF3F78D5A03F1851393F8F664D3FE4AC2D3FB673A93F9E22873F1D0FBD3F90AB713FFE52B93F444B9F3F5D3C7D3F56183E3FC1A4993F4E8B833F6C473F3FC23BA53F9F696C3F8153043F8D8C383F7A0DBA3F6A6B9A3F64B2293F02F2B13F2E15823FBB2F093FA2E5923F87D0573F3178513FD856833FC16E0B3F9E94813F87D9B33F5CA78C3FC7EB713F7E299D3F50CD743F02C0563FBC818F3F34C9863FEF44983F93655E3FF1DFB33F20F4AA3FB5CC4D3F8E18963F9C77893F772EB63FB87AB53FCF27A13FD885A33F98168F3FA77E563F6D8F373F9301B93F56149B3F12A11D3F6024943FB85B583FA29B0B3FDA68BD3F6503873F88E8973F48F67D3F0D26133F35F1BA3F1EBC533F11A0023F1ACEB93F4418493FB27F3B3FF400B53FAE26A23FDB792A3FD377703FB56A393FA75DB23F00BC0C3F0D902D3FB9144D3FCC75303FB594B53F8390363F464A653F42038D3FD4646C3F68DF823F8AE16A3FD7B4083FFB36B53FEFD14E3FDE3F903F42F1A93FB465943FB0B4163FB42C7D3F965B8B3F12F49D3F82C3AC3FA4A1B43F26187C3F6BC6B83F5EF4633FE2FA3F3FAA14523FAAD5BC3F300CA13F399B953FEDDE433F77CE3B3F26BA803F90CF883F3A39103F331CB33FAAF3453F96F9563F001D303F7DD5863FB7A6443F7150BA3FCAF1BC3F9AF38B3FC4F84F3FDFB8B83F9909AD3FE2A2BD3FA3F91C3F97717A3FFD92713F097E623FB0BB733FF846873F8A63BF3F9961003FB6CD143F06A17D3FA586363F66D7753F7A7C233F7416073F5D7A883F27AD593F36E7933F6F23A23F33173A3F8FB4A03FBCA9923F420A5E3FF3502D3F98EB4B3FDC08BF3F11D9353F2D13213FFFFF2B3FF2D2B43F2C44973FAD01323F92E1BF3F10041D3F0C76033F561F253FE916A43F6D3A503FEC5F4C3F43F4573FDCE8333F7056BD3F14A37E3F8A985C3F84FDBB3FD931093FC8DA4D3FCF4ABE3F8C07213FFA25983F92E6293F5D05173F775B503F5C361F3F2C025A3FF54C3B3F39E4483F7F195A3F0063483F49F63D3FE8267E3F5BE1893FDC8B603F42773E3F481FB33F85A51A3FDAAAB53FAD608F3F22A85D3FC3F10F3FAF618C3FCE37153F5BC5A83F4D147F3FD4100F3FC0F4BD3F07B28A3FBA3B963F214D793F4A80B73FA878413F188E263FEE8EA43FBA496A3F8E598A3FD2D71B3F696D9A3F87AE023FDECD753F02624B3F3F2A0C3FB8ED913F82DC603F6C5A8B3F9170123F76FEB43FDA2E023FFAA4373FDD61303FE052173F2534913FB56D503F8F439A3F2286923F4ED1B93FA5AF5B3F5254573FE6130B3F91F56F3FC553BF3F8DC22C3F512A233FBA75A63F8CA5993F61AEB03F8F42283F6C91553F3D8CBB3F0BA82F3F659A263FEC7B513F2638083F7437543F8BDB833F9CED913F9CD0A53F57804E3FB35A3D3FB0971D3FF2E27B3FFDF7643FFA81143F5A9DA33F4893953FC1323B3F2ACD1D3F5D2F313FACF03C3FFF0F2A3F90202C3F9A4FAC3FB6741B3F5C0C9B3F5300243FF6814B3F648D533F2A86783FBDD7653F7C4D9A3F7B45B53F922BA73F38039D3F6817A73FF56B2B3F71C8333FB2AFB53F02DD033F3E4D083FB217BA3FE838873F08DDA03F4644283F359D653FE2F33C3FE076203FAF2F723FB07B093FC475923F58C7A73F3547413FB82DAE3F5199A93F833C393F66C3133F8B547B3F31DD133F1D970D3F24CF423F5D571B3FC3114D3F9A6B753FB8D7823F347C113F52B5B43F640FAA3F9FDD293F55722D3FFBAE9B3F2EBDB73F739A243F7EAD643F44C91C3FD3064F3F3CA8BF3F47FC6C3F9E31983F2E9CBB3FF295063F24A36B3F7BCC103F2A6A733F0D2B0E3F3061503FE97C9F3F10C5B73F933CB23F2815233FF1292E3FB5FA663F5DFC6D3F8E855E3F2640293F3A99B83F6B58B03F521A843F4004853F6873283F5E2D923FB4B7983F65CD003F9469963FAC5B273FCA97833FCCBE1D3F426D713F8DA8363FF837363F2CFC933F41485F3F44815D3F5B4C9A3F807A153F57392D3F2A43A63F85A5BC3FE93A443F4113243F41AAA13F6C0CBC3FCCEC5E3F27F80F3F7B198B3F92D29B3F23251E3F32EB963F1A8C2C3F9322293F42AC883F279C7B3F6CABAB3F4A3A3C3FE8C7923FEE16973F344F043FAC9F653FC681843FA1CA333F48EBB33F91DC013FAC3AA33F970A5F3FEA40123F3B663E3FFC64A13F08F4763FD4AF963F2633BE3F9848A83F7CDD9E3FD648BC3F8CB3883F70A53F3F9F573A3F054FA43F26324B3FD0D91E3FD760663FD4710D3F65C1323F1E7CA73F91DE483F88E1803F55FE093F753D593FCA34973F4A61913F42DA823FF6AB613F6549183F65AE933FDE6E873F0678A63F701E093F982AAA3FC323B13FDA7F2C3F48E59D3FB4DA9D3F66DD943FBAF06B3FE4689A3F7E73A93F00E3203FB3490F3F79BD453F3E8B9C3F4F38993F379BB03FD2644E3F1B556A3FEA6E1A3F4689433FDA409F3FF4C7003F652E4E3FA71C443FB39F043FE02F793F2DB76D3F27E51A3F58D5073FB2C5613FAEF3763F3CB95A3FE8DAB93FC5FF453F5068373F3C11853F11B8A53FD1A4713FD641653F104E253F2FD7673FC055A93FC29D953FBC108B3FBACE8C3FE68F823FD96A7E3F0535553F61659B3F2006983F1676AB3FBB873A3F89B2293FFE0D9B3FC6B0A33F4305633F7E08203FA8A5933FF688403F520E3F3F54712D3FA89B9C3FC6B3A73F4B491E3F31762B3F58E5543F7243B13FA84FB43F6AC49D3F27DD283FBE0FBA3F26CB423FD242B73F5816753FCA2BBB3F9BDD7F3F0AB08E3F00B8243F4937003F"
    }
  }
#-}
