# check_output.cmake — run one example and check what it printed.
#   cmake -DPROGRAM=path [-DARGS=a|b] [-DEMULATOR=a|b|c] -DEXPECT=re1|re2|... \
#         -P check_output.cmake
# Fails unless the program exits 0, its output matches every EXPECT regex,
# and neither stream carries a sanitizer report or a goc panic.
# (ctest's PASS_REGULAR_EXPRESSION would ignore the exit status.)
string(REPLACE "|" ";" emulator "${EMULATOR}")
string(REPLACE "|" ";" expect "${EXPECT}")
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${emulator} ${PROGRAM} ${args}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}")
endif()
foreach(re IN LISTS expect)
  if(NOT out MATCHES "${re}")
    message(FATAL_ERROR "output does not match: ${re}")
  endif()
endforeach()
if("${out}${err}" MATCHES "Sanitizer|==[0-9]+==|panic: |fatal error: ")
  message(FATAL_ERROR "sanitizer report, panic or fatal error in the output")
endif()
