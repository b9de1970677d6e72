// Z3's C API. The library `scripts/setup` unpacks into `.z3/` (at the package's root) comes
// first when it is there; otherwise the system's libz3-dev. A relative include needs no
// compiler flag, so no target carries a header path for Z3.
#if __has_include("../../.z3/include/z3.h")
#include "../../.z3/include/z3.h"
#else
#include <z3.h>
#endif
