#!/usr/bin/env bash
# Makes TorchSharp 0.107 (libtorch 2.10, CPU) load on Debian 12 (and any Linux whose libstdc++ is older
# than GCC 13's).
#
#   eng/torchsharp-debian12.sh [path/to/libLibTorchSharp.so]
#
# Why: TorchSharp's native glue, libLibTorchSharp.so, was built with GCC 13 and asks for one symbol that
# Debian 12's libstdc++ (GCC 12, up to GLIBCXX_3.4.30) lacks:
#     std::ios_base_library_init()   @ GLIBCXX_3.4.32
# That function only forces the initialisation of the standard streams. This script
#   1. builds a one-function shim library that defines it, /usr/local/lib/libtorchsharp_iosshim.so,
#   2. marks the GLIBCXX_3.4.32 requirement of libLibTorchSharp.so as weak (VER_FLG_WEAK), and
#   3. adds the shim as a NEEDED library of libLibTorchSharp.so,
# in the copy in the NuGet package cache, so every later build copies the patched file into its output.
#
# Called by eng/TorchSharp.Debian12.targets before every build of a project that loads libtorch (the
# bridge tests, the TorchSharp sample), and by hand or by other tools (the bench runner) with no argument.
# Without an argument the library is looked up in the NuGet cache ($NUGET_PACKAGES, else
# ~/.nuget/packages) for TorchSharp $TORCHSHARP_VERSION (default 0.107.0): restore a project that
# references TorchSharp / TorchSharp-cpu first.
#
# Idempotent and cheap when already done (one readelf). Safe to run concurrently (flock) and while other
# builds copy the file (the patched file replaces the old one by rename). Needs root for apt-get and
# /usr/local/lib; installs patchelf (and g++, python3 when missing) with apt-get. On a system whose
# libstdc++ already has GLIBCXX_3.4.32 it does nothing.
set -euo pipefail

me=torchsharp-debian12
die() { echo "$me: error: $*" >&2; exit 2; }

version=${TORCHSHARP_VERSION:-0.107.0}
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
cache=${cache%/}
lib=${1:-$cache/torchsharp/$version/runtimes/linux-x64/native/libLibTorchSharp.so}
[ -f "$lib" ] || die "$lib not found; restore a project that references TorchSharp-cpu $version first"

shim_name=libtorchsharp_iosshim.so
shim_dir=/usr/local/lib
shim=$shim_dir/$shim_name

# The symbol's version is what the system libstdc++ lacks: nothing to do where it has it.
stdcxx=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p) | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -n "$stdcxx" ] && grep -qa GLIBCXX_3.4.32 "$stdcxx"; then
  exit 0   # this libstdc++ provides GLIBCXX_3.4.32 itself
fi

shim_ok() { [ -f "$shim" ] && (ldconfig -p 2>/dev/null || /sbin/ldconfig -p) | grep -q "$shim_name"; }
lib_ok() {
  readelf -d "$1" 2>/dev/null | grep -q "\[$shim_name\]" &&
    readelf -V "$1" 2>/dev/null | grep -qE 'Name: GLIBCXX_3\.4\.32 +Flags: WEAK'
}

# Fast path: everything already in place (every build runs this script).
if shim_ok && lib_ok "$lib"; then exit 0; fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else die "needs root (or password-less sudo) to run: $*"; fi
}

# Serialise: parallel builds (dotnet test of a solution) and other tools call this at the same time.
exec 9>"${TMPDIR:-/tmp}/$me.lock"
flock 9
if shim_ok && lib_ok "$lib"; then exit 0; fi   # done by whoever held the lock before us

install_missing() {
  local pkgs=()
  for tool in "$@"; do
    case $tool in
      readelf) command -v readelf >/dev/null || pkgs+=(binutils) ;;
      *) command -v "$tool" >/dev/null || pkgs+=("$tool") ;;
    esac
  done
  [ ${#pkgs[@]} -gt 0 ] || return 0
  echo "$me: installing ${pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >/dev/null
  as_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

# 1. The shim: defines the one missing function.
if ! shim_ok; then
  install_missing g++
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  printf '%s\n' '#include <ios>' \
    'namespace std { void ios_base_library_init() { static ios_base::Init init; } }' > "$work/shim.cpp"
  g++ -shared -fPIC -O2 -o "$work/$shim_name" "$work/shim.cpp"
  as_root install -m 0755 "$work/$shim_name" "$shim"
  as_root ldconfig
  echo "$me: installed $shim"
fi

# 2 and 3. Patch a copy next to the library, then rename it over the library (atomic for readers).
if ! lib_ok "$lib"; then
  install_missing patchelf python3 readelf
  rm -f "$lib".patching.*   # left by an interrupted run
  tmp="$lib.patching.$$"
  cp -p "$lib" "$tmp"
  python3 - "$tmp" <<'PY'
import struct, sys
path = sys.argv[1]; want = b'GLIBCXX_3.4.32'
data = bytearray(open(path, 'rb').read())
if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
    sys.exit(f'{path}: not a 64-bit little-endian ELF file')
shoff = struct.unpack_from('<Q', data, 0x28)[0]
shentsize, shnum = struct.unpack_from('<HH', data, 0x3A)
# Elf64_Shdr: name, type, flags, addr, offset, size, link, info, addralign, entsize
secs = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
found = 0
for s in secs:
    if s[1] != 0x6ffffffe: continue                       # SHT_GNU_verneed
    strtab = secs[s[6]][4]; p = s[4]
    for _ in range(s[7]):                                 # sh_info = number of Verneed entries
        _, cnt, _, aux, nxt = struct.unpack_from('<HHIII', data, p); a = p + aux
        for _ in range(cnt):                              # Vernaux: hash, flags, other, name, next
            _, flags, _, name, anext = struct.unpack_from('<IHHII', data, a)
            end = data.index(b'\0', strtab + name)
            if bytes(data[strtab + name:end]) == want:
                struct.pack_into('<H', data, a + 4, flags | 2); found += 1   # VER_FLG_WEAK
            a += anext
        p += nxt
open(path, 'wb').write(data)
print(f'torchsharp-debian12: GLIBCXX_3.4.32 requirement marked weak ({found} entr{"y" if found == 1 else "ies"})')
PY
  readelf -d "$tmp" | grep -q "\[$shim_name\]" || patchelf --add-needed "$shim_name" "$tmp"
  lib_ok "$tmp" || { rm -f "$tmp"; die "patching $lib did not take"; }
  mv -f "$tmp" "$lib"
  echo "$me: patched $lib"
fi
