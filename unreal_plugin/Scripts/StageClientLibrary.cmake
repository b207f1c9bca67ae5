# Copies the native client library and its header into the plugin's ThirdParty module, where
# FantasyTalkingClient.Build.cs looks for them. Run from anywhere after building native/:
#
#   cmake -DFTALK_NATIVE_BUILD_DIR=<native build folder> [-DFTALK_PLATFORM=Win64|Mac|Linux] -P unreal_plugin/Scripts/StageClientLibrary.cmake
#
# FTALK_NATIVE_INCLUDE_DIR defaults to native/include next to the plugin (a repository checkout);
# FTALK_PLATFORM defaults to the machine running the script. Works the same on Windows, macOS and Linux.
cmake_minimum_required(VERSION 3.16)

get_filename_component(PLUGIN_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT FTALK_NATIVE_BUILD_DIR)
	get_filename_component(FTALK_NATIVE_BUILD_DIR "${PLUGIN_DIR}/../build/native" ABSOLUTE)
endif()
if(NOT FTALK_NATIVE_INCLUDE_DIR)
	get_filename_component(FTALK_NATIVE_INCLUDE_DIR "${PLUGIN_DIR}/../native/include" ABSOLUTE)
endif()
if(NOT FTALK_PLATFORM)
	if(CMAKE_HOST_WIN32)
		set(FTALK_PLATFORM Win64)
	elseif(CMAKE_HOST_APPLE)
		set(FTALK_PLATFORM Mac)
	else()
		set(FTALK_PLATFORM Linux)
	endif()
endif()

if(FTALK_PLATFORM STREQUAL "Win64")
	set(FILES ftalk_client.dll ftalk_client.lib)
elseif(FTALK_PLATFORM STREQUAL "Mac")
	set(FILES libftalk_client.dylib)
elseif(FTALK_PLATFORM STREQUAL "Linux")
	# Staged under its SONAME (libftalk_client.so.0): the name the engine's loader looks for.
	file(GLOB SONAMES "${FTALK_NATIVE_BUILD_DIR}/libftalk_client.so.*")
	set(FILES "")
	foreach(CANDIDATE IN LISTS SONAMES)
		get_filename_component(NAME "${CANDIDATE}" NAME)
		if(NAME MATCHES "^libftalk_client\\.so\\.[0-9]+$")
			set(FILES "${NAME}")
		endif()
	endforeach()
	if(NOT FILES)
		set(FILES libftalk_client.so)
	endif()
else()
	message(FATAL_ERROR "FTALK_PLATFORM must be Win64, Mac or Linux, not '${FTALK_PLATFORM}'")
endif()

set(THIRD_PARTY "${PLUGIN_DIR}/Source/ThirdParty/FantasyTalkingClient")
if(NOT EXISTS "${FTALK_NATIVE_INCLUDE_DIR}/ftalk_client.h")
	message(FATAL_ERROR "no ftalk_client.h in ${FTALK_NATIVE_INCLUDE_DIR} (set FTALK_NATIVE_INCLUDE_DIR)")
endif()
file(MAKE_DIRECTORY "${THIRD_PARTY}/include" "${THIRD_PARTY}/lib/${FTALK_PLATFORM}")
file(COPY "${FTALK_NATIVE_INCLUDE_DIR}/ftalk_client.h" DESTINATION "${THIRD_PARTY}/include")

foreach(NAME IN LISTS FILES)
	# Multi-config generators (Visual Studio, Xcode) put the library under Release/.
	set(FOUND "")
	foreach(CANDIDATE "${FTALK_NATIVE_BUILD_DIR}/${NAME}" "${FTALK_NATIVE_BUILD_DIR}/Release/${NAME}" "${FTALK_NATIVE_BUILD_DIR}/RelWithDebInfo/${NAME}")
		if(EXISTS "${CANDIDATE}" AND NOT FOUND)
			set(FOUND "${CANDIDATE}")
		endif()
	endforeach()
	if(NOT FOUND)
		message(FATAL_ERROR "no ${NAME} in ${FTALK_NATIVE_BUILD_DIR} (build native/ first: Docs/Setup.md)")
	endif()
	# Resolve symlinks (libftalk_client.so -> .so.0 -> .so.0.1.0): Unreal stages one real file.
	get_filename_component(REAL "${FOUND}" REALPATH)
	configure_file("${REAL}" "${THIRD_PARTY}/lib/${FTALK_PLATFORM}/${NAME}" COPYONLY)
	if(FTALK_PLATFORM STREQUAL "Mac" AND CMAKE_HOST_APPLE)
		# The engine loads the dylib from the plugin; its install name must not point into the build folder.
		execute_process(COMMAND install_name_tool -id "@rpath/${NAME}" "${THIRD_PARTY}/lib/${FTALK_PLATFORM}/${NAME}" RESULT_VARIABLE RESULT)
		if(NOT RESULT EQUAL 0)
			message(FATAL_ERROR "install_name_tool failed on ${NAME}")
		endif()
	endif()
	message(STATUS "staged ${THIRD_PARTY}/lib/${FTALK_PLATFORM}/${NAME}")
endforeach()
