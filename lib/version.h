/* version.h — the version every tool prints with --version (and manyllm.pc) */
#ifndef MLM_VERSION
#define MLM_VERSION "0.1.0"
#endif
