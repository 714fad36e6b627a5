# CMake toolchain file: cross-compile goc for 64-bit Arm Linux with Debian's
# gcc-aarch64-linux-gnu, and run the tests under qemu-user.
#
#   cmake -S . -B build/aarch64 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#   cmake --build build/aarch64 && (cd build/aarch64 && ctest)
#
# Debian packages: gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user.
# Override the compiler with -DGOC_CROSS_PREFIX=... (default
# aarch64-linux-gnu-) and the target sysroot with -DGOC_CROSS_SYSROOT=...
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(GOC_CROSS_PREFIX "aarch64-linux-gnu-" CACHE STRING "Cross toolchain prefix")
set(GOC_CROSS_SYSROOT "/usr/aarch64-linux-gnu" CACHE PATH
    "Target root: its lib/ holds the aarch64 dynamic loader and libc")

set(CMAKE_C_COMPILER ${GOC_CROSS_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${GOC_CROSS_PREFIX}gcc)

# ctest runs every test binary through qemu-user; -L points it at the
# target's dynamic loader and libraries.
find_program(GOC_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(GOC_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${GOC_QEMU_AARCH64};-L;${GOC_CROSS_SYSROOT}")
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-L;${GOC_CROSS_SYSROOT}")
endif()

# pkg-config: the target's .pc files only (the multiarch directory holds
# them when a library's arm64 package is installed), never the host's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:${GOC_CROSS_SYSROOT}/lib/pkgconfig")

# Look for libraries and headers in the target root only, programs on the host.
set(CMAKE_FIND_ROOT_PATH ${GOC_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
