// Snappy's C API (Debian: libsnappy-dev). Sextant uses the block format only, for
// Prometheus remote write bodies; see Sources/Collector/Push/Snappy.swift.
#include <snappy-c.h>
