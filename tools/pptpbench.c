#include <stdio.h>

int main(void)
{
	fprintf(stderr, "pptpbench: not built yet\n");
	return 1;
}
