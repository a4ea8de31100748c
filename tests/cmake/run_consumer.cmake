# Builds tests/cmake/consumer against zic: installed (find_package), as a subdirectory, or as a
# subdirectory in single-header mode; or installed in compiled mode.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(_common -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release)
if(MODE STREQUAL "find_package" OR MODE STREQUAL "compiled")
  # compiled: zic::compiled (the client's calls in libzic.a) built, installed and found.
  set(_compiled OFF)
  if(MODE STREQUAL "compiled")
    set(_compiled ON)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/zic ${_common}
                          -DZIC_BUILD_TESTS=OFF -DZIC_BUILD_APPS=OFF -DZIC_BUILD_EXAMPLES=OFF
                          -DZIC_COMPILED=${_compiled} -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring zic failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/zic RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "building zic failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${WORK_DIR}/zic RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "installing zic failed")
  endif()
  set(_consumer_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DZIC_CONSUMER_MODE=find_package
                     -DZIC_CONSUMER_COMPILED=${_compiled})
elseif(MODE STREQUAL "curl_only")
  # add_subdirectory with the curl transport alone, where Boost and OpenSSL cannot be found.
  set(_consumer_args -DZIC_SOURCE_DIR=${SOURCE_DIR} -DZIC_CONSUMER_MODE=add_subdirectory -DZIC_CONSUMER_CURL_ONLY=ON
                     -DZIC_WITH_BEAST=OFF -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON)
elseif(MODE STREQUAL "single_header")
  # add_subdirectory with ZIC_USE_SINGLE_HEADER=ON: the transports over the single header.
  set(_consumer_args -DZIC_SOURCE_DIR=${SOURCE_DIR} -DZIC_CONSUMER_MODE=add_subdirectory -DZIC_USE_SINGLE_HEADER=ON)
else()
  set(_consumer_args -DZIC_SOURCE_DIR=${SOURCE_DIR} -DZIC_CONSUMER_MODE=add_subdirectory)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/consumer -B ${WORK_DIR}/consumer
                        ${_common} ${_consumer_args} RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK_DIR}/consumer/consumer RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the consumer failed to run")
endif()
