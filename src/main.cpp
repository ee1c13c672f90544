#include <cstdio>
int main() { std::puts("llmload"); return 0; }
