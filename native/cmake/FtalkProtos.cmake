# The one place where C++ code is generated from protos/fantasytalking/v1, for every C++ target
# (libftalk_client, its tests, tools/bench/stream_load).
#
#   include(<repo>/native/cmake/FtalkProtos.cmake)
#   ftalk_find_grpc()                                  # defines the target ftalk::grpc
#   ftalk_add_proto_library(<target> PROTOS common animation ...)
#
# The library is static and position-independent with hidden visibility, so that it can be linked
# into the shared client library without exporting a single protobuf symbol.
#
# Finding gRPC: pkg-config on Linux (Debian's libgrpc++-dev; its CMake package is incomplete),
# gRPC's own CMake package elsewhere (vcpkg on Windows, Homebrew or vcpkg on macOS). Set
# FTALK_GRPC_CMAKE_PACKAGE=ON/OFF to choose.
include_guard(GLOBAL)

set(FTALK_PROTO_ROOT "${CMAKE_CURRENT_LIST_DIR}/../../protos" CACHE PATH "folder that holds fantasytalking/v1/*.proto")
get_filename_component(FTALK_PROTO_ROOT "${FTALK_PROTO_ROOT}" ABSOLUTE)

if(UNIX AND NOT APPLE)
  set(_ftalk_cmake_package_default OFF)
else()
  set(_ftalk_cmake_package_default ON)
endif()
option(FTALK_GRPC_CMAKE_PACKAGE "find gRPC with find_package(gRPC CONFIG) instead of pkg-config"
       ${_ftalk_cmake_package_default})

macro(ftalk_find_grpc)
  if(NOT TARGET ftalk::grpc)
    add_library(ftalk::grpc INTERFACE IMPORTED GLOBAL)
    if(FTALK_GRPC_CMAKE_PACKAGE)
      find_package(Protobuf CONFIG QUIET)
      if(NOT Protobuf_FOUND)
        find_package(Protobuf REQUIRED)
      endif()
      find_package(gRPC CONFIG REQUIRED)
      set_property(TARGET ftalk::grpc PROPERTY INTERFACE_LINK_LIBRARIES gRPC::grpc++ protobuf::libprotobuf)
      if(TARGET protobuf::protoc)
        get_target_property(FTALK_PROTOC protobuf::protoc IMPORTED_LOCATION_RELEASE)
        if(NOT FTALK_PROTOC)
          get_target_property(FTALK_PROTOC protobuf::protoc LOCATION)
        endif()
      endif()
      if(TARGET gRPC::grpc_cpp_plugin)
        get_target_property(FTALK_GRPC_CPP_PLUGIN gRPC::grpc_cpp_plugin LOCATION)
      endif()
    else()
      find_package(PkgConfig REQUIRED)
      pkg_check_modules(FTALK_GRPCPP REQUIRED IMPORTED_TARGET GLOBAL grpc++ protobuf)
      set_property(TARGET ftalk::grpc PROPERTY INTERFACE_LINK_LIBRARIES PkgConfig::FTALK_GRPCPP)
    endif()
    if(NOT FTALK_PROTOC)
      find_program(FTALK_PROTOC protoc REQUIRED)
    endif()
    if(NOT FTALK_GRPC_CPP_PLUGIN)
      find_program(FTALK_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
    endif()
  endif()
endmacro()

# ftalk_add_proto_library(<target> PROTOS <name>...): a static library of the messages and gRPC
# stubs of protos/fantasytalking/v1/<name>.proto, generated into the build tree at build time.
function(ftalk_add_proto_library target)
  cmake_parse_arguments(ARG "" "" "PROTOS" ${ARGN})
  ftalk_find_grpc()
  set(gen "${CMAKE_CURRENT_BINARY_DIR}/${target}_gen")
  set(sources)
  foreach(name IN LISTS ARG_PROTOS)
    set(proto "${FTALK_PROTO_ROOT}/fantasytalking/v1/${name}.proto")
    if(NOT EXISTS "${proto}")
      message(FATAL_ERROR "ftalk_add_proto_library: ${proto} does not exist")
    endif()
    set(stem "${gen}/fantasytalking/v1/${name}")
    add_custom_command(
      OUTPUT "${stem}.pb.cc" "${stem}.pb.h" "${stem}.grpc.pb.cc" "${stem}.grpc.pb.h"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${gen}"
      COMMAND "${FTALK_PROTOC}" -I "${FTALK_PROTO_ROOT}" --cpp_out=${gen} --grpc_out=${gen}
              "--plugin=protoc-gen-grpc=${FTALK_GRPC_CPP_PLUGIN}" "${proto}"
      DEPENDS "${proto}"
      COMMENT "protoc fantasytalking/v1/${name}.proto"
      VERBATIM)
    list(APPEND sources "${stem}.pb.cc" "${stem}.grpc.pb.cc")
  endforeach()
  add_library(${target} STATIC ${sources})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden
                                             VISIBILITY_INLINES_HIDDEN ON)
  target_include_directories(${target} PUBLIC "${gen}")
  target_link_libraries(${target} PUBLIC ftalk::grpc)
endfunction()
