# Builds the UCX addon behind UCXStore (src/dim/ucx-*.ts).
# Run through scripts/build-ucx.mjs, which checks first that UCX is installed.
# ucx-flags.cjs finds UCX: $UCX_HOME, then pkg-config `ucx`, then /usr.
{
  "targets": [
    {
      "target_name": "proxystore_ucx",
      "sources": [
        "src/addon.cc",
        "src/engine.cc",
        "src/server.cc",
        "src/client.cc",
        "src/transfer.cc",
        "src/wire.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node ucx-flags.cjs include)"
      ],
      "libraries": ["<!@(node ucx-flags.cjs libs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags!": ["-fno-exceptions"]
    }
  ]
}
