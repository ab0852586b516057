// libdeflate (Debian libdeflate-dev): whole-buffer gzip decompression, faster than zlib's
// streaming inflate on profiles (Benchmarks/profiles.sh, "inflate" rows).
#include <libdeflate.h>
