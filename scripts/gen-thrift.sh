#!/usr/bin/env bash
# Regenerates the committed Thrift code with Debian's thrift-compiler (0.17). Generated files are
# never edited by hand; run this after changing an IDL and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
gen() { # gen OUTDIR IDL...
  local out=$1; shift
  rm -rf "$out"; mkdir -p "$out"
  for idl in "$@"; do thrift --gen js:node -out "$out" "$idl"; done
  # The package is ESM ("type": "module"); generated js:node code is CommonJS.
  echo '{ "type": "commonjs" }' > "$out/package.json"
}
gen test/gen test/idl/interop.thrift config/demo/user.thrift
gen proxy/demo/gen config/demo/user.thrift
# Python code for the independent python3-thrift peer (test/core/one-connection-server.test.ts).
rm -rf test/gen-py; mkdir -p test/gen-py
thrift --gen py -out test/gen-py test/idl/interop.thrift
