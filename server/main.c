#include <stdio.h>

int main(void)
{
	fprintf(stderr, "pptpd: not built yet\n");
	return 1;
}
