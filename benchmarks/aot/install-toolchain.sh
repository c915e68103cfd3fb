#!/usr/bin/env bash
# Installs what `dotnet publish -p:PublishAot=true` needs on Debian besides the .NET SDK: the clang linker driver
# and zlib's headers. The ILCompiler package itself comes through NuGet restore (the SDK picks its version).
# Runs as root (as CI does) or through sudo.
set -euo pipefail
if command -v clang >/dev/null && dpkg -s zlib1g-dev >/dev/null 2>&1; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null
