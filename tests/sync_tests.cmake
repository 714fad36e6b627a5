# Sync primitives (Mutex, RWMutex, Once, Cond) and timers (Timer, Ticker,
# AfterFunc): one executable per concern. Included from CMakeLists.txt,
# where goc_test(name [TIMEOUT s] [SERIAL]) is defined. Shared helpers:
# helpers.h.
goc_test(test_mutex)
# Measures lock waits against a bound: wants the CPUs to itself.
goc_test(test_mutex_fairness SERIAL)
goc_test(test_rwmutex)
goc_test(test_once)
goc_test(test_cond TIMEOUT 180)
goc_test(test_timer)
goc_test(test_ticker)
goc_test(test_after_func)
goc_test(test_timer_races TIMEOUT 180)
# A million timers (hundreds of MB) and a CPU-time measurement of idleness.
goc_test(test_timers_million TIMEOUT 400 SERIAL)
goc_test(test_sync_threads)
