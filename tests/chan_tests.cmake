# Channels and select (include/goc.h, "Channels" and "Select" of API.md).
# One executable per concern; each file's opening comment says what it
# specifies. Included from tests/CMakeLists.txt.
goc_test(test_chan_basic TIMEOUT 300)       # make, len/cap, copies, FIFO, nil channels
goc_test(test_chan_close TIMEOUT 300)       # close: wake-ups, zero values, panics
goc_test(test_chan_nonblocking TIMEOUT 300) # try_* and *_timeout
goc_test(test_chan_lifetime TIMEOUT 300)    # retain/release, blocked waiters keep a channel
goc_test(test_chan_threads TIMEOUT 300)     # calls from plain pthreads
goc_test(test_select TIMEOUT 300)           # select, select_try, select_timeout
goc_test(test_select_fairness TIMEOUT 300)  # uniform choice among ready cases
goc_test(test_chan_programs TIMEOUT 300)    # classic Go channel programs
goc_test(test_chan_stress TIMEOUT 900)     # many goroutines, races, counts
goc_test(test_chan_powser)                  # McIlroy's power series: operators as goroutines
goc_test(test_random TIMEOUT 300)           # random programs from a seed (scripts/rerun-seed)
goc_test(test_chan_free_count TIMEOUT 300)  # each channel freed exactly once (a counting free)
