/**
 * @file vfile.c  The visitor code store's file
 *
 * Mode 0600, since it holds the codes. Written whole to a temporary file
 * in the same folder, fsync'ed, renamed over the old one and the folder
 * fsync'ed, so a power cut leaves the old store or the new one, never a
 * mix. Read strictly (vcode.c): a cut or edited-wrong file is refused
 * whole, never half used.
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>
#include "door.h"

#define VFILE_MAX (256 * 1024)


static int dir_sync(const char *path)
{
	char dir[512];
	int fd, err = 0;

	str_ncpy(dir, path, sizeof(dir));
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fsync(fd))
		err = errno;
	(void)close(fd);

	return err;
}


/**
 * Replace the file at path by len bytes of buf, with mode: through
 * "<path>.tmp", fsync'ed and renamed, so the old file stays on error.
 */
int door_file_replace(const char *path, const void *buf, size_t len,
		      unsigned mode)
{
	char tmp[512];
	int fd, err = 0;

	if (!path || (!buf && len))
		return EINVAL;
	if (re_snprintf(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return ENAMETOOLONG;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return errno;

	if (write(fd, buf, len) != (ssize_t)len)
		err = errno ? errno : EIO;
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		(void)unlink(tmp);
	else
		(void)dir_sync(path);

	return err;
}


/** Replace the file at path by the store; the old file stays on error */
int vstore_save(const char *path, const struct vstore *vs)
{
	struct mbuf *mb;
	int err;

	if (!path || !vs)
		return EINVAL;

	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;

	err = vstore_encode(mb, vs);
	if (!err)
		err = door_file_replace(path, mb->buf, mb->end, 0600);

	/* the codes were in it */
	memset(mb->buf, 0, mb->size);
	mem_deref(mb);
	return err;
}


/**
 * Read the store at path into an empty vs. ENOENT when there is none,
 * EBADMSG when it is malformed or cut, EFBIG when too large, errno when
 * it cannot be read. *loose (may be NULL) says whether others than its
 * owner could read it; its mode is then set back to 0600.
 */
int vstore_load(struct vstore *vs, const char *path, bool *loose)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	if (loose)
		*loose = false;
	if (!vs || !path)
		return EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	if (fstat(fd, &st)) {
		err = errno;
		(void)close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > VFILE_MAX) {
		(void)close(fd);
		return S_ISREG(st.st_mode) ? EFBIG : EBADMSG;
	}
	if (st.st_mode & 077) {
		if (loose)
			*loose = true;
		(void)fchmod(fd, 0600);
	}

	buf = mem_zalloc((size_t)st.st_size + 1, NULL);
	if (!buf) {
		(void)close(fd);
		return ENOMEM;
	}

	while (len < (size_t)st.st_size + 1 &&
	       (n = read(fd, buf + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (n < 0) {
			err = errno;
			break;
		}
		len += (size_t)n;
	}
	(void)close(fd);

	if (!err)
		err = len > (size_t)st.st_size ? EBADMSG :
			vstore_decode(vs, buf, len);

	memset(buf, 0, (size_t)st.st_size + 1);
	mem_deref(buf);
	return err;
}
