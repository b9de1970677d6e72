// Z3's C API: Z3 5.4.1 from the include directory pkg-config's `titan-z3` names (installed by
// `scripts/setup`), which comes before the system's; otherwise Debian's libz3-dev.
#include <z3.h>
