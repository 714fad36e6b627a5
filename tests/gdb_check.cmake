# gdb_check.cmake — the gdb commands (gdb/goc-gdb.py) in batch mode:
#   cmake -DGDB=gdb -DPROG=gdb_goroutines -P gdb_check.cmake
# gdb loads the commands from the program itself (the static library's
# .debug_gdb_scripts section), breaks once two goroutines have parked,
# lists the goroutines, shows a parked one's backtrace, and then the
# thread's own (its registers put back). Each expected line is a regular
# expression; the test fails on the first one missing.
execute_process(
  COMMAND ${GDB} -batch -nx
    -iex "set auto-load safe-path /"
    -iex "set debuginfod enabled off"
    -ex "break gdb_stop_here"
    -ex "run"
    -ex "info goroutines"
    -ex "goroutine 2 bt"
    -ex "goroutine 3 bt"
    -ex "bt 1"
    -ex "kill"
    ${PROG}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 100)
set(expected
  "\n\\* 1 running\n"
  "\n  2 waiting \\[chan receive\\]\n"
  "\n  3 waiting \\[sync\\.WaitGroup\\.Wait\\] \"the waiter\"\n"
  "\n#[0-9]+ +0x[0-9a-f]+ in receiver [^\n]*gdb_goroutines\\.c:[0-9]+\n"
  "\n#[0-9]+ +0x[0-9a-f]+ in wg_waiter [^\n]*gdb_goroutines\\.c:[0-9]+\n"
  "\n#0 +gdb_stop_here [^\n]*gdb_goroutines\\.c:[0-9]+\n")
foreach(re IN LISTS expected)
  if(NOT out MATCHES "${re}")
    message(FATAL_ERROR "gdb output lacks /${re}/ (gdb exit ${rc}):\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "gdb commands ok")
