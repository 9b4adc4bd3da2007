// libidn2: IDNA2008 / UTS #46 conversion of domain names (idn2_to_ascii_8z, idn2_to_unicode_8z8z).
// The functions are plain C and import directly; this header only exists to name them for the module.
#include <idn2.h>
