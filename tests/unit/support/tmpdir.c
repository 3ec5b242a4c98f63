/**
 * @file tmpdir.c  A fresh folder per test, for file lines and state files
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "support.h"


int test_dir_make(char *dir, size_t sz, const char *name)
{
	if (snprintf(dir, sz, "/tmp/door_%s_XXXXXX", name) >= (int)sz)
		return -1;

	return mkdtemp(dir) ? 0 : -1;
}


/* its files and empty folders, then itself */
int test_dir_remove(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		char path[400];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path))
			(void)rmdir(path);
	}
	if (d)
		closedir(d);

	return rmdir(dir);
}
