#include <string>
#include "greet.h"

// greet builds its answer with std::string, so the C++ runtime is linked.
extern "C" const char *greet(void) {
	static std::string s;
	s = std::string("hello from C++, ") + std::to_string(sizeof(void *) * 8) + "-bit";
	return s.c_str();
}
