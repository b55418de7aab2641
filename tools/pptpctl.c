#include <stdio.h>

int main(void)
{
	fprintf(stderr, "pptpctl: not built yet\n");
	return 1;
}
